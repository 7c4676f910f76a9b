"""certificates: each certificate's place in the revocation status list (Bitstring Status List)

Revision ID: 0010_creds
Revises: 0009
Create Date: 2026-12-02 00:20:00

Every certificate already issued gets a random, distinct place, so that a credential downloaded
from now on names it in ``credentialStatus``; nothing else changes.
"""
import secrets

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0010_creds'
down_revision = '0009'
branch_labels = None
depends_on = None

LIST_SIZE = 8 * 131_072  # lms/certificates/statuslist.py at the time of this migration


def upgrade():
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status_index', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint('uq_certificates_status_index', ['status_index'])
    connection = op.get_bind()
    certificates = sa.table('certificates', sa.column('id', sa.Integer), sa.column('status_index', sa.Integer))
    ids = connection.execute(sa.select(certificates.c.id).where(certificates.c.status_index.is_(None))).scalars()
    taken = set()
    for certificate_id in ids.all():
        index = secrets.randbelow(LIST_SIZE)
        while index in taken:
            index = secrets.randbelow(LIST_SIZE)
        taken.add(index)
        connection.execute(certificates.update().where(certificates.c.id == certificate_id)
                           .values(status_index=index))


def downgrade():
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_constraint('uq_certificates_status_index', type_='unique')
        batch_op.drop_column('status_index')
