"""Who is asking: the identity every later step (policy, masking, audit) decides on."""

from __future__ import annotations

from dataclasses import dataclass

UNKNOWN_ROLE = "unknown"


@dataclass(frozen=True, slots=True)
class Caller:
    subject: str
    role: str = UNKNOWN_ROLE
    region: str | None = None
    purpose: str | None = None
    tenant: str | None = None
    method: str = "jwt"  # how the caller proved it: "jwt" or "api_key"

    def as_input(self) -> dict[str, str | None]:
        """The caller as policy input and audit fields (no credentials)."""
        return {"sub": self.subject, "role": self.role, "region": self.region,
                "purpose": self.purpose, "tenant": self.tenant, "method": self.method}
