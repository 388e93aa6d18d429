"""Gateway configuration: one YAML file, validated with pydantic.

Strings may reference environment variables as ``${NAME}`` (or ``${NAME:-default}``), so
secrets stay out of the file. Any problem is reported as ``ConfigError`` with the dotted path
of the offending field and a plain reason, never a traceback.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from proxy.audit.settings import AuditSettings
from proxy.db.settings import DatabaseSettings
from proxy.decisions.settings import PolicySettings
from proxy.path_template import validate_route
from proxy.pii.settings import FieldSettings, PiiSettings

_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
_URL = re.compile(r"^https?://[^\s/:?#]+(:\d{1,5})?(/[^\s?#]*)?$")
# Paths the gateway answers itself; no system may be mounted there.
RESERVED_PREFIXES = ("/healthz", "/readyz", "/metrics", "/v1", "/admin", "/dsar", "/opendsr")


class ConfigError(Exception):
    """A configuration file that cannot be used; ``str()`` lists every problem by path."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class UpstreamAuth(_Model):
    """Credentials the gateway itself presents to an upstream (never the caller's)."""

    type: Literal["none", "bearer", "basic", "header"] = "none"
    token: str | None = None
    username: str | None = None
    password: str | None = None
    header: str | None = None
    value: str | None = None

    @model_validator(mode="after")
    def _complete(self) -> UpstreamAuth:
        needed = {"bearer": ("token",), "basic": ("username", "password"),
                  "header": ("header", "value")}.get(self.type, ())
        missing = [name for name in needed if not getattr(self, name)]
        if missing:
            raise ValueError(f"auth type {self.type!r} needs {', '.join(missing)}")
        return self


def _checked_url(value: str) -> str:
    if not _URL.match(value):
        raise ValueError("not a URL")
    return value.rstrip("/")


class Upstream(_Model):
    url: str
    auth: UpstreamAuth | None = None

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return _checked_url(value)


class RoutingKey(_Model):
    """Where a request names its subject's region: a header, a query parameter or a path
    segment (0-based, counted after the system prefix)."""

    header: str | None = None
    query: str | None = None
    path_segment: int | None = Field(default=None, ge=0)


