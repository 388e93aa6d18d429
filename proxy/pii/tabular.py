"""CSV and NDJSON bodies as JSON-like documents, so that they are masked like JSON, and back.

- NDJSON (JSON Lines): each non-blank line is one document; blank lines are dropped, and the
  output is one value per ``\\n``-terminated line.
- CSV (RFC 4180, comma-separated): with a header row (the default), each following row is
  an object ``{column name: cell}``, so the field catalog applies by column name; with
  ``header=absent``, each row is a list of cells. The output keeps the header row, the
  columns and their order, the line endings and a UTF-8 byte order mark; a field the
  profile drops becomes an empty cell, so the file stays rectangular. Cells of a repeated
  column name or beyond the header are kept in the row's object too, under a key no column
  has (``{"\\0rest": [{name: cell}, …]}``): classified with the row, never lost. Column
  names are labels, not data, in the rows (``FixedKeys``); the header row itself is looked
  at like a row, and a header holding personal data is refused.

Errors raise ``MaskingError`` with line numbers, never content.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from proxy import jsonio
from proxy.pii.classify import FixedKeys, MaskingError

NDJSON_TYPES = frozenset({"application/x-ndjson", "application/jsonl",
                          "application/x-jsonlines"})
CSV_TYPES = frozenset({"text/csv"})
_BOM = "\ufeff"


@dataclass(frozen=True, slots=True)
class NdjsonBody:
    documents: list[Any]

    @classmethod
    def parse(cls, body: bytes) -> NdjsonBody:
        documents = []
        for number, line in enumerate(body.split(b"\n"), start=1):
            if not line.strip():
                continue
            try:
                documents.append(jsonio.loads(line))
            except ValueError:
                raise MaskingError(f"line {number} of the NDJSON body is not valid JSON"
                                   ) from None
        return cls(documents)

    def render(self, documents: Sequence[Any]) -> bytes:
        return b"".join(jsonio.dumps(document) + b"\n" for document in documents)


@dataclass(frozen=True, slots=True)
class CsvBody:
    header: list[str] | None  # None: ``header=absent``
    widths: list[int]  # each row's number of cells, to write it back with as many
    documents: list[Any]  # the header's names (a list), if any, then one per row
    rest: str  # the key of a row's cells that no unique column name holds
    encoding: str
    bom: bool
    newline: str

    @classmethod
    def parse(cls, body: bytes, encoding: str, *, header: bool) -> CsvBody:
        try:
            text = body.decode(encoding)
        except LookupError:  # also a codec that is no text encoding ("rot13")
            raise MaskingError("CSV body has an unknown charset") from None
        except ValueError:  # UnicodeDecodeError, and what other codecs raise
            raise MaskingError("CSV body is not text in its charset") from None
        bom = text.startswith(_BOM)
        rows = _rows(text[1:] if bom else text)
        names = rows.pop(0) if header and rows else None
        rest = "\0rest"
        while names is not None and rest in names:
            rest += "\0"
        documents = [_row_document(names, rest, row) if names is not None else row
                     for row in rows]
        if names is not None:  # masked like a row of cells: it must come out unchanged
            documents.insert(0, list(names))
        first_line = text.split("\n", 1)[0]
        return cls(names, [len(row) for row in rows], documents, rest, encoding, bom,
                   "\r\n" if first_line.endswith("\r") and "\n" in text else "\n")

    def render(self, documents: Sequence[Any]) -> bytes:
        out = io.StringIO()
        minimal = csv.writer(out, lineterminator=self.newline)
        # With "\n" line endings the writer would leave a cell holding "\r" unquoted.
        quoted = csv.writer(out, lineterminator=self.newline, quoting=csv.QUOTE_ALL)
        if self.header is not None:
            header, *documents = documents
            if header != self.header:
                raise MaskingError("the CSV header row holds personal data")
            minimal.writerow(self.header)
        for document, width in zip(documents, self.widths, strict=True):
            cells = self._cells(document, width)
            (quoted if any("\r" in cell for cell in cells) else minimal).writerow(cells)
        text = (_BOM if self.bom else "") + out.getvalue()
        try:
            return text.encode(self.encoding)
        except ValueError:
            raise MaskingError("masked CSV body cannot be written in its charset") from None

    def _cells(self, document: Any, width: int) -> list[str]:
        if self.header is None:
            if not isinstance(document, list) or len(document) != width:
                raise MaskingError("masking changed the shape of a CSV row")
            return [str(cell) for cell in document]
        others = iter(document.get(self.rest, ()))
        seen: set[str] = set()
        cells = []
        for index in range(width):
            name = self.header[index] if index < len(self.header) else None
            if name is not None and name not in seen:
                seen.add(name)
                cells.append(str(document.get(name, "")))
            else:  # a field the profile drops leaves {} behind
                cells.append(str(next(iter(next(others, {}).values()), "")))
        return cells


def _rows(text: str) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        return list(reader)
    except csv.Error:
        raise MaskingError(f"CSV body is malformed at line {reader.line_num}") from None


def _row_document(names: list[str], rest: str, row: list[str]) -> FixedKeys:
    """``{column: cell}`` for the first column of each name; the other cells, each as the one
    field of an object (the extra cells' name is ""), in a list under ``rest``."""
    document = FixedKeys()
    others = []
    for index, cell in enumerate(row):
        name = names[index] if index < len(names) else None
        if name is not None and name not in document:
            document[name] = cell
        else:
            others.append(FixedKeys({name or "": cell}))
    if others:
        document[rest] = others
    return document
