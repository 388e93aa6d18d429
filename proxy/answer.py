"""An upstream answer as a masking role may see it: its body and its headers.

Headers carry personal data too (``X-Customer-Email``, a ``Content-Disposition`` file name,
an e-mail address in a ``Link``'s query): every header but those that only describe the
message is masked as a field of that name. Runs on the masking thread, or on the event loop
when quick.
"""

from __future__ import annotations

from dataclasses import dataclass

from proxy.links import Links
from proxy.pii.masker import Masker
from proxy.pii.profiles import Profile
from proxy.respond import Headers

# What describes the message itself, never a person; everything else is inspected.
_DESCRIPTIVE = frozenset({
    b"content-type", b"content-language", b"content-range", b"accept-ranges", b"age",
    b"allow", b"cache-control", b"etag", b"expires", b"last-modified", b"pragma",
    b"retry-after", b"vary", b"strict-transport-security", b"content-security-policy",
    b"x-content-type-options", b"x-frame-options", b"referrer-policy",
})


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    headers: Headers
    body: bytes


def masked_answer(masker: Masker, status: int, headers: Headers, raw: bytes,
                  profile: Profile, links: Links, system: str,
                  quick: bool = False) -> tuple[Answer, dict[str, int]]:
    """The answer masked for ``profile`` (MaskingError when its body cannot be inspected;
    ``quick``: see ``Masker.mask_message``)."""
    content_type = next((v.decode("latin-1") for k, v in headers if k == b"content-type"), None)
    inspected = [(k.decode("latin-1"), links.hold(v).decode("utf-8", "surrogateescape"))
                 for k, v in headers if k not in _DESCRIPTIVE]
    body, fields, counts = masker.mask_message(links.hold(raw), content_type, inspected,
                                               profile, system=system, quick=quick)
    masked = [(k.encode("latin-1"), links.release(str(v).encode("utf-8", "surrogateescape")))
              for k, v in fields]
    kept = [(k, v) for k, v in headers if k in _DESCRIPTIVE]
    return Answer(status, [*kept, *masked], links.release(body)), counts
