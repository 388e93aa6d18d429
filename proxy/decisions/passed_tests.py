"""Policy sets whose tests passed, remembered by content.

A set's tests run on every start and reload, and take seconds (about 7 s for the shipped
set): a gateway restart, a worker, or a `privacy-gateway mask` call would pay them each time.
A set whose files, query, engine and test runner are all unchanged since its tests last
passed is not tested again; any change to one of them tests it again. Only passes are
remembered, so a failing set is tested every time.

One small file per verdict under the data directory. Whoever can write there can also
replace the key store and the audit database, so it is trusted like them.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
from functools import cache
from importlib.metadata import version
from pathlib import Path


class PassedTests:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def passed(self, revision: str, query: str) -> int | None:
        """How many tests passed for this set, if they passed under the same engine."""
        try:
            verdict = json.loads(self._path(revision, query).read_text())
        except (OSError, ValueError):
            return None
        passed = verdict.get("passed") if isinstance(verdict, dict) else None
        return passed if type(passed) is int and passed >= 0 else None

    def record(self, revision: str, query: str, passed: int) -> None:
        """Remember a pass; a verdict that cannot be written is only a slower next start."""
        path = self._path(revision, query)
        temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        with contextlib.suppress(OSError):
            self.directory.mkdir(parents=True, exist_ok=True)
            temporary.write_text(json.dumps({"revision": revision, "passed": passed}))
            temporary.replace(path)  # atomic: workers starting together never read half

    def _path(self, revision: str, query: str) -> Path:
        key = hashlib.sha256("\0".join((revision, query, _engine())).encode()).hexdigest()
        return self.directory / f"{key}.json"


_RUNNER = ("proxy.decisions.policy_tests", "proxy.decisions.embedded")


@cache
def _engine() -> str:
    """What else decides whether tests pass: the engine's version and the test runner's
    code (hashed, so that a changed runner in a checkout tests again)."""
    digest = hashlib.sha256()
    for module in _RUNNER:
        spec = importlib.util.find_spec(module)
        digest.update(Path(spec.origin).read_bytes() if spec and spec.origin else b"")
    return "\0".join((version("regopy"), version("privacy-gateway"), digest.hexdigest()))
