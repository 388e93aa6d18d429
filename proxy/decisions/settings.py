"""The `policy:` section of the gateway configuration."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

DEFAULT_POLICIES_DIR = Path(__file__).resolve().parents[2] / "policies"


class PolicySettings(BaseModel):
    # Same rules as proxy.settings._Model (importing it would be circular: proxy.settings
    # imports this module to declare its `policy` field).
    model_config = ConfigDict(extra="forbid", frozen=True)

    engine: Literal["embedded", "opa"] = "embedded"
    policies_dir: Path = DEFAULT_POLICIES_DIR
    query: str = "data.gateway.decision"
    opa_url: str = "http://127.0.0.1:8181"
    opa_token: str | None = None
    # Upload the policy set to the OPA server on start and reload (False: OPA is managed
    # elsewhere, e.g. by a bundle server, and must already hold the same policies).
    opa_push_policies: bool = True
    timeout_ms: float = Field(default=250.0, gt=0)
    cache_ttl_seconds: float = Field(default=5.0, ge=0)
    cache_size: int = Field(default=10_000, ge=0)
    shadow_dir: Path | None = None
    embedded_workers: int = Field(default=2, ge=1, le=64)
    run_tests_on_load: bool = True
    # A candidate set is compiled and tested in a child process first (a policy that crashes
    # the engine kills the child, not the gateway); slower checks reject the set.
    check_timeout_seconds: float = Field(default=60.0, gt=0)
    # Key for the hashes that stand in for personal values in the decision log; without
    # one a random key is drawn per process (hashes then only correlate within a process).
    log_hash_key: str | None = None

    @field_validator("query")
    @classmethod
    def _query(cls, value: str) -> str:
        parts = value.split(".")
        if len(parts) < 3 or parts[0] != "data" or not all(p.isidentifier() for p in parts):
            raise ValueError("must look like data.<package>.<rule>")
        return value

    @property
    def package_path(self) -> str:
        """`gateway` for `data.gateway.decision`."""
        return ".".join(self.query.split(".")[1:-1])

    @property
    def rule_name(self) -> str:
        return self.query.rsplit(".", 1)[1]
