"""certificates: each certificate's place in the revocation status list (Bitstring Status List)

Revision ID: 0010_creds
Revises: 0010
Create Date: 2026-12-02 00:20:00

Every certificate already issued gets its place (from its id, as lms/certificates/statuslist.py
gives it), so that a credential downloaded from now on names it in ``credentialStatus``; nothing
else changes.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0010_creds'
down_revision = '0010'
branch_labels = None
depends_on = None

LIST_SIZE, SPREAD = 8 * 131_072, 611_953  # lms/certificates/statuslist.py when this migration was written


def upgrade():
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status_index', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint('uq_certificates_status_index', ['status_index'])
    certificates = sa.table('certificates', sa.column('id', sa.Integer), sa.column('status_index', sa.Integer))
    op.execute(certificates.update().where(certificates.c.status_index.is_(None))
               .values(status_index=sa.cast(certificates.c.id, sa.BigInteger) * SPREAD % LIST_SIZE))


def downgrade():
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_constraint('uq_certificates_status_index', type_='unique')
        batch_op.drop_column('status_index')
