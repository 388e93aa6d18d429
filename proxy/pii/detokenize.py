"""``POST /v1/detokenize``: tokens back to values, only for callers allowed to, every call
reported through ``on_call`` with counts only (never tokens' values)."""

from __future__ import annotations

import inspect
import json
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from proxy.caller import Caller
from proxy.pii.masker import Masker
from proxy.pii.tokens import TokenError

MAX_TOKENS = 1000


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def detokenize_route(masker: Masker,
                     authorize: Callable[[Caller], bool | Awaitable[bool]],
                     on_call: Callable[[Caller, int, int], None]) -> Route:
    async def detokenize(request: Request) -> JSONResponse:
        caller = getattr(request.state, "caller", None)
        if not isinstance(caller, Caller):
            return _error(403, "this caller may not detokenize")
        allowed = authorize(caller)
        if inspect.isawaitable(allowed):
            allowed = await allowed
        if allowed is not True:
            return _error(403, "this caller may not detokenize")
        try:
            payload = json.loads(await request.body())
        except ValueError:
            return _error(400, "body must be JSON: {\"tokens\": [...]}")
        tokens = payload.get("tokens") if isinstance(payload, dict) else None
        if not isinstance(tokens, list) or not all(isinstance(t, str) for t in tokens):
            return _error(400, "body must be JSON: {\"tokens\": [...]}")
        if len(tokens) > MAX_TOKENS:
            return _error(413, f"at most {MAX_TOKENS} tokens per call")
        values: dict[str, str] = {}
        errors: dict[str, str] = {}
        for token in dict.fromkeys(tokens):
            try:
                values[token] = masker.tokenizer.detokenize(token)
            except TokenError as exc:
                errors[token] = str(exc)
        on_call(caller, len(values), len(errors))
        return JSONResponse({"values": values, "errors": errors})

    return Route("/v1/detokenize", detokenize, methods=["POST"])
