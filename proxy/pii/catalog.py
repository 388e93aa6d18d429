"""Field catalog: which JSON fields hold which personal data, and which hold free text.

Keys are field names (compared case-, space-, ``_``/``-``-insensitively) or dotted JSON paths
with ``*`` for list items (``contacts.*.mobile``). Configured entries override the defaults,
and a system's own entries the global ones; a field that no entry names is typed by the words
of its name (``field_names``).
Generic types (``NATIONAL_ID``, ``BANK_ACCOUNT``) are refined by the value's own format.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from proxy.pii.field_names import PARTY, inferred_entity
from proxy.pii.settings import FieldSettings

GENERIC_TYPES = frozenset({"NATIONAL_ID", "BANK_ACCOUNT", PARTY})

_DEFAULT_FIELDS: dict[str, tuple[str, ...]] = {
    "PERSON": ("name", "fullname", "firstname", "lastname", "givenname", "familyname",
               "surname", "middlename", "contactname", "customername", "displayname",
               "nickname",
               "姓名", "名字", "客户姓名", "联系人", "联系人姓名", "客户名称"),
    "EMAIL_ADDRESS": ("email", "emailaddress", "mail", "workemail", "personalemail",
                      "邮箱", "电子邮箱", "电子邮件", "邮件地址"),
    "PHONE_NUMBER": ("phone", "mobile", "tel", "telephone", "phonenumber", "phonee164",
                     "mobilephone", "mobilenumber", "cell", "cellphone", "fax", "workphone",
                     "homephone", "电话", "手机", "手机号", "手机号码", "联系电话", "电话号码"),
    "NATIONAL_ID": ("nationalid", "idcard", "idnumber", "idno", "ssn", "taxid", "tin",
                    "passport", "passportnumber", "personalid", "身份证", "身份证号",
                    "身份证号码", "证件号", "证件号码", "护照", "护照号", "护照号码"),
    "CREDIT_CARD": ("bankcard", "cardnumber", "creditcard", "card", "cardno", "银行卡",
                    "银行卡号", "卡号"),
    "IBAN_CODE": ("iban",),
    "BANK_ACCOUNT": ("bankaccount", "accountnumber", "账号", "银行账号"),
    "LOCATION": ("address", "streetaddress", "street", "addressline1", "addressline2",
                 "homeaddress", "mailingaddress", "地址", "住址", "家庭住址", "联系地址",
                 "详细地址"),
    "DATE_OF_BIRTH": ("birthdate", "dateofbirth", "dob", "birthday", "出生日期", "生日"),
    "IP_ADDRESS": ("ip", "ipaddress", "clientip", "remoteaddr", "lastloginip"),
}

DEFAULT_FREE_TEXT = ("description", "notes", "note", "comment", "comments", "transcript",
                     "message", "messages", "body", "text", "content", "summary", "details",
                     "remarks", "subject", "备注", "描述", "内容", "留言", "通话记录", "摘要",
                     "说明", "对话")

FieldKind = Literal["entity", "free_text", "other", "ignore"]


@dataclass(frozen=True, slots=True)
class FieldRule:
    kind: FieldKind
    entity: str | None = None


_OTHER = FieldRule("other")


def normalize_field(name: str) -> str:
    """``E-Mail`` and ``email_address`` alike; an XML attribute (``@email``) or a
    namespaced tag (``ns1:Email``) by its local name."""
    return re.sub(r"[\s_.\-]", "", name.lstrip("@").rsplit(":", 1)[-1].lower())


class PathNode:
    """One position in a system's JSON documents (all items of a list share one), holding the
    catalog's rule for a value there: the masker walks documents along these nodes, so each
    position is decided once, not once per value."""

    __slots__ = ("rule", "children", "plans", "_rules", "_catalog", "_path")

    def __init__(self, rules: _Rules, catalog: Catalog, path: tuple[str | int, ...]) -> None:
        self.rule = rules.rule(path)
        self._rules = rules
        self._catalog = catalog
        self._path = path
        self.children: dict[str | int, PathNode] = {}  # the cached ones; ask ``child``
        self.plans: dict[Hashable, Any] = {}  # what the masker does here, per profile

    def child(self, key: str | int) -> PathNode:
        part = 0 if isinstance(key, int) else key
        node = self.children.get(part)
        if node is None:
            node = PathNode(self._rules, self._catalog, (*self._path, part))
            if self._catalog.admit():  # bounded: past the limit, positions are decided anew
                self.children[part] = node
        return node


class Catalog:
    """Decides per JSON position once: ``root(system)`` is the top of a cached tree of
    positions (thread-safe, bounded). ``systems`` holds each system's own entries, which win
    over the global ones in its documents."""

    def __init__(self, fields: FieldSettings | None = None,
                 systems: Mapping[str, FieldSettings] | None = None,
                 cache_size: int = 50_000) -> None:
        defaults = _Rules({}, {})
        for entity, names in _DEFAULT_FIELDS.items():
            for name in names:
                defaults.fields[normalize_field(name)] = FieldRule("entity", entity)
        for name in DEFAULT_FREE_TEXT:
            defaults.fields[normalize_field(name)] = FieldRule("free_text")
        self._rules = defaults.layered(fields or FieldSettings())
        self._system_rules = {name: self._rules.layered(own)
                              for name, own in (systems or {}).items()}
        self._roots: dict[str, PathNode] = {}
        self._room = cache_size
        self._lock = threading.Lock()

    def root(self, system: str) -> PathNode:
        """The top of ``system``'s documents (a system with no entries of its own: the
        global ones); each system's positions are cached apart."""
        node = self._roots.get(system)
        if node is None:
            rules = self._system_rules.get(system, self._rules)
            node = self._roots.setdefault(system, PathNode(rules, self, ()))
        return node

    def admit(self) -> bool:
        """Room for one more cached position?"""
        with self._lock:
            if self._room <= 0:
                return False
            self._room -= 1
            return True

    def rule(self, path: tuple[str | int, ...]) -> FieldRule:
        """The global rule for a value at ``path`` (``_Rules.rule``)."""
        return self._rules.rule(path)


