"""courses: content stored in the LMS, versioned (course packages and assignment sources)

Revision ID: 0013_content
Revises: 0012_slurmacct
Create Date: 2026-12-02 16:14:05

New tables only: content-addressed file bytes (content_blobs), numbered course versions with their
files, numbered assignment source versions with their files. Existing courses, published assignment
versions and submissions are not touched. What was only on disk before (course folders, the
assignment folders under LMS_ASSIGNMENTS_DIR) enters the store after the upgrade: each assignment
folder the first time the LMS reads it (adoption, lms.grading.sources), and everything at once with
``flask --app wsgi lms content-adopt`` on a machine that has the folders (docs/deployment.md).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013_content'
down_revision = '0012_slurmacct'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('content_blobs',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('sha256', name=op.f('pk_content_blobs'))
    )
    op.create_table('course_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('origin', sa.String(length=20), nullable=False),
    sa.Column('display', sa.String(length=500), nullable=False),
    sa.Column('diff', sa.JSON(), nullable=False),
    sa.Column('sources', sa.JSON(), nullable=False),
    sa.Column('rolled_back_from', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_course_versions_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_course_versions_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_versions')),
    sa.UniqueConstraint('course_id', 'number', name='uq_course_versions_number')
    )
    with op.batch_alter_table('course_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_course_versions_course_id'), ['course_id'], unique=False)

    op.create_table('assignment_sources',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('assignment', sa.String(length=80), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('origin', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.Column('published_version_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_assignment_sources_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_assignment_sources_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['published_version_id'], ['assignment_versions.id'], name=op.f('fk_assignment_sources_published_version_id_assignment_versions'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignment_sources')),
    sa.UniqueConstraint('course_id', 'assignment', 'number', name='uq_assignment_sources_number')
    )
    with op.batch_alter_table('assignment_sources', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignment_sources_content_hash'), ['content_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_assignment_sources_course_id'), ['course_id'], unique=False)

    op.create_table('course_version_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('path', sa.String(length=500), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['sha256'], ['content_blobs.sha256'], name=op.f('fk_course_version_files_sha256_content_blobs')),
    sa.ForeignKeyConstraint(['version_id'], ['course_versions.id'], name=op.f('fk_course_version_files_version_id_course_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_version_files')),
    sa.UniqueConstraint('version_id', 'path', name='uq_course_version_files_path')
    )
    with op.batch_alter_table('course_version_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_course_version_files_sha256'), ['sha256'], unique=False)
        batch_op.create_index(batch_op.f('ix_course_version_files_version_id'), ['version_id'], unique=False)

    op.create_table('assignment_source_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('path', sa.String(length=500), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['sha256'], ['content_blobs.sha256'], name=op.f('fk_assignment_source_files_sha256_content_blobs')),
    sa.ForeignKeyConstraint(['source_id'], ['assignment_sources.id'], name=op.f('fk_assignment_source_files_source_id_assignment_sources'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignment_source_files')),
    sa.UniqueConstraint('source_id', 'path', name='uq_assignment_source_files_path')
    )
    with op.batch_alter_table('assignment_source_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignment_source_files_sha256'), ['sha256'], unique=False)
        batch_op.create_index(batch_op.f('ix_assignment_source_files_source_id'), ['source_id'], unique=False)



def downgrade():
    with op.batch_alter_table('assignment_source_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assignment_source_files_source_id'))
        batch_op.drop_index(batch_op.f('ix_assignment_source_files_sha256'))

    op.drop_table('assignment_source_files')
    with op.batch_alter_table('course_version_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_course_version_files_version_id'))
        batch_op.drop_index(batch_op.f('ix_course_version_files_sha256'))

    op.drop_table('course_version_files')
    with op.batch_alter_table('assignment_sources', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assignment_sources_course_id'))
        batch_op.drop_index(batch_op.f('ix_assignment_sources_content_hash'))

    op.drop_table('assignment_sources')
    with op.batch_alter_table('course_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_course_versions_course_id'))

    op.drop_table('course_versions')
    op.drop_table('content_blobs')
