"""Audit log, checkpoints, evidence, token keys and the residency directory.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_TS = sa.String(32)


def upgrade() -> None:
    op.create_table(
        "audit_entries",
        sa.Column("log", sa.String(32), primary_key=True),
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("ts", _TS, nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("fields", sa.Text),
        sa.Column("fields_sha256", sa.String(64), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("entry_hash", sa.String(64), nullable=False),
        sa.Column("caller_sub", sa.String(255)),
        sa.Column("subject_hash", sa.String(64)),
        sa.Column("system", sa.String(64)),
        sa.Column("outcome", sa.String(32)),
        sa.Column("case_id", sa.String(64)),
        sa.Column("purged_at", _TS),
    )
    # Every index costs each append; subject and case are absent from most entries.
    op.create_index("ix_audit_entries_ts", "audit_entries", ["ts"])
    op.create_index("ix_audit_entries_caller_sub", "audit_entries", ["caller_sub"])
    for column in ("subject_hash", "case_id"):
        present = sa.text(f"{column} IS NOT NULL")
        op.create_index(f"ix_audit_entries_{column}", "audit_entries", [column],
                        sqlite_where=present, postgresql_where=present)
    op.create_table(
        "audit_heads",
        sa.Column("log", sa.String(32), primary_key=True),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("entry_hash", sa.String(64), nullable=False),
    )
    op.create_table(
        "audit_checkpoints",
        sa.Column("log", sa.String(32), primary_key=True),
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("entry_hash", sa.String(64), nullable=False),
        sa.Column("ts", _TS, nullable=False),
        sa.Column("key_id", sa.String(32), nullable=False),
        sa.Column("signature", sa.String(128), nullable=False),
    )
    op.create_table(
        "case_keys",
        sa.Column("case_id", sa.String(64), primary_key=True),
        sa.Column("wrapped_key", sa.LargeBinary),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("destroyed_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "evidence_items",
        sa.Column("item_id", sa.String(32), primary_key=True),
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("name_ciphertext", sa.LargeBinary, nullable=False),
        sa.Column("ciphertext", sa.LargeBinary),
        sa.Column("uploaded_by", sa.String(255), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("purged_at", _TS),
    )
    op.create_index("ix_evidence_items_case_id", "evidence_items", ["case_id"])
    op.create_table(
        "token_keys",
        sa.Column("key_id", sa.String(128), primary_key=True),
        sa.Column("wrapped_key", sa.LargeBinary),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("destroyed_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "residency_entries",
        sa.Column("identifier_hash", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("region", sa.String(32), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    for table in ("residency_entries", "token_keys", "evidence_items", "case_keys",
                  "audit_checkpoints", "audit_heads", "audit_entries"):
        op.drop_table(table)
