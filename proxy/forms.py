"""Form bodies as documents: what a written form carries, scanned like a JSON body.

A URL-encoded form becomes ``{name: value}`` (a repeated field: a list). A multipart form
becomes the same for its fields, and an uploaded file of JSON or text becomes its parsed
content under the field's name; other files (images, PDFs) cannot be read for personal data
and are left out. A body that does not parse is refused rather than half read.
"""

from __future__ import annotations

from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any
from urllib.parse import parse_qsl

from proxy import jsonio

URLENCODED = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"


def urlencoded_document(body: bytes) -> dict[str, Any]:
    """A URL-encoded form, strictly UTF-8 (ValueError otherwise)."""
    return _collected(parse_qsl(body.decode("utf-8"), keep_blank_values=True, errors="strict"))


def multipart_document(content_type: str, body: bytes) -> dict[str, Any]:
    """A multipart/form-data body (ValueError when malformed or a field is not UTF-8)."""
    message = BytesParser(policy=policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body)
    if message.defects or not message.is_multipart():
        raise ValueError("malformed multipart body")
    fields = []
    for part in message.iter_parts():
        assert isinstance(part, EmailMessage)
        name = part.get_param("name", header="content-disposition")
        if part.defects or not isinstance(name, str):
            raise ValueError("malformed multipart part")
        value = _part_value(part)
        if value is not None:
            fields.append((name, value))
    return _collected(fields)


def _part_value(part: EmailMessage) -> Any:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        raise ValueError("nested multipart parts are not supported")
    media = part.get_content_type()
    if part.get_filename() is None or media.startswith("text/"):
        return _text(payload, part.get_content_charset())
    if media == "application/json" or media.endswith("+json"):
        return jsonio.loads(payload)
    return None


def _text(payload: bytes, charset: str | None) -> str:
    try:
        return payload.decode(charset or "utf-8")
    except LookupError:
        raise ValueError("unknown charset") from None


def _collected(fields: list[tuple[str, Any]]) -> dict[str, Any]:
    grouped: dict[str, list[Any]] = {}
    for name, value in fields:
        grouped.setdefault(name, []).append(value)
    return {name: values[0] if len(values) == 1 else values for name, values in grouped.items()}
