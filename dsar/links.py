"""Expiring signed download links: HMAC-SHA256 over the case id and the expiry."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime


class LinkError(PermissionError):
    """A download link that is forged, altered or expired."""


class DownloadLinks:
    def __init__(self, key: bytes) -> None:
        self._key = key

    def sign(self, case_id: str, expires: datetime) -> tuple[int, str]:
        """(expiry as Unix seconds, signature) for the link's query string."""
        stamp = int(expires.timestamp())
        return stamp, self._signature(case_id, stamp)

    def check(self, case_id: str, expires: str, signature: str, now: datetime) -> None:
        try:
            stamp = int(expires)
        except ValueError:
            raise LinkError("the download link is not valid") from None
        if not hmac.compare_digest(self._signature(case_id, stamp), signature):
            raise LinkError("the download link is not valid")
        if now >= datetime.fromtimestamp(stamp, UTC):
            raise LinkError("the download link has expired")

    def _signature(self, case_id: str, stamp: int) -> str:
        message = f"{case_id}\n{stamp}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()
