"""DSAR cases, their identity hashes, tasks and timeline events.

Revision ID: dsar_0001
Revises:
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "dsar_0001"
down_revision = None
branch_labels = None
depends_on = None

_TS = sa.String(27)


def upgrade() -> None:
    op.create_table(
        "dsar_cases",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("external_id", sa.String(64)),
        sa.Column("created_by", sa.String(255), nullable=False),
        sa.Column("identities_sealed", sa.LargeBinary),
        sa.Column("region", sa.String(32)),
        sa.Column("regime", sa.String(8), nullable=False),
        sa.Column("zone", sa.String(64), nullable=False),
        sa.Column("received_at", _TS, nullable=False),
        sa.Column("due_at", _TS, nullable=False),
        sa.Column("deadline", sa.Text, nullable=False),
        sa.Column("duplicate_of", sa.String(36)),
        sa.Column("verification", sa.Text),
        sa.Column("export_path", sa.Text),
        sa.Column("export_expires_at", _TS),
        sa.Column("updated_at", _TS, nullable=False),
        sa.Column("closed_at", _TS),
    )
    op.create_index("ix_dsar_cases_state_due", "dsar_cases", ["state", "due_at"])
    op.create_index("ix_dsar_cases_external_id", "dsar_cases", ["external_id"])
    op.create_table(
        "dsar_case_identities",
        sa.Column("case_id", sa.String(36), primary_key=True),
        sa.Column("identity_hash", sa.String(64), primary_key=True),
    )
    op.create_index("ix_dsar_case_identities_hash", "dsar_case_identities",
                    ["identity_hash"])
    op.create_table(
        "dsar_tasks",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("system", sa.String(64), nullable=False),
        sa.Column("region", sa.String(32), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("not_before", _TS, nullable=False),
        sa.Column("lease_owner", sa.String(64)),
        sa.Column("lease_until", _TS),
        sa.Column("checkpoint", sa.Text, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("error", sa.Text),
        sa.Column("updated_at", _TS, nullable=False),
        sa.UniqueConstraint("case_id", "system", "region",
                            name="uq_dsar_tasks_case_system_region"),
    )
    op.create_index("ix_dsar_tasks_claim", "dsar_tasks", ["state", "not_before"])
    op.create_table(
        "dsar_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("at", _TS, nullable=False),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(255), nullable=False),
        sa.Column("from_state", sa.String(32)),
        sa.Column("to_state", sa.String(32)),
        sa.Column("details", sa.Text, nullable=False),
    )
    op.create_index("ix_dsar_events_case", "dsar_events", ["case_id", "id"])


def downgrade() -> None:
    for table in ("dsar_events", "dsar_tasks", "dsar_case_identities", "dsar_cases"):
        op.drop_table(table)
