"""Shared shape of our Presidio recognizers: ASCII-only word boundaries (``\\b`` does not fire
between 汉字 and ASCII), a validator (checksums via python-stdnum), optional context words, and
an RE2 ``trigger`` the prefilter uses to decide whether the recognizer needs to run at all."""

from __future__ import annotations

import functools
from collections.abc import Sequence

import regex
from presidio_analyzer import Pattern, PatternRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

# Lookarounds instead of \b: PII glued to Chinese text (卡号6222…谢谢) must still match.
START = r"(?<![A-Za-z0-9])"
END = r"(?![A-Za-z0-9])"
CONTEXT_WINDOW = 48


def bounded(body: str) -> str:
    return f"{START}(?:{body}){END}"


@functools.lru_cache(maxsize=256)
def _context_regex(words: tuple[str, ...]) -> regex.Pattern[str]:
    # Latin words must start a word ("tel" is not in "Bestellung"); CJK has no word breaks.
    parts = [(r"(?<![a-zà-ÿ])" if word[:1].isascii() and word[:1].isalpha() else "")
             + regex.escape(word) for word in words]
    return regex.compile("|".join(parts))


def has_context(text: str, start: int, words: Sequence[str],
                window: int = CONTEXT_WINDOW) -> bool:
    before = text[max(0, start - window):start].lower()
    return bool(_context_regex(tuple(words)).search(before))


class ValidatedRecognizer(PatternRecognizer):
    """A pattern recognizer whose candidates must pass ``is_valid``.

    Subclasses set ``ENTITY``, ``PATTERNS`` (name, regex, score), ``TRIGGER`` (RE2 syntax,
    looser than the patterns), and ``CONTEXT`` words. With ``REQUIRE_CONTEXT`` a valid match
    counts only when a context word appears shortly before it (weak checksums, bare digits).
    """

    ENTITY: str = ""
    PATTERNS: Sequence[tuple[str, str, float]] = ()
    TRIGGER: str = ""
    CONTEXT: Sequence[str] = ()
    REQUIRE_CONTEXT: bool = False
    NEGATIVE_CONTEXT: Sequence[str] = ()

    def __init__(self) -> None:
        super().__init__(
            supported_entity=self.ENTITY,
            name=type(self).__name__,
            patterns=[Pattern(name, bounded(body), score) for name, body, score in self.PATTERNS],
            context=list(self.CONTEXT),
            supported_language="all",
            global_regex_flags=regex.DOTALL | regex.MULTILINE,
        )
        self._compiled = [(p, regex.compile(p.regex, regex.DOTALL | regex.MULTILINE))
                          for p in self.patterns]

    def is_valid(self, candidate: str) -> bool | None:
        return None

    def validate_result(self, pattern_text: str) -> bool | None:
        return self.is_valid(pattern_text)

    def accepts(self, text: str, result: RecognizerResult) -> bool:
        if self.NEGATIVE_CONTEXT and has_context(text, result.start, self.NEGATIVE_CONTEXT):
            return False
        return not self.REQUIRE_CONTEXT or has_context(text, result.start, self.CONTEXT)

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None,
                regex_flags: int | None = None) -> list[RecognizerResult]:
        """Same results as ``PatternRecognizer.analyze`` for our patterns, without building
        explanation objects per candidate (the masker calls this for every string)."""
        results = []
        for pattern, compiled in self._compiled:
            for match in compiled.finditer(text):
                start, end = match.span()
                valid = self.is_valid(text[start:end])
                if valid is False:
                    continue
                score = self.MAX_SCORE if valid else pattern.score
                result = RecognizerResult(self.ENTITY, start, end, score)
                if self.accepts(text, result):
                    results.append(result)
        return results

    def matches_whole(self, value: str) -> bool:
        """Is all of ``value`` one valid instance (catalog values: no context needed)?"""
        return any(compiled.fullmatch(value) for _, compiled in self._compiled) and (
            self.is_valid(value) is not False)
