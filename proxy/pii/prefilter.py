"""One RE2 set scan tells which recognizers could match a string at all.

Each recognizer's ``TRIGGER`` is looser than its patterns, so a string no trigger matches
cannot contain what the recognizer finds; everything else is skipped without running Presidio.
"""

from __future__ import annotations

from collections.abc import Sequence

import re2

from proxy.pii.recognizers import ValidatedRecognizer


class Prefilter:
    def __init__(self, recognizers: Sequence[ValidatedRecognizer]) -> None:
        self._recognizers = list(recognizers)
        self._set = re2.Set.SearchSet(re2.Options())
        for recognizer in self._recognizers:
            self._set.Add(recognizer.TRIGGER)
        self._set.Compile()

    def candidates(self, text: str) -> list[ValidatedRecognizer]:
        """The recognizers worth running on ``text``, in priority order."""
        hits = self._set.Match(text)
        if not hits:
            return []
        chosen = set(hits)
        return [r for i, r in enumerate(self._recognizers) if i in chosen]
