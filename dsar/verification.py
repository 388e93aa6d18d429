"""Identity verification: a one-time code sent to one of the subject's own identities
(stored only as a keyed hash, expiring, limited attempts), or the DPO's attestation with a
reason."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from dsar.settings import VerificationSettings

CODE_DIGITS = 6


class VerificationError(ValueError):
    """A code that is wrong, expired, used up, or was never sent."""


@dataclass(frozen=True, slots=True)
class Challenge:
    code_hash: str
    expires_at: str  # ISO UTC
    attempts: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class OneTimeCodes:
    def __init__(self, key: bytes, settings: VerificationSettings) -> None:
        self._key = key
        self._settings = settings

    def issue(self, case_id: str, now: datetime) -> tuple[str, Challenge]:
        code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
        expires = now + timedelta(minutes=self._settings.code_ttl_minutes)
        return code, Challenge(self._hash(case_id, code), expires.isoformat())

    def check(self, case_id: str, challenge: Challenge | None, code: str,
              now: datetime) -> Challenge:
        """The challenge with this attempt counted; raises VerificationError unless the code
        is right (the caller stores the returned challenge either way)."""
        if challenge is None:
            raise VerificationError("no code has been sent for this request")
        if challenge.attempts >= self._settings.max_attempts:
            raise VerificationError("too many attempts: send a new code")
        if now >= datetime.fromisoformat(challenge.expires_at):
            raise VerificationError("the code has expired: send a new code")
        counted = Challenge(challenge.code_hash, challenge.expires_at, challenge.attempts + 1)
        if not hmac.compare_digest(self._hash(case_id, code.strip()), challenge.code_hash):
            raise WrongCode(counted)
        return counted

    def _hash(self, case_id: str, code: str) -> str:
        return hmac.new(self._key, f"{case_id}:{code}".encode(), hashlib.sha256).hexdigest()


class WrongCode(VerificationError):
    def __init__(self, challenge: Challenge) -> None:
        super().__init__("the code is not correct")
        self.challenge = challenge
