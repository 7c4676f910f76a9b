"""certificates: index for HR lists (organisation, issue date)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26 12:25:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.create_index('ix_certificates_organisation_issued', ['organisation_id', 'issued_on', 'id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_index('ix_certificates_organisation_issued')