class System(_Model):
    prefix: str
    upstreams: dict[str, Upstream]
    auth: UpstreamAuth = UpstreamAuth()
    routing_key: RoutingKey = RoutingKey()
    # The API's path patterns (/contacts/{id}): what logs, audit and the policy may show.
    routes: list[Annotated[str, AfterValidator(validate_route)]] = []
    # This system's own field meanings, over the global ``pii:`` ones.
    pii: FieldSettings = FieldSettings()

    @field_validator("prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        if not re.fullmatch(r"/[A-Za-z0-9._~-]+(/[A-Za-z0-9._~-]+)*", value):
            raise ValueError("must look like /name (letters, digits, . _ ~ -)")
        if value.split("/")[1] in {p.strip("/") for p in RESERVED_PREFIXES}:
            raise ValueError(f"{value} is reserved for the gateway's own endpoints")
        return value

    @field_validator("upstreams", mode="before")
    @classmethod
    def _short_form(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: {"url": v} if isinstance(v, str) else v for k, v in value.items()}
        return value

    @field_validator("upstreams")
    @classmethod
    def _some(cls, value: dict[str, Upstream]) -> dict[str, Upstream]:
        if not value:
            raise ValueError("declare at least one regional upstream")
        return value


class ApiKey(_Model):
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    subject: str
    role: str
    region: str | None = None
    purpose: str | None = None
    tenant: str | None = None


class ClaimNames(_Model):
    subject: str = "sub"
    role: str = "role"
    region: str = "region"
    purpose: str = "purpose"
    tenant: str = "tenant"


class Identity(_Model):
    issuer: str
    audience: str
    algorithms: list[Literal["HS256", "HS384", "HS512", "RS256", "RS384", "RS512",
                             "PS256", "ES256", "ES384", "EdDSA"]] = ["RS256"]
    hs_secret: str | None = None
    jwks_file: Path | None = None
    jwks_url: str | None = None
    claims: ClaimNames = ClaimNames()
    leeway_seconds: int = Field(default=30, ge=0, le=300)
    api_key_header: str = "X-API-Key"
    api_keys: list[ApiKey] = []

    @model_validator(mode="after")
    def _keys_for_algorithms(self) -> Identity:
        symmetric = any(a.startswith("HS") for a in self.algorithms)
        asymmetric = any(not a.startswith("HS") for a in self.algorithms)
        if symmetric and not self.hs_secret:
            raise ValueError("HS algorithms need hs_secret")
        if self.hs_secret is not None and len(self.hs_secret) < 32:
            raise ValueError("hs_secret must be at least 32 characters")
        if asymmetric and not (self.jwks_file or self.jwks_url):
            raise ValueError("RS/PS/ES/EdDSA algorithms need jwks_file or jwks_url")
        return self


class Limits(_Model):
    max_request_body_bytes: int = Field(default=10 * 1024 * 1024, gt=0)
    max_decoded_body_bytes: int = Field(default=64 * 1024 * 1024, gt=0)
    connect_timeout_seconds: float = Field(default=5.0, gt=0)
    read_timeout_seconds: float = Field(default=30.0, gt=0)
    pool_size_per_upstream: int = Field(default=100, gt=0)


_EU = ("AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT",
       "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO")


class Residency(_Model):
    """How the gateway learns a subject's home region besides the routing key."""

    # A record's country (ISO 3166 alpha-2) on writes -> region.
    country_regions: dict[str, str] = {**{c: "eu" for c in _EU}, "CN": "cn", "US": "us"}
    # Query parameters that identify a subject, by identifier kind.
    query_keys: dict[str, Literal["email", "phone", "national_id", "subject_id"]] = {
        "email": "email", "customer_email": "email", "phone": "phone", "mobile": "phone",
        "caller_number": "phone", "national_id": "national_id", "customer_id": "subject_id",
    }
    country_fields: list[str] = ["country", "country_code", "国家"]


class Settings(_Model):
    default_region: str
    systems: dict[str, System]
    identity: Identity
    limits: Limits = Limits()
    residency: Residency = Residency()
    # Validated by the DSAR service itself (dsar.settings), which the gateway does not import.
    dsar: dict[str, Any] = {}
    policy: PolicySettings = PolicySettings()
    data_dir: Path = Path("data")
    # The gateway's address as callers reach it (behind a load balancer): upstream links are
    # rewritten to it. Unset, the caller's Host header is used.
    public_url: str | None = None
    database: DatabaseSettings = DatabaseSettings()
    audit: AuditSettings = AuditSettings()
    pii: PiiSettings = PiiSettings()
    strip_request_headers: list[str] = [
        "cookie", "x-role", "x-region", "x-user-role", "x-user-region", "x-purpose",
        "x-tenant", "x-caller", "x-forwarded-user",
    ]

    def system_fields(self) -> dict[str, FieldSettings]:
        """Each system's own field entries (``systems.<name>.pii``), for the masker."""
        return {name: system.pii for name, system in self.systems.items()}

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        return None if value is None else _checked_url(value)

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        prefixes: dict[str, str] = {}
        for name, system in self.systems.items():
            if system.prefix in prefixes:
                raise ValueError(f"systems.{name}.prefix: {system.prefix} is already used by "
                                 f"systems.{prefixes[system.prefix]}")
            prefixes[system.prefix] = name
            if self.default_region not in system.upstreams:
                raise ValueError(f"systems.{name}.upstreams: no upstream for the default region "
                                 f"{self.default_region!r}")
        return self


def expand_env(value: Any, path: str = "") -> Any:
    """Replace ``${NAME}`` references in every string of a parsed YAML tree."""
    if isinstance(value, dict):
        return {k: expand_env(v, f"{path}.{k}" if path else str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [expand_env(v, f"{path}.{i}") for i, v in enumerate(value)]
    if not isinstance(value, str):
        return value

    def replace(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        if name in os.environ:
            return os.environ[name]
        if default is not None:
            return default
        raise ConfigError(f"{path}: environment variable {name} is not set")

    return _ENV_REF.sub(replace, value)


def _describe(error: Any) -> str:
    loc = [str(part) for part in error["loc"]]
    if len(loc) > 2 and loc[-3] == "upstreams" and loc[-1] == "url":
        loc.pop()  # upstreams are usually written as `eu: URL`, so name the region
    where = ".".join(loc) or "(top level)"
    message = error["msg"].removeprefix("Value error, ")
    if message.startswith("systems.") or message.startswith("identity."):
        return message
    return f"{where}: {message}"


def parse_settings(raw: Any, source: str = "config") -> Settings:
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: the top level must be a mapping")
    try:
        return Settings.model_validate(expand_env(raw))
    except ValidationError as exc:
        raise ConfigError("\n".join(_describe(e) for e in exc.errors())) from None


def load_settings(path: str | Path) -> Settings:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(f"{path}:{where} not valid YAML") from None
    return parse_settings(raw, str(path))
