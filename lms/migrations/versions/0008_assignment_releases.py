"""assignments: what was released to each learner

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 11:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('assignment_releases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('assignment', sa.String(length=80), nullable=False),
    sa.Column('version', sa.String(length=64), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('files', sa.JSON(), nullable=False),
    sa.Column('beside', sa.JSON(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('released_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_assignment_releases_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_assignment_releases_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignment_releases')),
    sa.UniqueConstraint('user_id', 'course_id', 'assignment', name='uq_assignment_releases_learner')
    )
    with op.batch_alter_table('assignment_releases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignment_releases_course_id'), ['course_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assignment_releases_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('assignment_releases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assignment_releases_user_id'))
        batch_op.drop_index(batch_op.f('ix_assignment_releases_course_id'))

    op.drop_table('assignment_releases')
