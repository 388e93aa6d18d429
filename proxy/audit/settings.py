"""Audit configuration section (``audit:`` in the gateway YAML)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

# Same rules as proxy.settings._Model (importing it here would be circular: proxy.settings
# imports this module to declare its `audit` field).
_CONFIG = ConfigDict(extra="forbid", frozen=True)

EVIDENCE_CATEGORIES = ("identity_document", "screenshot", "chat_export", "correspondence",
                       "other")


class EvidenceSettings(BaseModel):
    model_config = _CONFIG

    max_bytes: int = Field(default=20 * 1024 * 1024, gt=0)
    content_types: list[str] = ["application/pdf", "image/png", "image/jpeg", "text/plain",
                                "text/csv", "message/rfc822", "application/json"]


class AuditSettings(BaseModel):
    """Retention is in days per entry category (the part of the kind before the first dot:
    "decision", "detokenize", "dsar", ...) plus "evidence" for evidence files. Categories not
    listed are kept forever; "audit" (the log's own purge records) can never be purged."""

    model_config = _CONFIG

    log_name: str = Field(default="main", pattern=r"^[a-z][a-z0-9_-]{0,31}$")
    batch_size: int = Field(default=500, gt=0, le=10_000)
    flush_interval_ms: int = Field(default=20, gt=0, le=10_000)
    max_pending: int = Field(default=200_000, gt=0)
    checkpoint_every: int = Field(default=1000, gt=0)
    checkpoint_interval_seconds: float = Field(default=60.0, gt=0)
    signing_key_file: Path | None = None
    retention_days: dict[str, int] = {"decision": 180, "detokenize": 365, "dsar": 2190,
                                      "evidence": 2190}
    evidence: EvidenceSettings = EvidenceSettings()

    @field_validator("retention_days")
    @classmethod
    def _retention(cls, value: dict[str, int]) -> dict[str, int]:
        if "audit" in value:
            raise ValueError("the audit category (purge records) cannot be purged")
        if any(days < 1 for days in value.values()):
            raise ValueError("retention must be at least 1 day")
        return value

    def resolved_signing_key_file(self, data_dir: Path) -> Path:
        return self.signing_key_file or data_dir / "audit_signing_key.pem"
