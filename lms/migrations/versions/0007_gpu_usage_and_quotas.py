"""gpu: server usage records and quotas

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 10:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('gpu_usage_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('course_id', sa.Integer(), nullable=True),
    sa.Column('hub_username', sa.String(length=40), nullable=False),
    sa.Column('server_name', sa.String(length=60), nullable=False),
    sa.Column('profile', sa.String(length=40), nullable=False),
    sa.Column('gpus', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('stopped_at', sa.DateTime(), nullable=True),
    sa.Column('start_event', sa.String(length=64), nullable=False),
    sa.Column('stop_event', sa.String(length=64), nullable=True),
    sa.Column('closed_by', sa.String(length=20), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_gpu_usage_sessions_course_id_courses'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_gpu_usage_sessions_organisation_id_organisations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_gpu_usage_sessions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gpu_usage_sessions')),
    sa.UniqueConstraint('start_event', name=op.f('uq_gpu_usage_sessions_start_event'))
    )
    with op.batch_alter_table('gpu_usage_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_gpu_usage_sessions_open', ['hub_username', 'server_name', 'stopped_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_gpu_usage_sessions_course_id'), ['course_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_gpu_usage_sessions_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_gpu_usage_sessions_started_at'), ['started_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_gpu_usage_sessions_user_id'), ['user_id'], unique=False)

    op.create_table('gpu_quotas',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('course_id', sa.Integer(), nullable=True),
    sa.Column('learner_hours', sa.Float(), nullable=True),
    sa.Column('organisation_hours', sa.Float(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('(organisation_id IS NULL) <> (course_id IS NULL)', name=op.f('ck_gpu_quotas_one_target')),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_gpu_quotas_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_gpu_quotas_organisation_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gpu_quotas')),
    sa.UniqueConstraint('course_id', name=op.f('uq_gpu_quotas_course_id')),
    sa.UniqueConstraint('organisation_id', name=op.f('uq_gpu_quotas_organisation_id'))
    )


def downgrade():
    op.drop_table('gpu_quotas')
    with op.batch_alter_table('gpu_usage_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_gpu_usage_sessions_user_id'))
        batch_op.drop_index(batch_op.f('ix_gpu_usage_sessions_started_at'))
        batch_op.drop_index(batch_op.f('ix_gpu_usage_sessions_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_gpu_usage_sessions_course_id'))
        batch_op.drop_index('ix_gpu_usage_sessions_open')
    op.drop_table('gpu_usage_sessions')
