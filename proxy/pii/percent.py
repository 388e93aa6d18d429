"""Percent-encoded text (URLs, query strings): decoded for detection, with the way back.

``patrickhuet%40example.com`` in a link is an e-mail address; the detectors read the decoded
text and each finding is reported at the encoded characters it came from.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

_ESCAPES = re.compile(r"(?:%[0-9A-Fa-f]{2})+")


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str
    starts: list[int]  # per decoded character: where its encoding starts in the original
    ends: list[int]  # ... and where it ends

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of the decoded characters ``start:end``."""
        return self.starts[start], self.ends[end - 1]


def decode(text: str) -> Decoded | None:
    """``text`` with its percent-escapes decoded as UTF-8, or None when it has none."""
    if "%" not in text or not _ESCAPES.search(text):
        return None
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    cursor = 0
    for run in _ESCAPES.finditer(text):
        for offset in range(cursor, run.start()):
            chars.append(text[offset])
            starts.append(offset)
            ends.append(offset + 1)
        _decode_run(run.group(), run.start(), chars, starts, ends)
        cursor = run.end()
    for offset in range(cursor, len(text)):
        chars.append(text[offset])
        starts.append(offset)
        ends.append(offset + 1)
    return Decoded("".join(chars), starts, ends)


def _decode_run(run: str, base: int, chars: list[str], starts: list[int],
                ends: list[int]) -> None:
    """Decode ``%XX%YY...`` byte by byte, so each character maps to its own escapes."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    begun = base
    for index in range(0, len(run), 3):
        out = decoder.decode(bytes([int(run[index + 1:index + 3], 16)]))
        for char in out:
            chars.append(char)
            starts.append(begun)
            ends.append(base + index + 3)
        if out:
            begun = base + index + 3
    for char in decoder.decode(b"", final=True):
        chars.append(char)
        starts.append(begun)
        ends.append(base + len(run))
