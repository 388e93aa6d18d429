"""The `dsar:` section of the gateway configuration (the gateway keeps it opaque; this module
validates it)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator, model_validator

from dsar.connectors.settings import ConnectorSettings
from proxy.settings import ConfigError, _Model

Regime = Literal["gdpr", "ccpa", "pipl"]


class DeadlineSettings(_Model):
    """Which regime applies to a subject's region, the local time zone its deadlines end in,
    and the PIPL periods (the law says "in a timely manner"; 15 days + 15 is the default
    most controllers document)."""

    regimes: dict[str, Regime] = {"eu": "gdpr", "cn": "pipl", "us": "ccpa"}
    default_regime: Regime = "gdpr"
    time_zones: dict[str, str] = {"eu": "Europe/Brussels", "cn": "Asia/Shanghai",
                                  "us": "America/Los_Angeles"}
    default_time_zone: str = "UTC"
    pipl_days: int = Field(default=15, gt=0)
    pipl_extension_days: int = Field(default=15, ge=0)
    # Public holidays skipped when counting CCPA business days (weekends always are).
    holidays: list[date] = []
    due_soon_days: int = Field(default=7, ge=0)

    @field_validator("time_zones")
    @classmethod
    def _zones(cls, value: dict[str, str]) -> dict[str, str]:
        for name in value.values():
            _zone(name)
        return value

    @field_validator("default_time_zone")
    @classmethod
    def _zone_name(cls, value: str) -> str:
        _zone(value)
        return value

    def regime_for(self, region: str | None) -> Regime:
        return self.regimes.get(region or "", self.default_regime)

    def zone_for(self, region: str | None) -> ZoneInfo:
        return ZoneInfo(self.time_zones.get(region or "", self.default_time_zone))


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r}") from None


class NotifierSettings(_Model):
    """How one-time codes reach the subject: written to a file (default, for demos and
    tests), printed, or sent by SMTP."""

    type: Literal["file", "console", "smtp"] = "file"
    path: str = "dsar/outbox.jsonl"  # relative to data_dir
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, gt=0, lt=65536)
    smtp_starttls: bool = True
    smtp_username: str | None = None
    smtp_password: str | None = None
    sender: str = "privacy@localhost"

    @model_validator(mode="after")
    def _smtp_host(self) -> NotifierSettings:
        if self.type == "smtp" and not self.smtp_host:
            raise ValueError("the smtp notifier needs smtp_host")
        return self


class VerificationSettings(_Model):
    code_ttl_minutes: int = Field(default=30, gt=0)
    max_attempts: int = Field(default=5, gt=0)


class WorkerSettings(_Model):
    """Durable task execution: claimed with a lease the worker renews while it runs; a task
    whose lease lapsed (its worker died) is claimed again and resumes from its checkpoint."""

    enabled: bool = True
    concurrency: int = Field(default=2, ge=1, le=64)
    lease_seconds: float = Field(default=60.0, gt=0)
    heartbeat_seconds: float = Field(default=15.0, gt=0)
    poll_seconds: float = Field(default=1.0, gt=0)
    max_attempts: int = Field(default=6, ge=1)
    backoff_seconds: float = Field(default=5.0, ge=0)
    backoff_max_seconds: float = Field(default=600.0, ge=0)

    @model_validator(mode="after")
    def _heartbeat_within_lease(self) -> WorkerSettings:
        if self.heartbeat_seconds >= self.lease_seconds:
            raise ValueError("heartbeat_seconds must be shorter than lease_seconds")
        return self


class ExportSettings(_Model):
    retention_days: int = Field(default=30, gt=0)
    link_ttl_minutes: int = Field(default=60 * 24, gt=0)


class RetentionSettings(_Model):
    """How long a closed case (completed, denied, cancelled) keeps the subject's sealed
    identities: long enough to answer a complaint about how the request was handled. After
    that only the case skeleton and its timeline (no personal data) remain as evidence."""

    identities_days: int = Field(default=365, gt=0)


class Transfer(_Model):
    destination: str
    safeguard: str  # e.g. "adequacy decision", "SCC 2021/914", "PIPL standard contract"


class ProcessingRecord(_Model):
    """One system's entry in the record of processing: the GDPR Art. 15 information an
    access report gives per system."""

    purposes: list[str]
    categories: list[str]
    recipients: list[str] = []
    retention: str
    source: str = "the data subject"
    transfers: list[Transfer] = []


class DsarSettings(_Model):
    deadlines: DeadlineSettings = DeadlineSettings()
    notifier: NotifierSettings = NotifierSettings()
    verification: VerificationSettings = VerificationSettings()
    worker: WorkerSettings = WorkerSettings()
    export: ExportSettings = ExportSettings()
    retention: RetentionSettings = RetentionSettings()
    # system -> region -> how to search, fetch and erase there.
    connectors: dict[str, dict[str, ConnectorSettings]] = {}
    processing: dict[str, ProcessingRecord] = {}

    def system_regions(self) -> list[tuple[str, str]]:
        """Every (system, region) a request fans out to."""
        return [(system, region) for system, regions in sorted(self.connectors.items())
                for region in sorted(regions)]


def parse_dsar_settings(raw: dict[str, Any]) -> DsarSettings:
    try:
        return DsarSettings.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError("\n".join(
            f"dsar.{'.'.join(str(p) for p in e['loc'])}: {e['msg'].removeprefix('Value error, ')}"
            for e in exc.errors())) from None
