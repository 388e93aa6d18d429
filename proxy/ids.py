"""Identifiers the gateway gives requests and decisions: unique, cheap, not secret.

A random per-process prefix (so replicas and restarts never collide) and a counter: a tenth
of the cost of ``uuid4``, which asks the kernel for randomness every time.
"""

from __future__ import annotations

import itertools
import os

_PREFIX = os.urandom(8).hex()
_COUNTER = itertools.count(1)


def new_id() -> str:
    """32 hex digits, like a uuid4's hex."""
    return f"{_PREFIX}{next(_COUNTER):016x}"
