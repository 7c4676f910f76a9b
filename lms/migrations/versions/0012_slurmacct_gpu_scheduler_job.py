"""gpu: the Slurm job whose record a usage session's times were reconciled with

Revision ID: 0012_slurmacct
Revises: 0011_house
Create Date: 2026-12-02 13:00:00

A new nullable column on gpu_usage_sessions (existing rows keep their hub-reported times); unique, so
that one scheduler record charges at most one session.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012_slurmacct'
down_revision = '0011_house'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('gpu_usage_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scheduler_job', sa.String(length=120), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_gpu_usage_sessions_scheduler_job'), ['scheduler_job'])


def downgrade():
    with op.batch_alter_table('gpu_usage_sessions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_gpu_usage_sessions_scheduler_job'), type_='unique')
        batch_op.drop_column('scheduler_job')
