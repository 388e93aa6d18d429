"""Evidence pack: one zip per case that a third party can verify with standard tools.

Contents: README.md, case.json (summary), timeline.jsonl (the case's audit entries),
decisions.jsonl (gateway decisions about the case's data subjects, matched by subject hash),
chain/headers.jsonl (entry headers linking every included entry to a signed checkpoint),
checkpoints/*.json + *.sig (signed message bytes and raw Ed25519 signatures), public_key.pem,
evidence/<item_id>.<ext> (decrypted files), verify/ (a stand-alone verifier) and
manifest.sha256 (``sha256sum -c`` format) over all of it.
"""

from __future__ import annotations

import bisect
import io
import json
import zipfile
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from proxy.audit.chain import HEADER_KEYS, sha256_hex
from proxy.audit.checkpoints import Checkpoint, public_key_pem
from proxy.audit.evidence import EvidenceStore, EvidenceUnavailable
from proxy.audit.search import entry_dict
from proxy.audit.writer import AuditLog, utc_now
from proxy.db.tables import audit_checkpoints, audit_entries

_EXTENSIONS = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg",
               "text/plain": "txt", "text/csv": "csv", "message/rfc822": "eml",
               "application/json": "json"}
_IMPORT_LINE = "from proxy.audit.chain import canonical, entry_hash, sha256_hex"


@dataclass(frozen=True, slots=True)
class PackSummary:
    case_id: str
    entries: int
    decisions: int
    evidence_files: int
    checkpoints: int
    sha256: str  # of the zip itself


def _lines(items: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(i, ensure_ascii=False, sort_keys=True) + "\n"
                   for i in items).encode()


async def _case_entries(connection: AsyncConnection, log: str, case_id: str,
                        up_to: int) -> tuple[list[Any], list[Any]]:
    table = audit_entries.c
    timeline = (await connection.execute(select(audit_entries).where(
        table.log == log, table.case_id == case_id, table.seq <= up_to)
        .order_by(table.seq))).all()
    subjects = {row.subject_hash for row in timeline if row.subject_hash}
    decisions = (await connection.execute(select(audit_entries).where(
        table.log == log, table.kind == "decision", table.subject_hash.in_(subjects),
        table.seq <= up_to).order_by(table.seq))).all() if subjects else []
    return timeline, decisions


def _segments(seqs: list[int], checkpoint_seqs: list[int]) -> list[tuple[int, int]]:
    """Merged [entry .. next checkpoint] ranges that anchor every entry to a signature."""
    ranges: list[tuple[int, int]] = []
    for seq in seqs:
        anchor = checkpoint_seqs[bisect.bisect_left(checkpoint_seqs, seq)]
        if ranges and seq <= ranges[-1][1] + 1:
            ranges[-1] = (ranges[-1][0], max(ranges[-1][1], anchor))
        else:
            ranges.append((seq, anchor))
    return ranges


async def _headers(connection: AsyncConnection, log: str,
                   ranges: list[tuple[int, int]]) -> list[dict[str, Any]]:
    if not ranges:
        return []
    table = audit_entries.c
    rows = await connection.execute(
        select(*(table[k] for k in (*HEADER_KEYS, "entry_hash"))).where(
            table.log == log, or_(*(and_(table.seq >= a, table.seq <= b) for a, b in ranges)))
        .order_by(table.seq))
    return [dict(row._mapping) for row in rows]


async def build_case_pack(log: AuditLog, store: EvidenceStore, case_id: str,
                          exported_by: str) -> tuple[bytes, PackSummary]:
    """The zip bytes of the case's evidence pack, and a summary. The export is audited."""
    latest = await log.checkpoint()  # anchor everything written so far
    async with log.db.engine.connect() as connection:
        timeline, decisions = await _case_entries(connection, log.name, case_id,
                                                  latest.seq if latest else 0)
        checkpoints = [Checkpoint(**row._mapping) for row in await connection.execute(
            select(audit_checkpoints).where(audit_checkpoints.c.log == log.name)
            .order_by(audit_checkpoints.c.seq))]
        seqs = sorted({row.seq for row in (*timeline, *decisions)})
        ranges = _segments(seqs, [c.seq for c in checkpoints])
        headers = await _headers(connection, log.name, ranges)
    used = [c for c in checkpoints if any(b == c.seq for _, b in ranges)]
    files: dict[str, bytes] = {
        "timeline.jsonl": _lines([entry_dict(r) for r in timeline]),
        "decisions.jsonl": _lines([entry_dict(r) for r in decisions]),
        "chain/headers.jsonl": _lines(headers),
        "public_key.pem": public_key_pem(log.signer.public_key),
    }
    for checkpoint in used:
        stem = f"checkpoints/{checkpoint.log}-{checkpoint.seq:012d}"
        files[f"{stem}.json"] = checkpoint.message()
        files[f"{stem}.sig"] = bytes.fromhex(checkpoint.signature)
    evidence = await _evidence_files(store, case_id, exported_by, files)
    files["case.json"] = json.dumps({
        "case_id": case_id, "exported_at": utc_now(), "log": log.name,
        "public_key_id": log.signer.key_id, "evidence": evidence,
        "counts": {"timeline": len(timeline), "decisions": len(decisions),
                   "headers": len(headers), "checkpoints": len(used)}}, indent=2).encode()
    files.update(_tooling())
    files["manifest.sha256"] = "".join(
        f"{sha256_hex(data)}  {name}\n" for name, data in sorted(files.items())).encode()
    archive = _zip(files)
    summary = PackSummary(case_id, len(timeline), len(decisions),
                          sum(1 for e in evidence if e["included"]), len(used),
                          sha256_hex(archive))
    log.append("evidence.pack_exported", {"case_id": case_id, "pack_sha256": summary.sha256,
                                          "caller": {"sub": exported_by}})
    return archive, summary


async def _evidence_files(store: EvidenceStore, case_id: str, exported_by: str,
                          files: dict[str, bytes]) -> list[dict[str, Any]]:
    listing = []
    for item in await store.items(case_id):
        record = {**asdict(item), "included": False}
        try:
            _, _, data = await store.read(case_id, item.item_id, exported_by, "exported")
        except EvidenceUnavailable as exc:
            record["unavailable"] = str(exc)
        else:
            extension = _EXTENSIONS.get(item.content_type, "bin")
            files[f"evidence/{item.item_id}.{extension}"] = data
            record["included"] = True
        listing.append(record)
    return listing


def _tooling() -> dict[str, bytes]:
    package = resources.files("proxy.audit")
    verifier = package.joinpath("pack_verify.py").read_text("utf-8")
    standalone = verifier.replace(_IMPORT_LINE, _IMPORT_LINE.replace("proxy.audit.chain",
                                                                       "chain"))
    return {"README.md": package.joinpath("pack_readme.txt").read_bytes(),
            "verify/chain.py": package.joinpath("chain.py").read_bytes(),
            "verify/verify_pack.py": standalone.encode()}


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in sorted(files.items()):
            archive.writestr(name, data)
    return buffer.getvalue()


async def export_case_pack(log: AuditLog, store: EvidenceStore, case_id: str,
                           exported_by: str, path: Path) -> PackSummary:
    archive, summary = await build_case_pack(log, store, case_id, exported_by)
    path.write_bytes(archive)
    return summary
