"""The masker: what a caller may see of a response, decided per value by its profile.

Order of work for one JSON document: drop configured fields; classify every scalar by the field
catalog (catalogued values are masked as their type without re-detection; free-text fields get
full analysis, batched; other strings pass the RE2 prefilter); then every raw value found
anywhere is also searched for in all other strings (a value repeated under an unknown key is
masked too); finally the document is rebuilt with replacements.

Thread safety: one ``Masker`` serves all worker threads; spaCy runs under a lock inside
``EnglishNames`` and the catalog cache and key store lock themselves.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import ahocorasick

from proxy.pii.analyzer import Detector, Finding, Language, cover
from proxy.pii.catalog import GENERIC_TYPES, Catalog
from proxy.pii.operators import OperatorContext, apply
from proxy.pii.profiles import Operator, Profile, least_revealing
from proxy.pii.settings import PiiSettings
from proxy.pii.tokens import KeyStore, Tokenizer
from proxy.pii.walker import DROP, Leaf, Path, leaves, rebuild, without_fields

_PROSE = re.compile(r"[A-Za-zÀ-ÿ]+(?:[\s,]+[A-Za-zÀ-ÿ]+){3}|[\u4e00-\u9fff]{12}")
_HAN = re.compile(r"[\u4e00-\u9fff]")
# Identifiers that name a subject, strongest first: their key encrypts the record's tokens.
_SUBJECT_TYPES = ("CN_RESIDENT_ID", "NATIONAL_ID", "US_SSN", "EMAIL_ADDRESS", "PHONE_NUMBER")
_FORMAT_KEEPING = (Operator.GENERALIZE, Operator.PARTIAL)


class MaskingError(Exception):
    """Masking could not complete; the response must be blocked. Never contains values."""


@dataclass(frozen=True)
class MaskResult:
    document: Any
    counts: dict[str, int] = field(default_factory=dict)


@dataclass
class _Work:
    """Per-document state: findings per leaf index and which leaves are whole values."""

    leaves: list[Leaf]
    findings: dict[int, list[Finding]] = field(default_factory=dict)
    whole: dict[int, str] = field(default_factory=dict)
    subjects: dict[Path, str] = field(default_factory=dict)
    subject_ranks: dict[Path, int] = field(default_factory=dict)
    value_keys: dict[str, str | None] = field(default_factory=dict)  # repeats keep their key
    owner_keys: dict[Path, str | None] = field(default_factory=dict)

    def note_subject(self, owner: Path, rank: int, identifier: str) -> None:
        """Keep the strongest identifier of each object (lowest rank)."""
        if rank < self.subject_ranks.get(owner, len(_SUBJECT_TYPES)):
            self.subject_ranks[owner] = rank
            self.subjects[owner] = identifier


class Masker:
    def __init__(self, detector: Detector, catalog: Catalog, settings: PiiSettings,
                 tokenizer: Tokenizer) -> None:
        self.detector = detector
        self.catalog = catalog
        self.settings = settings
        self.tokenizer = tokenizer
        self._hmac_key = settings.key_bytes("hmac_key")
        self._unknown = Profile.from_dict(settings.unknown_role_profile)
        self._profiles = {
            (role, purpose): Profile.from_dict(raw)
            for role, by_purpose in settings.profiles.items()
            for purpose, raw in by_purpose.items()
        }

    @classmethod
    def from_settings(cls, pii: PiiSettings, keystore: KeyStore) -> Masker:
        detector = Detector.default(pii.spacy_model if pii.english_ner else None, pii.min_score)
        catalog = Catalog(pii.catalog, pii.free_text_fields, pii.ignore_fields)
        return cls(detector, catalog, pii, Tokenizer(keystore, pii.key_bytes("token_master_key")))

    def profile_for(self, role: str | None, purpose: str | None) -> Profile:
        """The configured profile for role and purpose (purpose ``*`` as fallback); unknown
        roles get the unknown-role profile, by default the most restrictive one."""
        if role is None:
            return self._unknown
        return (self._profiles.get((role, purpose or "*")) or self._profiles.get((role, "*"))
                or self._unknown)

    def mask_json(self, doc: Any, profile: Profile, *, system: str = "") -> MaskResult:
        if profile.keeps_everything:
            return MaskResult(doc, {})
        try:
            return self._mask_json(doc, profile, system)
        except MaskingError:
            raise
        except Exception as exc:  # detection bugs must block, never pass raw data
            raise MaskingError(f"masking failed ({type(exc).__name__})") from None

    def mask_text(self, text: str, profile: Profile, language: Language = "auto") -> MaskResult:
        if profile.keeps_everything:
            return MaskResult(text, {})
        try:
            self._check_length(text)
            names = not profile.keeps("PERSON")
            findings = self.detector.analyze(text, language, names)
            counts: Counter[str] = Counter()
            masked = self._replace_spans(text, findings, profile, {}, None, counts)
            return MaskResult(masked, dict(counts))
        except MaskingError:
            raise
        except Exception as exc:
            raise MaskingError(f"masking failed ({type(exc).__name__})") from None

    def mask_body(self, body: bytes, content_type: str | None, profile: Profile, *,
                  system: str = "") -> tuple[bytes, dict[str, int]]:
        """A response body as the caller may see it. Bodies that cannot be inspected are
        refused (``MaskingError``) unless the profile keeps everything."""
        if profile.keeps_everything or not body:
            return body, {}
        media = (content_type or "").split(";")[0].strip().lower()
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise MaskingError("response body is not UTF-8 text") from None
        if media == "application/json" or media.endswith("+json"):
            try:
                doc = json.loads(text)
            except ValueError:
                raise MaskingError("response body is not valid JSON") from None
            result = self.mask_json(doc, profile, system=system)
            return json.dumps(result.document, ensure_ascii=False).encode(), result.counts
        if media == "text/plain":
            result = self.mask_text(text, profile)
            return result.document.encode(), result.counts
        raise MaskingError(f"content type {media or '(none)'} cannot be inspected for "
                           "personal data")

    def find(self, doc: Any, *, system: str = "") -> list[tuple[Path, Finding]]:
        """Every finding in a JSON document with its path (for ``scan --json``)."""
        work = _Work(list(leaves(doc)))
        self._classify(work, Profile(default=Operator.REDACT), system)
        self._find_repeats(work, Profile(default=Operator.REDACT))
        return [(work.leaves[i].path, f) for i in sorted(work.findings)
                for f in work.findings[i]]

    def _check_length(self, text: str) -> None:
        if len(text) > self.settings.max_text_chars:
            raise MaskingError(f"a text value is longer than {self.settings.max_text_chars} "
                               "characters")

    def _mask_json(self, doc: Any, profile: Profile, system: str) -> MaskResult:
        if profile.drop_fields:
            doc = without_fields(doc, profile.drop_fields)
        work = _Work(list(leaves(doc)))
        self._classify(work, profile, system)
        self._find_repeats(work, profile)
        counts: Counter[str] = Counter()
        replacements: dict[Path, Any] = {}
        for index, leaf in enumerate(work.leaves):
            found = work.findings.get(index)
            if not found:
                continue
            key_id = self._subject_key(work, leaf)
            if index in work.whole:
                replacements[leaf.path] = self._mask_whole(leaf, work.whole[index], profile,
                                                           key_id, counts)
            else:
                replacements[leaf.path] = self._replace_spans(
                    str(leaf.value), found, profile, work.value_keys, key_id, counts)
        return MaskResult(rebuild(doc, replacements), dict(counts))

    def _classify(self, work: _Work, profile: Profile, system: str) -> None:
        free_text: list[int] = []
        for index, leaf in enumerate(work.leaves):
            rule = self.catalog.rule(system, leaf.path)
            text = str(leaf.value)
            self._check_length(text)
            if rule.kind == "ignore" or not text.strip():
                continue
            if rule.kind == "entity":
                entity = self._refine(rule.entity or "", text)
                work.whole[index] = entity
                work.findings[index] = [Finding(entity, 0, len(text), 1.0)]
                if entity in _SUBJECT_TYPES:
                    work.note_subject(leaf.owner, _SUBJECT_TYPES.index(entity), text)
            elif not isinstance(leaf.value, str):
                self._classify_number(work, index, text)
            elif rule.kind == "free_text" or _PROSE.search(text):
                free_text.append(index)
            else:
                found = self.detector.patterns(text)
                if found:
                    work.findings[index] = found
        if free_text:
            texts = [str(work.leaves[i].value) for i in free_text]
            names = not profile.keeps("PERSON")
            for index, found in zip(free_text, self.detector.analyze_many(texts, "auto", names),
                                    strict=True):
                if found:
                    work.findings[index] = found

    def _classify_number(self, work: _Work, index: int, text: str) -> None:
        if sum(ch.isdigit() for ch in text) < 7:
            return
        entity = self.detector.whole_value_type(text)
        if entity:
            work.whole[index] = entity
            work.findings[index] = [Finding(entity, 0, len(text), 1.0)]

    def _refine(self, entity: str, text: str) -> str:
        if entity not in GENERIC_TYPES:
            return entity
        return self.detector.whole_value_type(text.strip()) or entity

    def _find_repeats(self, work: _Work, profile: Profile) -> None:
        """Mask every other occurrence of a value already found somewhere in the document."""
        known: dict[str, str] = {}
        for index, found in sorted(work.findings.items()):
            text = str(work.leaves[index].value)
            for f in found:
                value = text[f.start:f.end].strip()
                if not profile.keeps(f.entity_type) and len(value) >= (
                        2 if _HAN.search(value) else 4) and value not in known:
                    known[value] = f.entity_type
                    work.value_keys[value] = self._subject_key(work, work.leaves[index])
        if not known:
            return
        automaton = ahocorasick.Automaton()
        for value, entity in known.items():
            automaton.add_word(value, (len(value), entity))
        automaton.make_automaton()
        for index, leaf in enumerate(work.leaves):
            if index in work.whole or not isinstance(leaf.value, str):
                continue
            found = work.findings.get(index, [])
            for end, (length, entity) in automaton.iter(leaf.value):
                found = cover(found, entity, end + 1 - length, end + 1)
            if found:
                work.findings[index] = found

    def _subject_key(self, work: _Work, leaf: Leaf) -> str | None:
        if leaf.owner not in work.owner_keys:
            work.owner_keys[leaf.owner] = next(
                (self.tokenizer.key_id_for(work.subjects[leaf.owner[:cut]])
                 for cut in range(len(leaf.owner), -1, -1)
                 if leaf.owner[:cut] in work.subjects), None)
        return work.owner_keys[leaf.owner]

    def _context(self, key_id: str | None) -> OperatorContext:
        return OperatorContext(self._hmac_key, self.tokenizer, key_id)

    def _mask_whole(self, leaf: Leaf, entity: str, profile: Profile, key_id: str | None,
                    counts: Counter[str]) -> Any:
        operator = profile.operator_for(entity)
        if operator is Operator.KEEP:
            return leaf.value
        counts[entity] += 1
        masked = apply(operator, str(leaf.value), entity, self._context(key_id))
        return DROP if masked is None else masked

    def _replace_spans(self, text: str, findings: Sequence[Finding], profile: Profile,
                       value_keys: dict[str, str | None], key_id: str | None,
                       counts: Counter[str]) -> str:
        parts: list[str] = []
        cursor = 0
        for f in sorted(findings, key=lambda f: f.start):
            operator = least_revealing(profile.operator_for(t) for t in (f.entity_type, *f.merged))
            if operator is Operator.KEEP or f.start < cursor:
                continue
            counts[f.entity_type] += 1
            # A span inside text cannot be dropped, and a span merged from several values
            # has no single format to keep: redact both.
            if operator is Operator.DROP or (f.merged and operator in _FORMAT_KEEPING):
                operator = Operator.REDACT
            value = text[f.start:f.end]
            context = self._context(value_keys.get(value.strip(), key_id))
            parts.append(text[cursor:f.start])
            parts.append(apply(operator, value, f.entity_type, context) or "")
            cursor = f.end
        parts.append(text[cursor:])
        return "".join(parts)
