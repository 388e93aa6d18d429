"""Table definitions the code queries. The schema itself is created by the Alembic
migrations in proxy/migrations; keep both in step."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

# ts columns of the audit log are ISO-8601 UTC strings with microseconds ("...Z"): they are part
# of the hashed content, sort correctly as text and read back identically on every database.
audit_entries = Table(
    "audit_entries", metadata,
    Column("log", String(32), primary_key=True),
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("ts", String(32), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("category", String(64), nullable=False),
    Column("fields", Text),  # canonical JSON; NULL once purged (tombstone)
    Column("fields_sha256", String(64), nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("entry_hash", String(64), nullable=False),
    Column("caller_sub", String(255)),
    Column("subject_hash", String(64)),
    Column("system", String(64)),
    Column("outcome", String(32)),
    Column("case_id", String(64)),
    Column("purged_at", String(32)),
)

audit_heads = Table(
    "audit_heads", metadata,
    Column("log", String(32), primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("entry_hash", String(64), nullable=False),
)

audit_checkpoints = Table(
    "audit_checkpoints", metadata,
    Column("log", String(32), primary_key=True),
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("entry_hash", String(64), nullable=False),
    Column("ts", String(32), nullable=False),
    Column("key_id", String(32), nullable=False),
    Column("signature", String(128), nullable=False),
)

case_keys = Table(
    "case_keys", metadata,
    Column("case_id", String(64), primary_key=True),
    Column("wrapped_key", LargeBinary),  # NULL once destroyed (crypto-shredding)
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("destroyed_at", DateTime(timezone=True)),
)

evidence_items = Table(
    "evidence_items", metadata,
    Column("item_id", String(32), primary_key=True),
    Column("case_id", String(64), nullable=False),
    Column("category", String(32), nullable=False),
    Column("content_type", String(100), nullable=False),
    Column("size", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("name_ciphertext", LargeBinary, nullable=False),
    Column("ciphertext", LargeBinary),  # NULL once purged by retention
    Column("uploaded_by", String(255), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("purged_at", String(32)),
)

token_keys = Table(
    "token_keys", metadata,
    Column("key_id", String(128), primary_key=True),
    Column("wrapped_key", LargeBinary),  # NULL once destroyed (crypto-shredding)
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("destroyed_at", DateTime(timezone=True)),
)

residency_entries = Table(
    "residency_entries", metadata,
    Column("identifier_hash", String(64), primary_key=True),
    Column("kind", String(16), nullable=False),  # subject_id | email | phone | national_id
    Column("region", String(32), nullable=False),
    Column("source", String(64), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("transfer_consent", Boolean, nullable=True),  # separate consent (PIPL Art. 39)
)
