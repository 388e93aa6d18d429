"""Secret key files under data_dir: created once, owner-only (0600), never overwritten."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path


def read_or_create_key_file(path: Path, create: Callable[[], bytes]) -> bytes:
    """Return the file's bytes, creating it with ``create()`` if absent. O_EXCL makes two
    processes starting together agree on one key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes()
    with os.fdopen(fd, "wb") as handle:
        handle.write(create())
    return path.read_bytes()
