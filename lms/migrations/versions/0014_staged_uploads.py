"""uploads waiting for their confirmation kept in the database

Revision ID: 0014_staged
Revises: 0013_content
Create Date: 2026-12-03 10:00:00

A new table: the employee imports and course packages that wait for their uploader's "Confirm" were
kept in files under instance/ (employee-imports/, course-uploads/), which another LMS machine could not
see. Uploads staged before the upgrade are not carried over (they live an hour); the old folders may be
deleted.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014_staged'
down_revision = '0013_content'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('staged_uploads',
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('meta', sa.JSON(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=True),
    sa.Column('outcome', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_staged_uploads_actor_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token', name=op.f('pk_staged_uploads'))
    )
    with op.batch_alter_table('staged_uploads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staged_uploads_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_staged_uploads_created_at'), ['created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('staged_uploads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staged_uploads_created_at'))
        batch_op.drop_index(batch_op.f('ix_staged_uploads_actor_id'))
    op.drop_table('staged_uploads')
