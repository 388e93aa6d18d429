"""A policy set on disk: Rego modules, their tests and data, with a content revision."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_PACKAGE = re.compile(r"^package\s+([A-Za-z_][\w.]*)", re.MULTILINE)


class PolicyError(Exception):
    """A policy set that cannot be used (unreadable, invalid data, fails to compile or its
    tests). The message is meant for the compliance team that wrote it."""


@dataclass(frozen=True)
class PolicySet:
    """``modules`` and ``tests`` map file names to Rego source (``*_test.rego`` are tests);
    ``data`` holds each ``data/<name>.json`` under ``data.<name>``."""

    directory: Path
    modules: dict[str, str]
    tests: dict[str, str]
    data: dict[str, Any]
    revision: str

    @classmethod
    def load(cls, directory: Path) -> PolicySet:
        directory = Path(directory)
        if not directory.is_dir():
            raise PolicyError(f"{directory}: not a directory")
        sources = {p.name: _read(p) for p in sorted(directory.glob("*.rego"))}
        if not sources:
            raise PolicyError(f"{directory}: no .rego files")
        data_files = {p.stem: _read(p) for p in sorted((directory / "data").glob("*.json"))}
        data = {name: _parse_json(f"data/{name}.json", text) for name, text in data_files.items()}
        _check_namespaces(sources, data)
        return cls(directory=directory,
                   modules={n: s for n, s in sources.items() if not n.endswith("_test.rego")},
                   tests={n: s for n, s in sources.items() if n.endswith("_test.rego")},
                   data=data,
                   revision=_revision(sources, data_files))

    def packages(self, *, tests: bool) -> dict[str, str]:
        """File name -> package name, of the tests or of the policy modules."""
        files = self.tests if tests else self.modules
        return {name: _package(name, source) for name, source in files.items()}


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(f"{path}: cannot read ({exc})") from None


def _parse_json(name: str, text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise PolicyError(f"{name}: invalid JSON (line {exc.lineno}: {exc.msg})") from None


def _package(name: str, source: str) -> str:
    match = _PACKAGE.search(source)
    if not match:
        raise PolicyError(f"{name}: no package declaration")
    return match.group(1)


def _check_namespaces(sources: dict[str, str], data: dict[str, Any]) -> None:
    roots = {_package(name, source).split(".")[0] for name, source in sources.items()}
    clash = roots & set(data)
    if clash:
        raise PolicyError(f"data/{sorted(clash)[0]}.json: its name is also a package root")


def _revision(sources: dict[str, str], data_files: dict[str, str]) -> str:
    digest = hashlib.sha256()
    files = [(n, s) for n, s in sources.items()] + [(f"data/{n}.json", t)
                                                    for n, t in data_files.items()]
    for name, text in sorted(files):
        digest.update(f"{name}\0{len(text.encode())}\0".encode())
        digest.update(text.encode())
    return digest.hexdigest()[:16]
