"""grading: manual grades, overrides, assignment versions

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 10:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    # --- grading-instructor: who teaches a course, published assignment versions, manual grades,
    #     overrides and cleared flags
    op.create_table('course_instructors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('added_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_course_instructors_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_course_instructors_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_instructors')),
    sa.UniqueConstraint('course_id', 'user_id', name='uq_course_instructors_course_user')
    )
    with op.batch_alter_table('course_instructors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_course_instructors_course_id'), ['course_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_course_instructors_user_id'), ['user_id'], unique=False)

    op.create_table('assignment_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('assignment', sa.String(length=80), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('cells', sa.JSON(), nullable=False),
    sa.Column('max_total', sa.Float(), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_assignment_versions_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], name=op.f('fk_assignment_versions_published_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignment_versions')),
    sa.UniqueConstraint('course_id', 'assignment', 'version', name='uq_assignment_versions_version')
    )
    with op.batch_alter_table('assignment_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignment_versions_course_id'), ['course_id'], unique=False)

    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reviewed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reviewed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('review_reason', sa.Text(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_submissions_version_id_assignment_versions'), 'assignment_versions', ['version_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_submissions_reviewed_by_id_users'), 'users', ['reviewed_by_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('submission_scores', schema=None) as batch_op:
        batch_op.add_column(sa.Column('adjustment', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('auto_score', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('comment', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('graded_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('graded_at', sa.DateTime(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_submission_scores_graded_by_id_users'), 'users', ['graded_by_id'], ['id'], ondelete='SET NULL')
    # --- end grading-instructor

    # --- grading-pipeline: the late penalty and the points before it
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('late_penalty', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('raw_total', sa.Float(), nullable=True))
    # --- end grading-pipeline


def downgrade():
    # --- grading-instructor
    with op.batch_alter_table('submission_scores', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_submission_scores_graded_by_id_users'), type_='foreignkey')
        batch_op.drop_column('graded_at')
        batch_op.drop_column('graded_by_id')
        batch_op.drop_column('reason')
        batch_op.drop_column('comment')
        batch_op.drop_column('auto_score')
        batch_op.drop_column('adjustment')

    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_submissions_reviewed_by_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_submissions_version_id_assignment_versions'), type_='foreignkey')
        batch_op.drop_column('review_reason')
        batch_op.drop_column('reviewed_at')
        batch_op.drop_column('reviewed_by_id')
        batch_op.drop_column('version_id')

    with op.batch_alter_table('assignment_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assignment_versions_course_id'))
    op.drop_table('assignment_versions')
    with op.batch_alter_table('course_instructors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_course_instructors_user_id'))
        batch_op.drop_index(batch_op.f('ix_course_instructors_course_id'))
    op.drop_table('course_instructors')
    # --- end grading-instructor

    # --- grading-pipeline
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.drop_column('raw_total')
        batch_op.drop_column('late_penalty')
    # --- end grading-pipeline
