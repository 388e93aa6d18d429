"""Case evidence pack: contents, manifest hashes, and verification after being copied
elsewhere, with the bundled verifier and with standard tools."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from proxy.audit.evidence import EvidenceStore
from proxy.audit.pack import export_case_pack
from proxy.audit.pack_verify import verify_pack
from proxy.audit.writer import AuditLog
from proxy.db.master_key import MasterKey
from proxy.settings import Settings
from tests.audit.helpers import fill

PDF = b"%PDF-1.4\n% scanned passport\n" + bytes(range(256))
SUBJECT = "customer-4711"


@pytest.fixture
async def pack(audit_log: AuditLog, settings: Settings, tmp_path: Path) -> Path:
    store = EvidenceStore(audit_log, MasterKey.load(settings.database, settings.data_dir),
                          settings.audit.evidence)
    subject_hash = audit_log.hash_identifier(SUBJECT)
    await fill(audit_log, 7, subject="someone-else")
    audit_log.append("dsar.created", {"case_id": "case-1", "subject_hash": subject_hash,
                                      "request": "access"})
    await fill(audit_log, 5, subject=SUBJECT)
    await store.add("case-1", "identity_document", "passport.pdf", "application/pdf", PDF,
                    "dpo-1")
    audit_log.append("dsar.verified", {"case_id": "case-1", "caller": {"sub": "dpo-1"}})
    await fill(audit_log, 30, subject="someone-else")
    path = tmp_path / "export" / "case-1.zip"
    path.parent.mkdir()
    summary = await export_case_pack(audit_log, store, "case-1", "dpo-1", path)
    assert (summary.entries, summary.decisions, summary.evidence_files) == (3, 5, 1)
    assert summary.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    copied = tmp_path / "elsewhere"
    with zipfile.ZipFile(shutil.copy(path, tmp_path / "copy.zip")) as archive:
        archive.extractall(copied)
    return copied


def test_pack_holds_timeline_decisions_evidence_and_manifest(pack: Path) -> None:
    timeline = [json.loads(line) for line in (pack / "timeline.jsonl").read_text().splitlines()]
    assert [e["kind"] for e in timeline] == ["dsar.created", "evidence.added", "dsar.verified"]
    decisions = (pack / "decisions.jsonl").read_text().splitlines()
    assert len(decisions) == 5
    assert (pack / "evidence" / f"{timeline[1]['fields']['item_id']}.pdf").read_bytes() == PDF
    manifest = dict(reversed(line.split("  ")) for line in
                    (pack / "manifest.sha256").read_text().splitlines())
    files = {p.relative_to(pack).as_posix() for p in pack.rglob("*") if p.is_file()}
    assert set(manifest) == files - {"manifest.sha256"}
    for name, digest in manifest.items():
        assert hashlib.sha256((pack / name).read_bytes()).hexdigest() == digest
    assert list((pack / "checkpoints").glob("*.sig"))


def test_copied_pack_verifies_with_bundled_script(pack: Path) -> None:
    assert verify_pack(pack) == []
    result = subprocess.run([sys.executable, "verify/verify_pack.py", "."], cwd=pack,
                            capture_output=True, text=True, check=False,
                            env={"PYTHONPATH": ""})
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("OK")


@pytest.mark.skipif(not (shutil.which("openssl") and shutil.which("sha256sum")),
                    reason="openssl / sha256sum not installed")
def test_copied_pack_verifies_with_standard_tools(pack: Path) -> None:
    subprocess.run(["sha256sum", "--quiet", "-c", "manifest.sha256"], cwd=pack, check=True)
    for message in (pack / "checkpoints").glob("*.json"):
        subprocess.run(["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", "public_key.pem",
                        "-rawin", "-in", str(message), "-sigfile",
                        str(message.with_suffix(".sig"))], cwd=pack, check=True,
                       capture_output=True)


def test_edited_pack_fails_verification(pack: Path) -> None:
    timeline = pack / "timeline.jsonl"
    timeline.write_text(timeline.read_text().replace('"access"', '"erasure"'))
    assert verify_pack(pack) == ["timeline.jsonl: SHA-256 differs from the manifest",
                                 "entry main:8: content differs from its recorded digest"]


def test_swapped_evidence_fails_verification_even_with_fixed_manifest(pack: Path) -> None:
    evidence = next((pack / "evidence").iterdir())
    evidence.write_bytes(PDF + b"appended")
    manifest = pack / "manifest.sha256"
    manifest.write_text("".join(
        f"{hashlib.sha256((pack / name).read_bytes()).hexdigest()}  {name}\n"
        for name in (line.split("  ")[1] for line in manifest.read_text().splitlines())))
    assert verify_pack(pack) == [f"{evidence.name}: differs from the file recorded in the chain"]
