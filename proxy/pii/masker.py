"""The masker: what a caller may see of a response, decided per value by its profile.

``classify`` finds what in a JSON document is personal data (catalog first, free text in one
batch, a prefilter for the rest, repeats everywhere) in a copy of it; the masker then replaces
each found value in that copy by what the caller's profile allows.

Thread safety: one ``Masker`` serves all worker threads; spaCy runs under a lock inside
``EnglishNames``, the classifier's caches and the key store lock themselves.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from proxy import jsonio
from proxy.pii import formats
from proxy.pii.analyzer import Detector, Finding, Language
from proxy.pii.catalog import Catalog
from proxy.pii.classify import Classifier, Frame, MaskingDeferred, MaskingError, Slot
from proxy.pii.operators import OperatorContext, apply
from proxy.pii.profiles import Operator, Profile, least_revealing
from proxy.pii.settings import FieldSettings, PiiSettings
from proxy.pii.tokens import KeyStore, Tokenizer
from proxy.pii.walker import Path

__all__ = ["MaskResult", "Masker", "MaskingDeferred", "MaskingError"]
_FORMAT_KEEPING = (Operator.GENERALIZE, Operator.PARTIAL)
_DROPPED = object()
_CACHE_SIZE = 20_000


@dataclass(frozen=True)
class MaskResult:
    document: Any
    counts: dict[str, int] = field(default_factory=dict)


class Masker:
    def __init__(self, detector: Detector, catalog: Catalog, settings: PiiSettings,
                 tokenizer: Tokenizer) -> None:
        self.detector = detector
        self.catalog = catalog
        self.settings = settings
        self.tokenizer = tokenizer
        self.classifier = Classifier(detector, catalog, settings.max_text_chars)
        self._hmac_key = settings.key_bytes("hmac_key")
        self._no_subject = self._context(None)
        self._masked = functools.lru_cache(_CACHE_SIZE)(self._unkeyed)

    @classmethod
    def from_settings(cls, pii: PiiSettings, keystore: KeyStore,
                      systems: Mapping[str, FieldSettings] | None = None) -> Masker:
        """``systems``: each system's own field entries (``systems.<name>.pii``)."""
        detector = Detector.default(pii.spacy_model if pii.english_ner else None, pii.min_score)
        catalog = Catalog(pii, systems)
        return cls(detector, catalog, pii, Tokenizer(keystore, pii.key_bytes("token_master_key")))

    def mask_json(self, doc: Any, profile: Profile, *, system: str = "") -> MaskResult:
        if profile.keeps_everything:
            return MaskResult(doc, {})
        (masked,), counts = self._mask_documents([doc], profile, system)
        return MaskResult(masked, counts)

    def mask_text(self, text: str, profile: Profile, language: Language = "auto") -> MaskResult:
        if profile.keeps_everything:
            return MaskResult(text, {})
        try:
            self.classifier.check_length(text)
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
        """A response body as the caller may see it (see ``mask_message``)."""
        masked, _, counts = self.mask_message(body, content_type, [], profile, system=system)
        return masked, counts

    def mask_message(self, body: bytes, content_type: str | None, fields: list[tuple[str, str]],
                     profile: Profile, *, system: str = "", quick: bool = False,
                     ) -> tuple[bytes, list[tuple[str, str]], dict[str, int]]:
        """A response as the caller may see it: its body, and name/value pairs (its headers)
        each masked as the one field of an object, so that the catalog's names apply, a field
        the profile drops is left out, and a value found in a JSON body is found in the pairs
        too. CSV, NDJSON and XML bodies are masked as documents (``formats``). Bodies that
        cannot be inspected are refused (``MaskingError``). ``quick`` (on an event loop):
        MaskingDeferred instead of full text analysis or key store lookups."""
        if profile.keeps_everything:
            return body, fields, {}
        media = (content_type or "").split(";")[0].strip().lower()
        if quick and (profile.uses_tokens or media == "text/plain"):
            raise MaskingDeferred()
        pairs: list[Any] = [{name: value} for name, value in fields]
        counts: Counter[str] = Counter()
        if not body or media == "application/json" or media.endswith("+json"):
            docs = [self._parsed(body), pairs] if body else [pairs]
            masked, found = self._mask_documents(docs, profile, system, quick)
            pairs, out, counts = masked[-1], jsonio.dumps(masked[0]) if body else body, found
        elif media == "text/plain":
            text = self._mask_text_body(body, profile)
            (pairs,), found = self._mask_documents([pairs], profile, system)
            out, counts = text.document.encode(), Counter(text.counts) + Counter(found)
        elif (table := formats.parse(media, content_type or "", body)) is not None:
            masked, found = self._mask_documents([*table.documents, pairs], profile, system,
                                                 quick)
            pairs, out, counts = masked[-1], table.render(masked[:-1]), Counter(found)
        else:
            raise MaskingError(f"content type {media or '(none)'} cannot be inspected for "
                               "personal data")
        return out, [(name, value) for one in pairs for name, value in one.items()], \
            dict(counts)

    def _parsed(self, body: bytes) -> Any:
        try:
            return jsonio.loads(body)
        except ValueError:
            raise MaskingError("response body is not valid JSON") from None

    def _mask_text_body(self, body: bytes, profile: Profile) -> MaskResult:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise MaskingError("response body is not UTF-8 text") from None
        return self.mask_text(text, profile)

    def find(self, doc: Any, *, system: str = "") -> list[tuple[Path, Finding]]:
        """Every finding in a JSON document with its path (for ``scan --json``)."""
        found = self.classifier.classify([doc], Profile(default=Operator.REDACT), system,
                                         paths=True)
        return [(slot.path, f) for slot in found.slots if slot.path is not None
                for f in (slot.findings if slot.entity is None
                          else [Finding(slot.entity, 0, len(slot.text), 1.0)])]

    def _mask_documents(self, docs: list[Any], profile: Profile, system: str,
                        quick: bool = False) -> tuple[list[Any], dict[str, int]]:
        """Masked copies of documents classified together, and what was masked."""
        try:
            return self._masked_copies(docs, profile, system, quick)
        except (MaskingError, MaskingDeferred):
            raise
        except Exception as exc:  # detection bugs must block, never pass raw data
            raise MaskingError(f"masking failed ({type(exc).__name__})") from None

    def _masked_copies(self, docs: list[Any], profile: Profile, system: str,
                       quick: bool) -> tuple[list[Any], dict[str, int]]:
        found = self.classifier.classify(docs, profile, system, quick=quick)
        counts: Counter[str] = Counter()
        dropped, renamed = [], []
        for slot in found.slots:
            if slot.entity is not None:
                masked = self._mask_whole(slot, profile, counts)
            elif slot.findings:  # found inside a longer string
                masked = self._replace_spans(slot.text, slot.findings, profile, found.repeats,
                                             slot.frame, counts)
            else:
                continue
            if slot.is_key:
                renamed.append((slot, masked))
            elif masked is _DROPPED:
                dropped.append(slot)
            else:
                slot.container[slot.key] = masked  # type: ignore[index]
        # Last, and list items from the back, so that positions of the others stay valid.
        for slot in sorted(dropped, key=lambda s: s.key if isinstance(s.key, int) else 0,
                           reverse=True):
            del slot.container[slot.key]  # type: ignore[arg-type]
        _rename_keys(renamed)
        return found.holder, dict(counts)

    def _key_id(self, frame: Frame | None) -> str | None:
        subject = frame.named_subject() if frame else None
        return self.tokenizer.key_id_for(subject) if subject else None

    def _mask_whole(self, slot: Slot, profile: Profile, counts: Counter[str]) -> Any:
        entity = slot.entity or ""
        operator = profile.operator_for(entity)
        if operator is Operator.KEEP:
            return slot.container[slot.key]  # type: ignore[index]
        counts[entity] += 1
        if operator is Operator.TOKEN:
            masked = apply(operator, slot.text, entity, self._context(self._key_id(slot.frame)))
        else:
            masked = self._masked(operator, slot.text, entity)
        return _DROPPED if masked is None else masked

    def _unkeyed(self, operator: Operator, value: str, entity: str) -> str | None:
        """Operators that need no subject key give the same answer every time (cached)."""
        return apply(operator, value, entity, self._no_subject)

    def _context(self, key_id: str | None) -> OperatorContext:
        return OperatorContext(self._hmac_key, self.tokenizer, key_id)

    def _replace_spans(self, text: str, findings: Sequence[Finding], profile: Profile,
                       repeats: dict[str, Frame], frame: Frame | None,
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
            if "%" in value:  # found percent-encoded (in a link): mask what it encodes
                value = unquote(value)
            if operator is Operator.TOKEN:  # the key of the object the value was first seen in
                key_id = self._key_id(repeats.get(value.strip(), frame))
                masked = apply(operator, value, f.entity_type, self._context(key_id))
            else:
                masked = self._masked(operator, value, f.entity_type)
            parts.append(text[cursor:f.start])
            parts.append(masked or "")
            cursor = f.end
        parts.append(text[cursor:])
        return "".join(parts)


def _rename_keys(renamed: list[tuple[Slot, str]]) -> None:
    """Keys replaced by their masked form, in place and in order; masked keys that come out
    the same (two e-mail addresses redacted) are told apart as ``<EMAIL_ADDRESS> (2)``."""
    by_container: dict[int, tuple[dict[str, Any], dict[str, str]]] = {}
    for slot, masked in renamed:
        container = slot.container
        assert isinstance(container, dict) and isinstance(slot.key, str)
        by_container.setdefault(id(container), (container, {}))[1][slot.key] = masked
    for container, names in by_container.values():
        items = list(container.items())
        container.clear()
        for key, value in items:
            container[_unused(names.get(key, key), container)] = value


def _unused(name: str, taken: dict[str, Any]) -> str:
    candidate, number = name, 1
    while candidate in taken:
        number += 1
        candidate = f"{name} ({number})"
    return candidate