@dataclass(frozen=True, slots=True)
class _Rules:
    """One layer of entries over those below it: field names (normalized) and dotted paths."""

    fields: dict[str, FieldRule]
    paths: dict[str, FieldRule]

    def layered(self, own: FieldSettings) -> _Rules:
        """``own`` entries over ``self``'s: a catalog entry wins over an ignored field, and
        both over anything below."""
        rules = _Rules(dict(self.fields), dict(self.paths))
        for name in own.free_text_fields:
            rules.fields[normalize_field(name)] = FieldRule("free_text")
        for name in own.ignore_fields:
            rules._add(name, FieldRule("ignore"))
        for name, entity in own.catalog.items():
            rules._add(name, FieldRule("free_text") if entity == "FREE_TEXT"
                       else FieldRule("entity", entity))
        return rules

    def _add(self, name: str, rule: FieldRule) -> None:
        if "." in name:
            self.paths[name] = rule
        else:
            self.fields[normalize_field(name)] = rule

    def rule(self, path: tuple[str | int, ...]) -> FieldRule:
        """The rule for a value at ``path`` (object keys and list positions). Its dotted form
        with ``*`` for list items is matched first, then the object keys on the path, nearest
        first: a value inside ``address: {...}`` is an address. An attribute (``@lang``,
        JSON-LD's ``@type``) describes its element: only its own name types it."""
        pattern = ".".join("*" if isinstance(p, int) else p for p in path)
        keys = [p for p in reversed(path) if isinstance(p, str)]
        if keys and keys[0].startswith("@"):
            keys = keys[:1]
        found = self.paths.get(pattern) or (self._own(keys[0]) if keys else None)
        return found or next(
            (r for r in (self.fields.get(normalize_field(k)) for k in keys[1:]) if r), _OTHER)

    def _own(self, key: str) -> FieldRule | None:
        """A field's rule by its own name: as listed, else as its words say
        (``field_names``: ``holder_name``, ``billingAddress``, ``收件人``)."""
        listed = self.fields.get(normalize_field(key))
        if listed is not None:
            return listed
        entity = inferred_entity(key)
        return FieldRule("entity", entity) if entity else None
