"""grading: per-cell feedback the learner's code cannot write into

Revision ID: 0010_feedback
Revises: 0010_acctsec
Create Date: 2026-12-02 00:10:00

Adds to submission_scores the autograder's outcome per cell and the instructor's text shown for a
failed check, and (for instructors only) the error the learner's kernel reported. Existing rows keep
their scores; their new columns stay empty (the learner then sees points only).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_feedback'
down_revision = '0010_acctsec'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('submission_scores', schema=None) as batch_op:
        batch_op.add_column(sa.Column('outcome', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('failed_check', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('check_message', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('learner_error', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('submission_scores', schema=None) as batch_op:
        batch_op.drop_column('learner_error')
        batch_op.drop_column('check_message')
        batch_op.drop_column('failed_check')
        batch_op.drop_column('outcome')
