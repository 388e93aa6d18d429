"""Identifiers the gateway gives requests and decisions: unique, cheap, not secret.

32 hex digits: a random per-process prefix (64 bits) and a counter, about a tenth of the cost
of ``uuid4``, which asks the kernel for randomness every time. A forked child draws a new
prefix, so parent and child never hand out the same id.
"""

from __future__ import annotations

import itertools
import os
import secrets


class _Ids:
    def __init__(self) -> None:
        self.reseed()

    def reseed(self) -> None:
        self.prefix = secrets.token_hex(8)
        self.counter = itertools.count()

    def new(self) -> str:
        return f"{self.prefix}{next(self.counter) & 0xFFFF_FFFF_FFFF_FFFF:016x}"


_ids = _Ids()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_ids.reseed)


def new_id() -> str:
    return _ids.new()
