"""Errors the gateway answers itself, as ``{"error": ..., "detail": ...}`` JSON."""

from __future__ import annotations

import json


class GatewayError(Exception):
    def __init__(self, status: int, error: str, detail: str,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.error = error
        self.detail = detail
        self.headers = headers or {}

    def body(self) -> bytes:
        return json.dumps({"error": self.error, "detail": self.detail}).encode()


class BodyTooLarge(GatewayError):
    def __init__(self, limit: int) -> None:
        super().__init__(413, "body_too_large", f"request body exceeds {limit} bytes")


class UpstreamUnavailable(GatewayError):
    def __init__(self, detail: str = "upstream could not be reached") -> None:
        super().__init__(502, "bad_gateway", detail)


class UpstreamTimeout(GatewayError):
    def __init__(self) -> None:
        super().__init__(504, "gateway_timeout", "upstream did not answer in time")
