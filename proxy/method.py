"""The method a request really asks for.

Many CRM and helpdesk APIs let a POST (or any request) name another method in an override
header or a ``_method`` parameter (query string, URL-encoded or multipart form body), and
act on that. The gateway forwards those as they are, so the policy must judge the overriding
method, or a caller allowed only to read could delete with ``GET`` and
``X-HTTP-Method-Override: DELETE``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from proxy.errors import GatewayError

OVERRIDE_HEADERS = (b"x-http-method-override", b"x-http-method", b"x-method-override")
_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"})


def effective_method(method: str, headers: list[tuple[bytes, bytes]], query_string: bytes,
                     form: Mapping[str, Any] | None = None) -> str:
    """``method``, or the one an override names; a 400 for an unknown or ambiguous one.
    ``form`` is the body's fields when it is a form (URL-encoded or multipart)."""
    if method not in _METHODS:  # TRACE would echo the gateway's upstream credentials back
        raise GatewayError(405, "method_not_allowed", f"{method} is not supported",
                           {"allow": ", ".join(sorted(_METHODS))})
    named = {(name.decode("latin-1"), value.decode("latin-1").strip().upper())
             for name, value in headers if name.lower() in OVERRIDE_HEADERS}
    if b"_method" in query_string:
        named |= {("_method", v.strip().upper())
                  for k, v in parse_qsl(query_string.decode("latin-1")) if k == "_method"}
    if form and "_method" in form:
        values = form["_method"] if isinstance(form["_method"], list) else [form["_method"]]
        named |= {("form field _method", str(v).strip().upper()) for v in values}
    if not named:
        return method
    for where, value in named:
        if value not in _METHODS:
            raise GatewayError(400, "bad_request", f"{where}: not an HTTP method")
    overrides = {value for _, value in named}
    if len(overrides) > 1:
        raise GatewayError(400, "bad_request", "method overrides disagree: "
                           + ", ".join(sorted(where for where, _ in named)))
    return overrides.pop()
