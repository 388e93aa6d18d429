"""The decision log: every decision with its id, policy revision, result and the input with
personal values replaced by their type or a keyed hash."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import secrets
from typing import Any

from proxy.decisions.model import Decision

logger = logging.getLogger("privacy_gateway.decisions")

# Input fields that describe the request, not a person: logged as they are.
_PLAIN = {"role", "region", "purpose", "tenant", "method", "system", "action", "source",
          "consent", "mechanisms"}
_WORD = re.compile(r"[a-z][a-z_-]*")


class InputRedactor:
    """Keeps non-personal input fields; hashes strings (HMAC, so short values cannot be
    guessed back from the log) and keeps only the type of anything else."""

    def __init__(self, key: str | None = None) -> None:
        self._key = key.encode() if key else secrets.token_bytes(32)

    def hash(self, value: str) -> str:
        return "h:" + hmac.new(self._key, value.encode(), hashlib.sha256).hexdigest()[:16]

    def redact(self, value: Any, name: str = "") -> Any:
        if isinstance(value, dict):
            return {k: self.redact(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [self.redact(v, name) for v in value]
        if value is None or isinstance(value, bool) or name in _PLAIN:
            return value
        if name == "path" and isinstance(value, str):
            return self._path(value)
        if isinstance(value, str):
            return self.hash(value)
        return f"<{type(value).__name__}>"

    def _path(self, path: str) -> str:
        """Keep lower-case word segments (collection names); hash the rest (ids, emails)."""
        return "/".join(s if not s or _WORD.fullmatch(s) else self.hash(s)
                        for s in path.split("?")[0].split("/"))


class DecisionLog:
    def __init__(self, redactor: InputRedactor) -> None:
        self._redactor = redactor

    def record(self, decision: Decision, document: Any, *, kind: str = "decision",
               **extra: Any) -> None:
        if not logger.isEnabledFor(logging.INFO):
            return
        entry = {"kind": kind, "decision_id": decision.id,
                 "policy_revision": decision.policy_revision, "engine": decision.engine,
                 "cached": decision.cached, "input": self._redactor.redact(document),
                 "result": decision.as_dict(), **extra}
        logger.info(json.dumps(entry, sort_keys=True, default=str))
