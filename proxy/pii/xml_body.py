"""XML bodies (SOAP, Atom, XML REST APIs) as a JSON-like document, masked like JSON, and back.

xmltodict maps an element to ``{tag: ...}``: its attributes as ``@name``, its text as
``#text`` beside attributes or children, repeated elements as a list. The catalog reads a
tag or an attribute by its local name (``ns1:Email`` and ``@email`` are ``email``) and a
``#text`` as its element. Entity declarations are refused (no entity expansion, no external
entities), comments and processing instructions are left out, and the body is written back
in the charset its content type names (UTF-8 by default). Mixed content (text between child
elements) keeps its text, not its place between the children.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from xml.parsers.expat import ExpatError

import xmltodict

from proxy.pii.classify import MaskingError

XML_TYPES = frozenset({"application/xml", "text/xml"})


def is_xml(media: str) -> bool:
    return media in XML_TYPES or media.endswith("+xml")


@dataclass(frozen=True, slots=True)
class XmlBody:
    documents: list[Any]  # the one root element's document
    charset: str

    @classmethod
    def parse(cls, body: bytes, charset: str | None) -> XmlBody:
        try:
            return cls([xmltodict.parse(body, disable_entities=True)], charset or "utf-8")
        except (ExpatError, ValueError):  # ValueError: an entity declaration
            raise MaskingError("XML body is malformed or declares entities") from None

    def render(self, documents: Sequence[Any]) -> bytes:
        (document,) = documents
        try:
            return xmltodict.unparse(document, encoding=self.charset).encode(self.charset)
        except (ValueError, LookupError):  # UnicodeEncodeError too
            raise MaskingError("masked XML body cannot be written in its charset") from None
