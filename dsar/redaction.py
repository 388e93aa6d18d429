"""Redacting one subject from free text that belongs to someone else (a ticket comment that
names them, a call transcript): only the subject's identifiers go, everything else stays."""

from __future__ import annotations

from dsar.subject import SubjectFacts
from proxy.pii.analyzer import Detector
from proxy.pii.operators import redact

_KINDS = {"email": "EMAIL_ADDRESS", "phone": "PHONE_NUMBER", "name": "PERSON",
          "national_id": "NATIONAL_ID", "customer_id": "CUSTOMER_ID"}


def redact_subject(text: str, facts: SubjectFacts, detector: Detector) -> tuple[str, int]:
    """``text`` with the subject's identifiers replaced by ``<TYPE>`` placeholders, and how
    many were replaced. Detected entities that are the subject's (also other spellings of
    their phone number or a partial name) and literal occurrences of every known identifier
    are both replaced. CPU-bound: call from a worker thread."""
    spans = [(f.start, f.end, f.entity_type) for f in detector.analyze(text)
             if facts.owns_finding(text, f)]
    spans += [(start, end, _KINDS.get(kind, "PII"))
              for start, end, kind in facts.literal_spans(text)]
    parts, cursor, count = [], 0, 0
    for start, end, entity in sorted(spans, key=lambda s: (s[0], -s[1])):
        if start < cursor:
            continue
        parts += [text[cursor:start], redact(text[start:end], entity)]
        cursor, count = end, count + 1
    return "".join([*parts, text[cursor:]]), count
