"""Token key store: keys persist wrapped (never raw) in the database, are shared across
store instances, and destroying one makes it unrecoverable (crypto-shredding)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from proxy.db import Database, DatabaseSettings
from proxy.db.master_key import MasterKey, MasterKeyError
from proxy.db.tables import token_keys
from proxy.keystore import SqlKeyStore


@pytest.fixture
def master() -> MasterKey:
    return MasterKey(os.urandom(32))


@pytest.fixture
def engine(db: Database) -> Iterator[Engine]:
    engine = db.sync_engine()
    yield engine
    engine.dispose()


def test_keys_persist_wrapped_and_are_shared(engine: Engine, master: MasterKey) -> None:
    first = SqlKeyStore(engine, master)
    key = first.get_or_create("subject:42")
    assert len(key) == 64
    assert SqlKeyStore(engine, master).get("subject:42") == key
    with engine.connect() as connection:
        stored = connection.execute(select(token_keys.c.wrapped_key)).scalar_one()
    assert key not in stored
    with pytest.raises(MasterKeyError):
        SqlKeyStore(engine, MasterKey(os.urandom(32))).get("subject:42")


def test_destroy_shreds_the_key_everywhere(engine: Engine, master: MasterKey) -> None:
    store, other = SqlKeyStore(engine, master), SqlKeyStore(engine, master, cache_ttl=0)
    key = store.get_or_create("subject:42")
    other.get("subject:42")
    assert store.destroy("subject:42") is True
    assert store.get("subject:42") is None and other.get("subject:42") is None
    assert store.destroy("subject:42") is False
    fresh = store.get_or_create("subject:42")
    assert fresh != key  # old tokens stay unreadable


def test_concurrent_creation_yields_one_key(engine: Engine, master: MasterKey) -> None:
    stores = [SqlKeyStore(engine, master) for _ in range(8)]
    with ThreadPoolExecutor(8) as pool:
        keys = list(pool.map(lambda s: s.get_or_create("subject:7"), stores))
    assert len(set(keys)) == 1


def test_master_key_file_is_created_private(tmp_path: Path) -> None:
    settings = DatabaseSettings()
    first = MasterKey.load(settings, tmp_path)
    path = tmp_path / "master.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert MasterKey.load(settings, tmp_path).wrap(b"k" * 32) == first.wrap(b"k" * 32)
