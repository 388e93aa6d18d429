"""What is known about one data subject while a request runs: the identities the request
names, identifiers learned from the subject's own records (a contact's e-mail when the request
gave a phone number) and link values other systems reference them by (a CRM contact id).

Facts hold personal data: they live in memory and in the encrypted result store only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from dsar.identities import IDENTITY_KINDS, Identity
from proxy.demo.phones import phone_keys
from proxy.pii.analyzer import Finding

STRONG_KINDS = ("email", "phone", "national_id", "customer_id")
_ENTITY_KINDS = {"EMAIL_ADDRESS": "email", "PHONE_NUMBER": "phone", "PERSON": "name"}
_MIN_NAME_PART = 2


@dataclass
class SubjectFacts:
    identities: set[Identity] = field(default_factory=set)
    links: dict[str, set[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, identities: Iterable[Identity]) -> SubjectFacts:
        return cls({i for i in identities if i.value.strip()})

    def learn(self, kind: str, value: Any) -> None:
        if kind in IDENTITY_KINDS and isinstance(value, str | int) and str(value).strip():
            self.identities.add(Identity(kind, str(value).strip()))  # type: ignore[arg-type]

    def link(self, name: str, value: Any) -> None:
        if value is not None and str(value) != "":
            self.links.setdefault(name, set()).add(str(value))

    def merge(self, other: SubjectFacts) -> None:
        self.identities |= other.identities
        for name, found in other.links.items():
            self.links.setdefault(name, set()).update(found)

    def values(self, kind: str) -> list[str]:
        """Distinct values of one identity kind (by normalized form), in a stable order."""
        seen: dict[str, str] = {}
        for identity in sorted(self.identities, key=lambda i: (i.kind, i.value)):
            if identity.kind == kind:
                seen.setdefault(identity.normalized(), identity.value)
        return list(seen.values())

    @property
    def has_strong(self) -> bool:
        return any(i.kind in STRONG_KINDS for i in self.identities)

    # --- is this value the subject's? ---------------------------------------------------

    def owns(self, kind: str, text: str) -> bool:
        """Whether ``text`` (an e-mail, phone or name found in a record) is the subject's."""
        text = text.strip()
        if not text:
            return False
        if kind == "email":
            return text.lower() in {v.lower() for v in self.values("email")}
        if kind == "phone":
            keys = phone_keys(text)
            return any(keys & phone_keys(v) for v in self.values("phone"))
        if kind == "name":
            return self._owns_name(text)
        normalized = Identity(kind, text).normalized()  # type: ignore[arg-type]
        return normalized in {Identity(kind, v).normalized()  # type: ignore[arg-type]
                              for v in self.values(kind)}

    def _owns_name(self, text: str) -> bool:
        found = " ".join(text.split()).casefold()
        for name in self.values("name"):
            known = " ".join(name.split()).casefold()
            if found == known or (len(found) >= _MIN_NAME_PART and found in known) or (
                    len(known) >= _MIN_NAME_PART and known in found):
                return True
        return False

    def owns_finding(self, text: str, finding: Finding) -> bool:
        kind = _ENTITY_KINDS.get(finding.entity_type, "national_id")
        return self.owns(kind, text[finding.start:finding.end])

    def literal_spans(self, text: str) -> list[tuple[int, int, str]]:
        """Where the subject's identifiers occur literally (case-insensitive) in ``text``; the
        safety net beside detection when redacting mentions: (start, end, identity kind)."""
        spans = []
        for identity in self.identities:
            needles = {identity.value.strip()}
            if identity.kind == "phone":
                needles |= phone_keys(identity.value)
            for needle in needles:
                if len(needle) < _MIN_NAME_PART:
                    continue
                pattern = re.escape(needle)
                if identity.kind != "name":  # a short value must not match inside a longer one
                    pattern = rf"(?<![\w@.+-]){pattern}(?![\w@-])"
                spans += [(m.start(), m.end(), identity.kind)
                          for m in re.finditer(pattern, text, re.IGNORECASE)]
        return spans

    # --- storage (encrypted result store only) -----------------------------------------

    def as_dict(self) -> dict[str, Any]:
        return {"identities": sorted([i.kind, i.value] for i in self.identities),
                "links": {name: sorted(found) for name, found in sorted(self.links.items())}}

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> SubjectFacts:
        facts = cls()
        for kind, value in raw.get("identities", []):
            facts.learn(kind, value)
        for name, found in raw.get("links", {}).items():
            for value in found:
                facts.link(name, value)
        return facts
