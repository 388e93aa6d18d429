"""What a written body carries, as a document the detector scans for whose data it is.

A body of a declared type is parsed as that type says (JSON, URL-encoded or multipart form,
CSV, NDJSON, XML, text), and refused when it is not. Any other body (no Content-Type,
``application/octet-stream``, a type the gateway does not read) is read as the upstream may
read it anyway, since many APIs parse JSON whatever the Content-Type says: as JSON when it
parses, else as UTF-8 text; only a binary body (an image, a PDF) cannot be scanned.
"""

from __future__ import annotations

from typing import Any

from proxy import forms, jsonio
from proxy.pii import formats
from proxy.pii.classify import MaskingError


def write_document(media: str, content_type: str, body: bytes) -> Any:
    """The body's document, None for a binary one; ValueError when it is not its type."""
    if media == forms.URLENCODED:
        return forms.urlencoded_document(body)
    if media == forms.MULTIPART:
        return forms.multipart_document(content_type, body)
    try:
        parsed = formats.parse(media, content_type, body)
    except MaskingError as error:
        raise ValueError(str(error)) from None
    if parsed is not None:  # CSV rows by column name, NDJSON lines, XML
        return parsed.documents
    if media == "application/json" or media.endswith("+json"):
        return jsonio.loads(body)
    if media.startswith("text/"):
        return body.decode("utf-8")
    return _sniffed(body)


def _sniffed(body: bytes) -> Any:
    try:
        return jsonio.loads(body)
    except ValueError:
        pass
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return None
