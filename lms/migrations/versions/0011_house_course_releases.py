"""assignments: the state of releasing a course's assignments into a learner's server

Revision ID: 0011_house
Revises: 0010_feedback
Create Date: 2026-12-02 08:00:00

Releasing now runs in the worker after the notebook is ready; one row per learner and course says
whether it is queued, running, done or failed, for the course page.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_house'
down_revision = '0010_feedback'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('course_releases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_course_releases_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_course_releases_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_releases')),
    sa.UniqueConstraint('user_id', 'course_id', name='uq_course_releases_learner')
    )
    with op.batch_alter_table('course_releases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_course_releases_course_id'), ['course_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_course_releases_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('course_releases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_course_releases_user_id'))
        batch_op.drop_index(batch_op.f('ix_course_releases_course_id'))

    op.drop_table('course_releases')
