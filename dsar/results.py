"""The encrypted per-case result store under ``<data_dir>/dsar/cases/<case id>/``.

Every case has its own AES-256 key, stored wrapped by the gateway's master key. Found records
(one JSON line each, per system and region), subject facts shared between a case's tasks,
progress journals and the export zip are sealed with it (see ``dsar.sealed``). ``destroy``
deletes the wrapped key first, so even a file a crash left behind is unreadable.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from dsar.sealed import SealedWriter, read_sealed
from proxy.db.master_key import MasterKey

_SAFE = re.compile(r"^[A-Za-z0-9._-]{1,128}$")
_KEY_FILE = "case.key"


def _name(*parts: str) -> str:
    for part in parts:
        if not _SAFE.match(part) or part.startswith("."):
            raise ValueError("case ids, systems and regions must be plain names")
    return ".".join(parts)


class RecordWriter:
    """Appends JSON lines to one sealed file; nothing is visible until ``commit``."""

    def __init__(self, sealed: SealedWriter) -> None:
        self._sealed = sealed
        self.count = 0

    def write(self, item: dict[str, Any]) -> None:
        self._sealed.write(json.dumps(item, ensure_ascii=False, separators=(",", ":")).encode()
                           + b"\n")
        self.count += 1


class ResultStore:
    def __init__(self, root: Path, master: MasterKey) -> None:
        self.root = root
        self._master = master

    def case_dir(self, case_id: str) -> Path:
        return self.root / _name(case_id)

    # --- the case key ------------------------------------------------------------------

    def _key(self, case_id: str) -> bytes:
        """The case key, created on first use. Tasks of one case may run in several processes
        at once: the key file is published with a hard link, so only one key ever wins."""
        directory = self.case_dir(case_id)
        path = directory / _KEY_FILE
        if not path.exists():
            directory.mkdir(parents=True, exist_ok=True)
            candidate = directory / f"{_KEY_FILE}.{os.getpid()}.{os.urandom(4).hex()}"
            candidate.write_bytes(self._master.wrap(os.urandom(32)))
            with contextlib.suppress(FileExistsError):
                os.link(candidate, path)
            candidate.unlink()
        return self._master.unwrap(path.read_bytes())

    def _associated(self, case_id: str, name: str) -> bytes:
        return f"dsar-results:{case_id}:{name}".encode()

    # --- sealed files ------------------------------------------------------------------

    def sealed_writer(self, case_id: str, name: str) -> SealedWriter:
        key = self._key(case_id)
        return SealedWriter(self.case_dir(case_id) / name, key, self._associated(case_id, name))

    def read_file(self, case_id: str, name: str) -> Iterator[bytes]:
        key = self._key(case_id)
        return read_sealed(self.case_dir(case_id) / name, key, self._associated(case_id, name))

    def exists(self, case_id: str, name: str) -> bool:
        return (self.case_dir(case_id) / name).is_file()

    # --- found records -----------------------------------------------------------------

    @contextlib.contextmanager
    def records_writer(self, case_id: str, system: str, region: str) -> Iterator[RecordWriter]:
        """Replace the records of one system and region (a retried task rewrites them)."""
        sealed = self.sealed_writer(case_id, _name("records", system, region))
        try:
            writer = RecordWriter(sealed)
            yield writer
        except BaseException:
            sealed.abort()
            raise
        sealed.commit()

    def has_records(self, case_id: str, system: str, region: str) -> bool:
        return self.exists(case_id, _name("records", system, region))

    def records(self, case_id: str, system: str, region: str) -> Iterator[dict[str, Any]]:
        """The stored items of one system and region, streamed."""
        if not self.has_records(case_id, system, region):
            return
        pending = b""
        for chunk in self.read_file(case_id, _name("records", system, region)):
            lines = (pending + chunk).split(b"\n")
            pending = lines.pop()
            for line in lines:
                if line:
                    yield json.loads(line)
        if pending:
            yield json.loads(pending)

    # --- small JSON documents (facts, progress) ----------------------------------------

    def save(self, case_id: str, name: str, document: Any) -> None:
        sealed = self.sealed_writer(case_id, _name("doc", name))
        try:
            sealed.write(json.dumps(document, ensure_ascii=False).encode())
        except BaseException:
            sealed.abort()
            raise
        sealed.commit()

    def load(self, case_id: str, name: str) -> Any | None:
        if not self.exists(case_id, _name("doc", name)):
            return None
        return json.loads(b"".join(self.read_file(case_id, _name("doc", name))))

    def load_all(self, case_id: str, prefix: str) -> list[Any]:
        directory = self.case_dir(case_id)
        if not directory.is_dir():
            return []
        start = _name("doc", prefix)
        names = sorted(p.name[len("doc."):] for p in directory.iterdir()
                       if p.name.startswith(start) and not p.name.endswith(".part"))
        return [self.load(case_id, name) for name in names]

    # --- retention ---------------------------------------------------------------------

    def destroy(self, case_id: str) -> bool:
        """Crypto-shred a case: its key first, then every file. True if there was a case."""
        directory = self.case_dir(case_id)
        if not directory.exists():
            return False
        (directory / _KEY_FILE).unlink(missing_ok=True)
        shutil.rmtree(directory, ignore_errors=True)
        return True
