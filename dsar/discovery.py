"""Finding one subject's records and the mentions of them in other records, in one system and
region, by running the connector's declared searches.

Searches repeat until nothing new is learned: a CRM contact found by phone number reveals the
subject's e-mail and contact id, which find their tickets. Searching by name alone is weak (two
people may share it), so names are searched only when the request holds no stronger identity.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dsar.connectors.client import Connector
from dsar.connectors.jsonpath import first, values
from dsar.connectors.settings import RecordKind, RequestTemplate
from dsar.subject import SubjectFacts

Key = tuple[str, str]  # (record kind, record id)
_MAX_ROUNDS = 4


@dataclass(frozen=True, slots=True)
class Hit:
    kind: str
    id: str
    item: Any  # the search result as the upstream returned it

    @property
    def key(self) -> Key:
        return (self.kind, self.id)

    def fields(self) -> dict[str, Any]:
        """Template fields for acting on this record: ``id`` and its top-level scalars."""
        scalars = {k: v for k, v in self.item.items()
                   if isinstance(v, str | int | float)} if isinstance(self.item, dict) else {}
        return {**scalars, "id": self.id}


def scalar_fields(document: Any) -> dict[str, Any]:
    if not isinstance(document, dict):
        return {}
    return {k: v for k, v in document.items() if isinstance(v, str | int | float)}


def learn_from(kind: RecordKind, item: Any, facts: SubjectFacts) -> None:
    for identity_kind, path in kind.subject_fields.items():
        for value in values(item, path):
            facts.learn(identity_kind, value)
    for link, path in kind.links.items():
        for value in values(item, path):
            facts.link(link, value)


class Discovery:
    """One pass of discovery for one connector, remembering which searches it already ran."""

    def __init__(self, connector: Connector) -> None:
        self.connector = connector
        self._done: set[tuple[str, str, str]] = set()

    async def records(self, facts: SubjectFacts, kinds: list[str] | None = None
                      ) -> dict[Key, Hit]:
        """The subject's own records (of ``kinds``, default all), learning facts as it goes."""
        records = self.connector.settings.records
        wanted = {name: records[name] for name in (kinds or records)}
        found: dict[Key, Hit] = {}
        for _ in range(_MAX_ROUNDS):
            ran = False
            for name, kind in wanted.items():
                for label, template, value in self._searches(kind, facts):
                    if (name, label, value) in self._done:
                        continue
                    self._done.add((name, label, value))
                    ran = True
                    async for item in self.connector.items(template, kind, {"value": value}):
                        hit = self._hit(name, kind.id, item)
                        if hit is not None:
                            found.setdefault(hit.key, hit)
                            learn_from(kind, item, facts)
            if not ran:
                break
        return found

    def _searches(self, kind: RecordKind, facts: SubjectFacts
                  ) -> list[tuple[str, RequestTemplate, str]]:
        searches = []
        for identity_kind, template in kind.search.items():
            if identity_kind == "name" and facts.has_strong:
                continue
            searches += [(identity_kind, template, v) for v in facts.values(identity_kind)]
        for link, template in kind.search_linked.items():
            searches += [(f"link:{link}", template, v)
                         for v in sorted(facts.links.get(link, ()))]
        return searches

    @staticmethod
    def _hit(kind: str, id_path: str, item: Any) -> Hit | None:
        record_id = first(item, id_path)
        return None if record_id is None else Hit(kind, str(record_id), item)

    async def mentions(self, facts: SubjectFacts, own: Mapping[Key, Hit]) -> dict[Key, Hit]:
        """Records of other people whose free text names the subject."""
        declared = self.connector.settings.mentions
        if declared is None:
            return {}
        found: dict[Key, Hit] = {}
        for identity_kind in declared.identities:
            for value in facts.values(identity_kind):
                async for item in self.connector.items(declared.request, declared,
                                                       {"value": value}):
                    kind = (first(item, declared.kind) if declared.kind.startswith("$")
                            else declared.kind)
                    hit = self._hit(str(kind), declared.id, item) if kind else None
                    if hit is not None and not self._owned(hit, own):
                        found.setdefault(hit.key, hit)
        return found

    def _owned(self, hit: Hit, own: Mapping[Key, Hit]) -> bool:
        if hit.key in own:
            return True
        declared = self.connector.settings.mentions
        parent = declared.parents.get(hit.kind) if declared else None
        if parent is None:
            return False
        parent_id = first(hit.item, parent[1])
        return parent_id is not None and (parent[0], str(parent_id)) in own

    async def detail(self, hit: Hit) -> Any | None:
        """The full record (None when it no longer exists)."""
        kind = self.connector.settings.records.get(hit.kind)
        if kind is None or kind.detail is None:
            return hit.item
        document = await self.connector.fetch(kind.detail, hit.fields())
        if document is None or kind.detail.select is None:
            return document
        return next((item for item in values(document, kind.detail.select)
                     if str(first(item, kind.id)) == hit.id), None)
