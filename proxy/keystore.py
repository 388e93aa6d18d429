"""Token keys for reversible masking, stored wrapped in the database.

Masking runs in worker threads, so this store is synchronous (its own sync engine on the
same database) with a small in-process cache. Destroying a key deletes its wrapped bytes:
every token made with it becomes permanently unreadable (crypto-shredding). Cached keys
expire after ``cache_ttl`` seconds so a destroy on another replica takes effect by then.
"""

from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict
from datetime import UTC, datetime

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from proxy.db.database import IMMEDIATE
from proxy.db.master_key import MasterKey
from proxy.db.tables import token_keys

KEY_BYTES = 64  # AES-SIV with AES-256


class SqlKeyStore:
    def __init__(self, engine: Engine, master: MasterKey, *, cache_size: int = 4096,
                 cache_ttl: float = 30.0) -> None:
        self._engine = engine
        self._writer = engine.execution_options(**IMMEDIATE)
        self._master = master
        self._cache: OrderedDict[str, tuple[bytes, float]] = OrderedDict()
        self._cache_size = cache_size
        self._cache_ttl = cache_ttl
        self._lock = threading.Lock()

    def get(self, key_id: str) -> bytes | None:
        cached = self._cached(key_id)
        if cached is not None:
            return cached
        with self._engine.connect() as connection:
            wrapped = connection.execute(
                select(token_keys.c.wrapped_key).where(token_keys.c.key_id == key_id)
            ).scalar()
        if wrapped is None:
            return None
        key = self._master.unwrap(wrapped)
        self._remember(key_id, key)
        return key

    def get_or_create(self, key_id: str) -> bytes:
        """The key for ``key_id``; a destroyed key is replaced by a fresh one (old tokens stay
        unreadable)."""
        key = self.get(key_id)
        if key is not None:
            return key
        wrapped = self._master.wrap(os.urandom(KEY_BYTES))
        now = datetime.now(UTC)
        with self._writer.begin() as connection:
            revived = connection.execute(
                update(token_keys)
                .where(token_keys.c.key_id == key_id, token_keys.c.wrapped_key.is_(None))
                .values(wrapped_key=wrapped, created_at=now, destroyed_at=None)
            ).rowcount
            if not revived:
                try:
                    with connection.begin_nested():
                        connection.execute(insert(token_keys).values(
                            key_id=key_id, wrapped_key=wrapped, created_at=now))
                except IntegrityError:
                    pass  # another thread or replica created it first; use theirs
        key = self.get(key_id)
        if key is None:
            raise RuntimeError("token key vanished while being created")
        return key

    def destroy(self, key_id: str) -> bool:
        with self._lock:
            self._cache.pop(key_id, None)
        with self._writer.begin() as connection:
            destroyed = connection.execute(
                update(token_keys)
                .where(token_keys.c.key_id == key_id, token_keys.c.wrapped_key.is_not(None))
                .values(wrapped_key=None, destroyed_at=datetime.now(UTC))
            ).rowcount
        with self._lock:
            self._cache.pop(key_id, None)
        return bool(destroyed)

    def _cached(self, key_id: str) -> bytes | None:
        with self._lock:
            entry = self._cache.get(key_id)
            if entry is None:
                return None
            key, stored_at = entry
            if time.monotonic() - stored_at > self._cache_ttl:
                del self._cache[key_id]
                return None
            self._cache.move_to_end(key_id)
            return key

    def _remember(self, key_id: str, key: bytes) -> None:
        with self._lock:
            self._cache[key_id] = (key, time.monotonic())
            self._cache.move_to_end(key_id)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
