"""Verify an unpacked evidence pack; copied into every pack as verify/verify_pack.py.

Usage: python verify/verify_pack.py PACK_DIR   (needs Python 3.11+ and `cryptography`)

Checks, in order: every file matches manifest.sha256 and no file is unlisted; every
checkpoint signature is valid under public_key.pem; every header hashes to its entry_hash;
every entry's fields hash to its fields_sha256 and match its header; from every entry the
headers link forward unbroken to a signed checkpoint; every evidence file matches the
SHA-256 recorded in the chain when it was uploaded.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from proxy.audit.chain import canonical, entry_hash, sha256_hex

MANIFEST = "manifest.sha256"


def _jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line]


def _manifest_problems(root: Path) -> list[str]:
    listed: dict[str, str] = {}
    for line in (root / MANIFEST).read_text("utf-8").splitlines():
        digest, name = line.split("  ", 1)
        listed[name] = digest
    present = {p.relative_to(root).as_posix() for p in root.rglob("*")
               if p.is_file() and "__pycache__" not in p.parts}  # made by running verify/
    problems = [f"{name}: not listed in the manifest" for name in sorted(present - set(listed))
                if name != MANIFEST]
    for name, digest in sorted(listed.items()):
        path = root / name
        if not path.is_file():
            problems.append(f"{name}: listed in the manifest but missing")
        elif hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            problems.append(f"{name}: SHA-256 differs from the manifest")
    return problems


def _checkpoints(root: Path, problems: list[str]) -> dict[tuple[str, int], str]:
    """Signed (log, seq) -> entry_hash, for checkpoints whose signature is valid."""
    public_key = load_pem_public_key((root / "public_key.pem").read_bytes())
    signed = {}
    for message_path in sorted((root / "checkpoints").glob("*.json")):
        message = message_path.read_bytes()
        try:
            public_key.verify(message_path.with_suffix(".sig").read_bytes(), message)
        except (InvalidSignature, OSError):
            problems.append(f"{message_path.name}: signature is not valid")
            continue
        checkpoint = json.loads(message)
        signed[(checkpoint["log"], checkpoint["seq"])] = checkpoint["entry_hash"]
    return signed


def _anchored(log: str, seq: int, headers: dict[tuple[str, int], dict[str, Any]],
              signed: dict[tuple[str, int], str]) -> bool:
    while (log, seq) not in signed:
        following = headers.get((log, seq + 1))
        if following is None or following["prev_hash"] != headers[(log, seq)]["entry_hash"]:
            return False
        seq += 1
    return signed[(log, seq)] == headers[(log, seq)]["entry_hash"]


def verify_pack(root: Path) -> list[str]:
    problems = _manifest_problems(root)
    signed = _checkpoints(root, problems)
    headers = {}
    for header in _jsonl(root / "chain" / "headers.jsonl"):
        if entry_hash(header) != header["entry_hash"]:
            problems.append(f"header {header['log']}:{header['seq']}: hash mismatch")
        headers[(header["log"], header["seq"])] = header
    entries = _jsonl(root / "timeline.jsonl") + _jsonl(root / "decisions.jsonl")
    for entry in entries:
        where = f"entry {entry['log']}:{entry['seq']}"
        header = headers.get((entry["log"], entry["seq"]))
        if header is None or any(entry[k] != header[k] for k in header):
            problems.append(f"{where}: does not match the chain headers")
        elif entry["fields"] is not None and (
                sha256_hex(canonical(entry["fields"])) != entry["fields_sha256"]):
            problems.append(f"{where}: content differs from its recorded digest")
        elif not _anchored(entry["log"], entry["seq"], headers, signed):
            problems.append(f"{where}: not linked to a signed checkpoint")
    for entry in entries:
        fields = entry["fields"] or {}
        if entry["kind"] == "evidence.added":
            for path in (root / "evidence").glob(f"{fields['item_id']}.*"):
                if sha256_hex(path.read_bytes()) != fields["sha256"]:
                    problems.append(f"{path.name}: differs from the file recorded in the chain")
    return problems


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__)
        return 2
    problems = verify_pack(Path(argv[1]))
    for problem in problems:
        print(f"FAIL {problem}")
    if not problems:
        print("OK: manifest, signatures, chain links and evidence hashes all verify")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
