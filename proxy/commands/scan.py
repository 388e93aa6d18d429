"""`privacy-gateway scan`: report personal data in JSONL texts or a JSON document.

    privacy-gateway scan --jsonl [--language en|zh|auto] < in.jsonl > findings.jsonl
    privacy-gateway scan --json response.json [--system crm]

JSONL input lines are ``{"id": ..., "text": ...}``; output lines are
``{"id": ..., "findings": [{"entity_type", "start", "end", "score"}]}`` with character offsets.
A line that is no such object is named on stderr by its number (never its content), the
others are still scanned, and the exit status is then 1. ``--json`` prints one finding per
line with its JSON path instead of offsets into a text.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

from proxy.pii.settings import PiiSettings

if TYPE_CHECKING:  # imported when run: loading the models is slow
    from proxy.pii.masker import Masker

_BATCH = 64


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("scan", help="find personal data in JSONL texts or JSON")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--jsonl", action="store_true", help='read {"id", "text"} lines on stdin')
    source.add_argument("--json", type=Path, metavar="FILE", help="scan a JSON document")
    parser.add_argument("--language", choices=("en", "zh", "auto"), default="auto")
    parser.add_argument("--system", default="", help="system name for catalog path rules")
    parser.add_argument("--config", type=Path, help="gateway YAML (uses its pii sections)")
    parser.set_defaults(handler=run)


def _masker(config: Path | None) -> Masker:
    from proxy.pii.masker import Masker
    from proxy.pii.tokens import InMemoryKeyStore

    if config is None:
        return Masker.from_settings(PiiSettings(), InMemoryKeyStore())
    from proxy.commands._common import settings_or_exit

    settings = settings_or_exit(config)
    return Masker.from_settings(settings.pii, InMemoryKeyStore(), settings.system_fields())


def _json_path(path: tuple[str | int, ...]) -> str:
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)


class _Records:
    """The well-formed records of JSONL lines; each bad line is named on stderr and counted."""

    def __init__(self, lines: Iterable[str]) -> None:
        self._lines = lines
        self.bad = 0

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for number, line in enumerate(self._lines, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError:
                record = None
            if isinstance(record, dict) and isinstance(record.get("text"), str):
                yield record
                continue
            problem = "not JSON" if record is None else 'not an object with a string "text"'
            print(f"privacy-gateway scan: line {number}: {problem}; skipped", file=sys.stderr)
            self.bad += 1


def _scan_jsonl(masker: Any, language: str) -> int:
    source = _Records(sys.stdin)
    records = iter(source)
    while batch := list(islice(records, _BATCH)):
        texts = [record["text"] for record in batch]
        for record, found in zip(batch, masker.detector.analyze_many(texts, language),
                                 strict=True):
            findings = [{"entity_type": f.entity_type, "start": f.start, "end": f.end,
                         "score": round(f.score, 2)} for f in found]
            print(json.dumps({"id": record.get("id"), "findings": findings},
                             ensure_ascii=False), flush=False)
    sys.stdout.flush()
    return 1 if source.bad else 0


def run(args: argparse.Namespace) -> int:
    masker = _masker(args.config)
    try:
        if args.jsonl:
            return _scan_jsonl(masker, args.language)
        doc = json.loads(args.json.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:  # where, never what: the input is personal data
        print(f"privacy-gateway scan: {args.json}: not JSON (line {exc.lineno}, column "
              f"{exc.colno})", file=sys.stderr)
        return 1
    except (OSError, ValueError) as exc:
        print(f"privacy-gateway scan: cannot read input ({type(exc).__name__})", file=sys.stderr)
        return 1
    for path, f in masker.find(doc, system=args.system):
        print(json.dumps({"path": _json_path(path), "entity_type": f.entity_type,
                          "start": f.start, "end": f.end, "score": round(f.score, 2)}))
    return 0
