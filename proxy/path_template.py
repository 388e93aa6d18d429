"""Request paths as they may be logged, audited and shown to the policy: identifiers out.

A path names people as often as records (``/contacts/by-email/ann@example.com``,
``/contacts/by-name/john-smith``), and no pattern tells a slug from an API word. So segments
are kept only when known to be words of the API: a system's declared ``routes`` (its path
patterns, as its API documentation gives them) are matched first; otherwise each segment is
kept when a declared route, a built-in vocabulary of common CRM and REST words, or the
system's region names contain it, and becomes ``{id}`` when not.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

PLACEHOLDER = "{id}"
_PARAMETER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")
_VERSION = re.compile(r"v\d{1,2}(\.\d{1,2})?")

# Segments of the common CRM, helpdesk and contact-center APIs; none can name a person.
_WORDS = """
    api rest services data query search find lookup export exports import imports bulk batch
    jobs results describe metadata meta fields schema schemas count stats summary status
    healthz health me self current history changes events activities activity audit
    accounts account contacts contact people persons person customers customer users user
    leads lead deals deal opportunities opportunity companies company organizations
    organization orgs tickets ticket cases case comments comment notes note messages message
    conversations conversation chats chat calls call recordings recording transcripts
    transcript attachments attachment files file emails email phones phone addresses address
    tags tag groups group lists list views view tasks task agents agent queues queue
    channels channel campaigns campaign objects object sobjects records record items item
    by-email by-phone by-name by-id by_email by_phone by_name by_id new latest all
"""
VOCABULARY = frozenset(_WORDS.split())


class PathTemplates:
    """One system's templates: ``template("/contacts/42")`` → ``/contacts/{id}``."""

    def __init__(self, routes: Iterable[str] = (), regions: Iterable[str] = ()) -> None:
        self._routes: dict[int, list[tuple[str, tuple[str | None, ...]]]] = {}
        words = set(VOCABULARY) | {r.lower() for r in regions}
        for route in routes:
            segments = tuple(None if _PARAMETER.fullmatch(s) else s.lower()
                             for s in _segments(route))
            self._routes.setdefault(len(segments), []).append((route, segments))
            words.update(s for s in segments if s is not None)
        self._words = frozenset(words)

    def template(self, path: str) -> str:
        segments = _segments(path)
        lowered = [s.lower() for s in segments]
        for route, pattern in self._routes.get(len(segments), ()):
            if all(p is None or p == s for p, s in zip(pattern, lowered, strict=True)):
                return route
        return "/" + "/".join(s if self._known(s) else PLACEHOLDER for s in lowered)

    def _known(self, segment: str) -> bool:
        return segment in self._words or _VERSION.fullmatch(segment) is not None


def validate_route(route: str) -> str:
    """A declared route: /word/{name}/... with every segment a word or a {parameter}."""
    if not route.startswith("/") or any(
            not s or (not _PARAMETER.fullmatch(s) and not re.fullmatch(r"[A-Za-z0-9._~-]+", s))
            for s in route[1:].split("/")):
        raise ValueError(f"{route!r}: a route is /segment/{{parameter}}/..., each segment "
                         "letters, digits, . _ ~ - or one {parameter}")
    return route


def _segments(path: str) -> list[str]:
    return [s for s in path.split("/") if s]
