"""Personal data of *other* people inside the subject's records (the agent's name, another
customer named in a ticket) is masked before a record enters the access report: the subject
gets their own data, not their neighbour's."""

from __future__ import annotations

from collections import Counter
from typing import Any

from dsar.subject import SubjectFacts
from proxy.pii.analyzer import Finding
from proxy.pii.masker import Masker
from proxy.pii.operators import redact
from proxy.pii.walker import Path, leaves, rebuild

OTHERS_TYPES = frozenset({"PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER"})


class ThirdPartyMasker:
    def __init__(self, masker: Masker) -> None:
        self._masker = masker

    def mask(self, document: Any, facts: SubjectFacts, people_fields: list[str],
             system: str) -> tuple[Any, int]:
        """The document with other people's names, e-mails and phones redacted, and how
        many values were masked. Runs detection (CPU): call it from a worker thread."""
        values = {leaf.path: leaf.value for leaf in leaves(document)}
        spans: dict[Path, list[Finding]] = {}
        for path, finding in self._masker.find(document, system=system):
            text = values.get(path)
            if isinstance(text, str) and finding.entity_type in OTHERS_TYPES \
                    and not facts.owns_finding(text, finding):
                spans.setdefault(path, []).append(finding)
        people = set(people_fields)
        for path, value in values.items():
            if path and path[-1] in people and isinstance(value, str) and value.strip() \
                    and not facts.owns("name", value):
                spans[path] = [Finding("PERSON", 0, len(value), 1.0)]
        counts: Counter[str] = Counter()
        replacements = {path: _replace(str(values[path]), found, counts)
                        for path, found in spans.items()}
        return rebuild(document, replacements), sum(counts.values())


def _replace(text: str, findings: list[Finding], counts: Counter[str]) -> str:
    parts, cursor = [], 0
    for finding in sorted(findings, key=lambda f: f.start):
        if finding.start < cursor:
            continue
        parts += [text[cursor:finding.start], redact(text, finding.entity_type)]
        counts[finding.entity_type] += 1
        cursor = finding.end
    return "".join([*parts, text[cursor:]])
