"""accounts: search terms of people's names (any spelling) and IINs, filled for everyone

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 00:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    from lms.accounts.search import terms_of

    term_type = sa.String(length=60).with_variant(sa.String(length=60, collation='C'), 'postgresql')
    terms = op.create_table('person_search_terms',
    sa.Column('term', term_type, nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_person_search_terms_user_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('term', 'user_id', name=op.f('pk_person_search_terms'))
    )
    with op.batch_alter_table('person_search_terms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_search_terms_user_id'), ['user_id'], unique=False)

    connection = op.get_bind()
    people = connection.execute(sa.text("SELECT id, surname, given_name, patronymic, iin FROM users")).all()
    rows = [{"user_id": person.id, "term": term} for person in people
            for term in terms_of(person.surname, person.given_name, person.patronymic, person.iin)]
    for start in range(0, len(rows), 5000):
        op.bulk_insert(terms, rows[start:start + 5000])


def downgrade():
    with op.batch_alter_table('person_search_terms', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_search_terms_user_id'))
    op.drop_table('person_search_terms')
