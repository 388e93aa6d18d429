"""The subject's separate consent to cross-border transfers (PIPL Art. 39), per directory
entry; null when never recorded.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("residency_entries", sa.Column("transfer_consent", sa.Boolean, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("residency_entries") as batch:
        batch.drop_column("transfer_consent")
