"""`privacy-gateway scan`: report personal data in JSONL texts or a JSON document.

    privacy-gateway scan --jsonl [--language en|zh|auto] < in.jsonl > findings.jsonl
    privacy-gateway scan --json response.json [--system crm]

JSONL input lines are ``{"id": ..., "text": ...}``; output lines are
``{"id": ..., "findings": [{"entity_type", "start", "end", "score"}]}`` with character offsets.
``--json`` prints one finding per line with its JSON path instead of offsets into a text.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
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


def _batches(lines: Iterator[str]) -> Iterator[list[dict[str, Any]]]:
    records = (json.loads(line) for line in lines if line.strip())
    while batch := list(islice(records, _BATCH)):
        yield batch


def _scan_jsonl(masker: Any, language: str) -> None:
    for batch in _batches(iter(sys.stdin)):
        texts = [str(record.get("text", "")) for record in batch]
        for record, found in zip(batch, masker.detector.analyze_many(texts, language),
                                 strict=True):
            findings = [{"entity_type": f.entity_type, "start": f.start, "end": f.end,
                         "score": round(f.score, 2)} for f in found]
            print(json.dumps({"id": record.get("id"), "findings": findings},
                             ensure_ascii=False), flush=False)
    sys.stdout.flush()


def run(args: argparse.Namespace) -> int:
    masker = _masker(args.config)
    try:
        if args.jsonl:
            _scan_jsonl(masker, args.language)
            return 0
        doc = json.loads(args.json.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(f"privacy-gateway scan: cannot read input ({type(exc).__name__})", file=sys.stderr)
        return 1
    for path, f in masker.find(doc, system=args.system):
        print(json.dumps({"path": _json_path(path), "entity_type": f.entity_type,
                          "start": f.start, "end": f.end, "score": round(f.score, 2)}))
    return 0
