"""Which values of a JSON document hold personal data: one walk along the field catalog's
positions, copying the document as it goes.

Catalogued values are typed without re-detection (generic types refined by their format);
numbers long enough to be identifiers are checked whole; free-text fields (and prose found
anywhere) are analyzed in one batch; other strings pass the prefilter. Finally every value
found somewhere is also searched for in every other string, so a value repeated under an
unknown key is found there too.

Results are ``Slot`` records pointing into the copy, so the masker replaces values in place
without walking the document again. Small bounded caches remember what recent strings were
(the same records are read again and again); they live in process memory only.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import ahocorasick

from proxy.pii.analyzer import Detector, Finding, cover_all
from proxy.pii.catalog import GENERIC_TYPES, PARTY, Catalog, PathNode
from proxy.pii.profiles import Profile
from proxy.pii.walker import Path

# Four words, or twelve Han characters. Words start where letters do and are taken whole
# (possessive): a long run of letters costs one pass, not one per position.
_PROSE = re.compile(r"(?<![A-Za-zÀ-ÿ])[A-Za-zÀ-ÿ]++(?:[\s,]+[A-Za-zÀ-ÿ]++){3}"
                    r"|[\u4e00-\u9fff]{12}")
_HAN = re.compile(r"[\u4e00-\u9fff]")
# Identifiers that name a subject, strongest first: their key encrypts the record's tokens.
SUBJECT_TYPES = ("CN_RESIDENT_ID", "NATIONAL_ID", "US_SSN", "EMAIL_ADDRESS", "PHONE_NUMBER")
_CACHE_SIZE = 20_000
_ID_MIN_DIGITS = 4  # no national ID or account number has fewer
_QUICK_SECONDS = 0.002  # what a quick walk may hold the event loop for
_DIRECT_SEARCH_WORK = 2_000_000  # values x characters below which repeats are found by str.find
# A tuple, not ``str | int | float``: the union is built anew at each evaluation (~100 ns),
# which the walk would pay for every value.
_SCALARS = (str, int, float)
_NUMBERS = (int, float)


# Object keys that are field names; any other key (an e-mail address, a phone number, a
# name keying a map) is looked at like a value, so personal data cannot hide in keys.
_FIELD_NAME = re.compile(r"(?!(?:\D*\d){4})[A-Za-z_$@#][A-Za-z0-9_$.:-]*")


class FixedKeys(dict):  # type: ignore[type-arg]
    """An object whose keys are labels the caller sent or knows, never data (a CSV row,
    keyed by the header's names): its keys are not looked at."""


class MaskingError(Exception):
    """Masking could not complete; the response must be blocked. Never contains values."""


class MaskingDeferred(Exception):  # noqa: N818 - a request to retry, not an error
    """A ``quick`` call gave up: finishing needs full text analysis (NER) or the key store,
    or the walk took longer than _QUICK_SECONDS (values not seen before are each scanned:
    a page of them can take 100 ms), too slow for the event loop. Make the same call again
    without ``quick``, off the loop."""


@dataclass(slots=True, eq=False)
class Frame:
    """One JSON object. The strongest identifier among its own values names its subject, whose
    key encrypts the tokens of the object and of nested objects that name no subject."""

    parent: Frame | None
    subject: str | None = None
    rank: int = len(SUBJECT_TYPES)

    def note(self, entity: str, identifier: str) -> None:
        rank = SUBJECT_TYPES.index(entity)
        if rank < self.rank:
            self.rank, self.subject = rank, identifier

    def named_subject(self) -> str | None:
        frame: Frame | None = self
        while frame is not None and frame.subject is None:
            frame = frame.parent
        return frame.subject if frame else None


@dataclass(slots=True, eq=False)
class Slot:
    """One string or number of the document's copy, and what was found in it."""

    container: dict[str, Any] | list[Any]
    key: str | int
    text: str
    frame: Frame
    entity: str | None = None  # the whole value is personal data of this type
    findings: Sequence[Finding] = ()  # inside a string that is not whole personal data
    path: Path | None = None  # only when asked for (``find``)
    is_key: bool = False  # the text is the object key ``key`` itself, not its value


@dataclass(slots=True)
class Classification:
    holder: list[Any]  # the documents' copies: a slot may replace even a whole document
    slots: list[Slot]
    repeats: dict[str, Frame]  # every value found, and the object it was found in first


class Classifier:
    """Thread-safe: the caches are lru_caches, the rest is per call."""

    def __init__(self, detector: Detector, catalog: Catalog, max_text_chars: int) -> None:
        self.detector = detector
        self._catalog = catalog
        self.max_text_chars = max_text_chars
        self.refine = functools.lru_cache(_CACHE_SIZE)(self._refine)
        self.number_type = functools.lru_cache(_CACHE_SIZE)(self._number_type)
        self.patterns = functools.lru_cache(_CACHE_SIZE)(self._patterns)
        self.prefiltered = functools.lru_cache(_CACHE_SIZE)(self._prefiltered)

    def classify(self, docs: Sequence[Any], profile: Profile, system: str, *,
                 paths: bool = False, quick: bool = False) -> Classification:
        """Documents classified together (a body and its headers), so that a value found
        in one is found in the others too. ``profile`` decides which fields are dropped from
        the copies, whether names are looked for in free text, and which values count as
        found (not the kept ones). ``quick``: MaskingDeferred rather than full analysis."""
        walk = _Walk(self, profile, time.perf_counter() + _QUICK_SECONDS if quick else None)
        holder = list(docs)
        root = self._catalog.root(system)
        for index in range(len(holder)):
            walk.start(holder, index, root, Frame(None), () if paths else None)
        if walk.free:
            if quick:
                raise MaskingDeferred()
            texts = [slot.text for slot in walk.free]
            names = not profile.keeps("PERSON")
            for slot, found in zip(walk.free, self.detector.analyze_many(texts, "auto", names),
                                   strict=True):
                slot.findings = found
        return Classification(holder, walk.slots, _find_repeats(walk.slots, profile))

    def check_length(self, text: str) -> None:
        if len(text) > self.max_text_chars:
            raise MaskingError(f"a text value is longer than {self.max_text_chars} "
                               "characters")

    def _patterns(self, text: str) -> list[Finding]:
        return self.detector.patterns(text)

    def _prefiltered(self, text: str) -> list[Finding] | None:
        """A short value's pattern findings; None for prose, which gets full analysis."""
        return None if _PROSE.search(text) else self.detector.patterns(text)

    def _refine(self, entity: str, text: str) -> str | None:
        """A generic type's value as its own format says; None for what cannot be an
        identifier at all, such as the ``type: FR_NIR`` label beside an ID's ``value``. A
        party (``recipient``, ``created_by``) is whom its value reaches (an e-mail, a
        phone), else a person when it has letters."""
        if entity not in GENERIC_TYPES:
            return entity
        found = self.detector.whole_value_type(text.strip())
        if found is not None:
            return found
        if entity == PARTY:
            return "PERSON" if any(ch.isalpha() for ch in text) else None
        return entity if sum(ch.isdigit() for ch in text) >= _ID_MIN_DIGITS else None

    def _number_type(self, text: str) -> str | None:
        if sum(ch.isdigit() for ch in text) < 7:
            return None
        return self.detector.whole_value_type(text)


# What a value at one position needs under one profile (cached in ``PathNode.plans``):
_LOOK = 0  # look at the value: uncatalogued, free text or ignored
_KEEP = 1  # a catalogued type the profile keeps
_NOTE = 2  # kept, but it names the subject whose key encrypts the object's tokens
_WHOLE = 3  # a catalogued type the profile masks: the whole value is found
_REFINE = 4  # a generic catalogued type (NATIONAL_ID): the value's format tells which
_DROP = 5  # a field the profile drops
_Entry = tuple[PathNode, int, bool]  # a child position, what its values need, and whether
# its key itself must be looked at


class _Walk:
    def __init__(self, classifier: Classifier, profile: Profile,
                 deadline: float | None) -> None:
        self._classifier = classifier
        self._keeps = profile.keeps
        self._drop = profile.drop_fields
        self._plan_key = profile.masking_key
        self._tokens = profile.uses_tokens
        self._max_text_chars = classifier.max_text_chars
        self.slots: list[Slot] = []
        self.free: list[Slot] = []
        self._deadline = deadline  # perf_counter() past which a quick walk gives up

    def start(self, holder: list[Any], index: int, root: PathNode, frame: Frame,
              path: Path | None) -> None:
        self.visit(holder, index, holder[index], root, self._code(root, ""), frame, path)

    def visit(self, container: dict[str, Any] | list[Any], key: str | int, value: Any,
              position: PathNode, code: int, frame: Frame, path: Path | None) -> None:
        """Copy ``value`` into ``container[key]`` (already holding it), noting its leaves."""
        if self._deadline is not None and time.perf_counter() > self._deadline:
            raise MaskingDeferred()  # checked for every object, list and list item
        if isinstance(value, dict):
            copy = dict(value)  # one C-level copy; dropped fields are deleted from it
            container[key] = copy  # type: ignore[index]
            inner = Frame(frame) if self._tokens else frame  # frames only key tokens
            table = self._table(position)
            keys = type(value) is not FixedKeys
            for name, item in value.items():
                child, code, odd_key = table.get(name) or self._entry(position, table, name)
                if code == _DROP:
                    del copy[name]
                    continue
                if odd_key and keys:
                    self._key(copy, name, inner)
                if item is None or item is True or item is False:
                    continue
                if not isinstance(item, _SCALARS):
                    self.visit(copy, name, item, child, code, inner,
                               None if path is None else (*path, name))
                elif code == _KEEP and not isinstance(item, str):
                    continue  # the common cases, decided without a call
                elif code == _KEEP and len(item) <= self._max_text_chars:
                    continue
                elif code == _LOOK and type(item) is int and -1_000_000 < item < 1_000_000:
                    continue  # fewer than 7 digits: no identifier (counts and ids)
                # ``_leaf`` then ``_whole`` inlined for the most common masked value:
                elif code == _WHOLE and isinstance(item, str) and not self._tokens \
                        and len(item) <= self._max_text_chars and not item.isspace() and item:
                    self.slots.append(Slot(copy, name, item, inner, child.rule.entity,
                                           path=None if path is None else (*path, name)))
                else:
                    self._leaf(copy, name, item, child, code, inner,
                               None if path is None else (*path, name))
        elif isinstance(value, list):
            items = list(value)
            container[key] = items  # type: ignore[index]
            table = self._table(position)
            child, code, _ = table.get(0) or self._entry(position, table, 0)
            for index, item in enumerate(items):
                self.visit(items, index, item, child, code, frame,
                           None if path is None else (*path, index))
        elif isinstance(value, str) or (isinstance(value, _NUMBERS)
                                        and not isinstance(value, bool)):
            self._leaf(container, key, value, position, code, frame, path)

    def _table(self, position: PathNode) -> dict[str | int, _Entry]:
        table = position.plans.get(self._plan_key)
        return position.plans.setdefault(self._plan_key, {}) if table is None else table

    def _entry(self, position: PathNode, table: dict[str | int, _Entry],
               key: str | int) -> _Entry:
        child = position.child(key)
        entry = (child, self._code(child, key),
                 isinstance(key, str) and _FIELD_NAME.fullmatch(key) is None)
        if position.children.get(0 if isinstance(key, int) else key) is child:
            table[key] = entry  # cached as long as the position itself is
        return entry

    def _code(self, position: PathNode, key: str | int) -> int:
        rule, entity = position.rule, position.rule.entity
        if isinstance(key, str) and key in self._drop:
            return _DROP
        if rule.kind != "entity" or not entity:
            return _LOOK
        if entity in GENERIC_TYPES:
            return _REFINE
        if not self._keeps(entity):
            return _WHOLE
        return _NOTE if self._tokens and entity in SUBJECT_TYPES else _KEEP

    def _key(self, container: dict[str, Any], key: str, frame: Frame) -> None:
        """A key that is no field name: its patterns now, repeats of found values later."""
        classifier = self._classifier
        classifier.check_length(key)
        self.slots.append(Slot(container, key, key, frame, findings=classifier.patterns(key),
                               is_key=True))

    def _leaf(self, container: dict[str, Any] | list[Any], key: str | int, value: str | float,
              position: PathNode, code: int, frame: Frame, path: Path | None) -> None:
        if isinstance(value, str):
            text = value
        elif code == _KEEP or (code == _LOOK and type(value) is int
                               and -1_000_000 < value < 1_000_000):
            return
        else:
            text = str(value)
        classifier = self._classifier
        if len(text) > self._max_text_chars:
            classifier.check_length(text)
        if code == _LOOK:
            self._look(container, key, value, text, position.rule.kind, frame, path)
        elif code != _KEEP and text.strip():
            entity: str | None = position.rule.entity or ""
            if code == _REFINE:
                entity = classifier.refine(entity, text)
            if entity is None:  # not an identifier: looked at like any other value
                self._look(container, key, value, text, "other", frame, path)
                return
            masked = code == _WHOLE or (code == _REFINE and not self._keeps(entity))
            self._whole(container, key, text, entity, masked, frame, path)

    def _look(self, container: dict[str, Any] | list[Any], key: str | int, value: str | float,
              text: str, kind: str, frame: Frame, path: Path | None) -> None:
        """A value the catalog does not type: ignored, free text, or for the prefilter."""
        classifier = self._classifier
        if kind == "ignore" or not text.strip():
            if kind == "ignore" and isinstance(value, str):  # repeats are still found
                self.slots.append(Slot(container, key, text, frame, path=path))
            return
        if not isinstance(value, str):
            found = classifier.number_type(text)
            if found is not None:
                self._whole(container, key, text, found, not self._keeps(found), frame, path)
            return
        slot = Slot(container, key, text, frame, path=path)
        self.slots.append(slot)
        found = None if kind == "free_text" else classifier.prefiltered(text)
        if found is None:
            self.free.append(slot)
        else:
            slot.findings = found

    def _whole(self, container: dict[str, Any] | list[Any], key: str | int, text: str,
               entity: str, masked: bool, frame: Frame, path: Path | None) -> None:
        """The whole value is personal data of type ``entity``."""
        if entity in SUBJECT_TYPES and self._tokens:
            frame.note(entity, text)
        if masked:  # a kept whole value is not looked at again
            self.slots.append(Slot(container, key, text, frame, entity, path=path))


def _find_repeats(slots: list[Slot], profile: Profile) -> dict[str, Frame]:
    """Find every value that is masked somewhere in every other string too."""
    # A value with a lowercase letter can only be inside a string that has one: names and
    # e-mail addresses skip timestamps, codes and numbers (exact, and cheap).
    cased: dict[str, tuple[str, Frame]] = {}
    uncased: dict[str, tuple[str, Frame]] = {}
    strings: list[Slot] = []
    for slot in slots:
        if slot.entity is not None:  # a whole value the profile does not keep
            _note_known(cased, uncased, slot.text.strip(), slot.entity, slot.frame)
            continue
        strings.append(slot)
        for f in slot.findings:
            if not profile.keeps(f.entity_type):
                _note_known(cased, uncased, slot.text[f.start:f.end].strip(), f.entity_type,
                            slot.frame)
    if strings:
        _search([s for s in strings if s.text != s.text.upper()], cased)
        _search(strings, uncased)
    return {value: frame for known in (cased, uncased) for value, (_, frame) in known.items()}


def _search(slots: list[Slot], known: dict[str, tuple[str, Frame]]) -> None:
    """Cover every occurrence of a known value in these strings."""
    if not known or not slots:
        return
    by_text: dict[str, list[Slot]] = {}  # a page repeats its codes and countries: once each
    for slot in slots:
        by_text.setdefault(slot.text, []).append(slot)
    # Longest first, so that a value is searched only in the strings long enough to hold it;
    # one search over all of them at once, "\0" keeping a match from spanning two.
    texts = sorted(by_text, key=len, reverse=True)
    longest = len(texts[0])
    values = [(value, entity) for value, (entity, _) in known.items() if len(value) <= longest]
    if not values:
        return
    joined = "\0".join(texts)
    starts = list(itertools.accumulate((len(text) + 1 for text in texts), initial=0))
    shortest_first = [-len(text) for text in texts]
    found: dict[int, list[tuple[int, int, str]]] = {}
    for start, end, entity in _occurrences(joined, values, starts, shortest_first):
        index = bisect.bisect_right(starts, start) - 1
        base = starts[index]
        if end - base <= len(texts[index]):
            found.setdefault(index, []).append((start - base, end - base, entity))
    for index, spans in found.items():
        for slot in by_text[texts[index]]:
            slot.findings = cover_all(sorted(slot.findings, key=lambda f: f.start), spans)


def _occurrences(text: str, values: list[tuple[str, str]], starts: list[int],
                 shortest_first: list[int]) -> Iterator[tuple[int, int, str]]:
    """Where each known value occurs in ``text``, the strings at ``starts`` joined longest
    first: (start, end, entity)."""
    if len(values) * len(text) <= _DIRECT_SEARCH_WORK:  # small: str.find beats an automaton
        for value, entity in values:
            # Only the strings at least as long as the value can hold it.
            reach = starts[bisect.bisect_right(shortest_first, -len(value))]
            start = text.find(value, 0, reach)
            while start >= 0:
                yield start, start + len(value), entity
                start = text.find(value, start + 1, reach)
        return
    automaton = ahocorasick.Automaton()
    for value, entity in values:
        automaton.add_word(value, (len(value), entity))
    automaton.make_automaton()
    for end, (length, entity) in automaton.iter(text):
        yield end + 1 - length, end + 1, entity


def _note_known(cased: dict[str, tuple[str, Frame]], uncased: dict[str, tuple[str, Frame]],
                value: str, entity: str, frame: Frame) -> None:
    """The first place a value was found names it; values too short to search are left."""
    known = uncased if value == value.upper() else cased
    if value not in known and (len(value) >= 4 or (len(value) >= 2 and _HAN.search(value))):
        known[value] = (entity, frame)
