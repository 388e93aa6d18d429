"""`privacy-gateway audit ...`: verify the chain, search it, export case packs and the public
key, purge by retention, benchmark the writer."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import zipfile
from pathlib import Path

from proxy.audit.bench import run_http_bench, run_writer_bench
from proxy.audit.checkpoints import Signer, load_public_key, public_key_pem
from proxy.audit.pack import export_case_pack
from proxy.audit.pack_verify import verify_pack
from proxy.audit.retention import purge_expired
from proxy.audit.runtime import audit_services
from proxy.audit.search import SearchQuery, search
from proxy.audit.verify import verify_database
from proxy.commands._common import add_config_argument, settings_or_exit
from proxy.db import Database
from proxy.db.tables import audit_checkpoints

_SEARCH_FILTERS = ("since", "until", "caller", "subject", "subject_hash", "system", "outcome",
                   "case_id", "kind", "log", "after_seq", "limit")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("audit", help="tamper-evident audit log and evidence packs")
    actions = parser.add_subparsers(dest="audit_action", required=True)

    verify = _action(actions, "verify", "check every entry, link and signed checkpoint",
                     _verify)
    verify.add_argument("--public-key", type=Path,
                        help="verify with this exported key instead of the local signing key")

    find = _action(actions, "search", "find entries (prints JSON lines)", _search)
    for name in _SEARCH_FILTERS:
        option = "--case" if name == "case_id" else f"--{name.replace('_', '-')}"
        find.add_argument(option, dest=name, type=int if name in {"after_seq", "limit"} else str)

    export = _action(actions, "export", "write the evidence pack of one case", _export)
    export.add_argument("--case", required=True)
    export.add_argument("--out", type=Path, help="zip file (default: case-<ID>.zip)")
    export.add_argument("--by", default="cli", help="who exports (recorded in the log)")

    key = _action(actions, "export-key", "print the checkpoint public key (PEM)", _export_key)
    key.add_argument("--checkpoints", type=Path, help="also write all checkpoints (JSON lines)")

    purge = _action(actions, "purge", "purge entries and evidence past retention", _purge)
    purge.add_argument("--by", default="cli", help="who purges (recorded in the log)")

    pack = actions.add_parser("verify-pack", help="verify an exported evidence pack (zip/dir)")
    pack.add_argument("pack", type=Path)
    pack.set_defaults(handler=_verify_pack)

    bench = actions.add_parser("bench", help="audit cost: per-append latency, appends/s, "
                                             "HTTP throughput on/off (uses a scratch database)")
    bench.add_argument("--database-url", help="scratch database (default: temporary SQLite)")
    bench.add_argument("--entries", type=int, default=50_000)
    bench.add_argument("--seconds", type=float, default=5)
    bench.add_argument("--connections", type=int, default=16)
    bench.set_defaults(handler=_bench)


def _action(actions: argparse._SubParsersAction, name: str, help_text: str,
            coroutine: object) -> argparse.ArgumentParser:
    parser = actions.add_parser(name, help=help_text)
    add_config_argument(parser)
    parser.set_defaults(handler=lambda args: asyncio.run(coroutine(args)))
    return parser


async def _verify(args: argparse.Namespace) -> int:
    """Reads only: never creates a signing key (an auditor may run it on a copy)."""
    settings = settings_or_exit(args.config)
    key_file = settings.audit.resolved_signing_key_file(settings.data_dir)
    if args.public_key:
        public_key = load_public_key(args.public_key.read_bytes())
    elif key_file.exists():
        public_key = Signer.from_file(key_file).public_key
    else:
        print(f"no signing key at {key_file}: pass --public-key", file=sys.stderr)
        return 2
    db = await Database.open(settings.database.resolved_url(settings.data_dir),
                             schema=settings.database.schema_name, migrate_to=None)
    try:
        report = await verify_database(db, public_key)
    finally:
        await db.close()
    if report.ok:
        print(f"OK: {report.entries} entries and {report.checkpoints} signed checkpoints verify")
        return 0
    print(f"FAILED at {report.first_problem}", file=sys.stderr)
    for problem in report.problems[1:10]:
        print(f"  also: {problem}", file=sys.stderr)
    return 1


async def _search(args: argparse.Namespace) -> int:
    query = SearchQuery(**{k: getattr(args, k) for k in _SEARCH_FILTERS
                           if getattr(args, k) is not None})
    async with audit_services(settings_or_exit(args.config)) as services:
        for entry in await search(services.db, query, services.log.hash_identifier):
            print(json.dumps(entry, ensure_ascii=False, sort_keys=True))
    return 0


async def _export(args: argparse.Namespace) -> int:
    out = args.out or Path(f"case-{args.case}.zip")
    async with audit_services(settings_or_exit(args.config)) as services:
        summary = await export_case_pack(services.log, services.evidence, args.case, args.by,
                                         out)
    print(f"{out}: {summary.entries} case entries, {summary.decisions} decisions, "
          f"{summary.evidence_files} evidence files, {summary.checkpoints} checkpoints; "
          f"sha256 {summary.sha256}")
    return 0


async def _export_key(args: argparse.Namespace) -> int:
    async with audit_services(settings_or_exit(args.config)) as services:
        sys.stdout.write(public_key_pem(services.log.signer.public_key).decode())
        if args.checkpoints:
            async with services.db.engine.connect() as connection:
                rows = await connection.execute(audit_checkpoints.select().order_by(
                    audit_checkpoints.c.log, audit_checkpoints.c.seq))
                args.checkpoints.write_text("".join(
                    json.dumps(dict(row._mapping), sort_keys=True) + "\n" for row in rows))
    return 0


async def _purge(args: argparse.Namespace) -> int:
    async with audit_services(settings_or_exit(args.config)) as services:
        report = await purge_expired(services.log, args.by)
    for category, count in sorted(report.entries.items()):
        print(f"{category}: {count} entries purged (tombstones kept)")
    print(f"evidence: {report.evidence} files purged")
    return 0


def _verify_pack(args: argparse.Namespace) -> int:
    if args.pack.is_dir():
        problems = verify_pack(args.pack)
    else:
        with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(args.pack) as archive:
            archive.extractall(tmp)
            problems = verify_pack(Path(tmp))
    for problem in problems:
        print(f"FAIL {problem}", file=sys.stderr)
    if not problems:
        print(f"OK: {args.pack} verifies")
    return 1 if problems else 0


def _bench(args: argparse.Namespace) -> int:
    asyncio.run(run_writer_bench(args.database_url, args.entries))
    run_http_bench(args.seconds, args.connections, args.database_url)
    return 0
