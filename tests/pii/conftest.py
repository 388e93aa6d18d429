from __future__ import annotations

import pytest

from proxy.pii.analyzer import Detector
from proxy.pii.masker import Masker
from proxy.pii.settings import PiiSettings
from proxy.pii.tokens import InMemoryKeyStore


@pytest.fixture(scope="session")
def detector() -> Detector:
    return Detector.default()


@pytest.fixture(scope="session")
def keystore() -> InMemoryKeyStore:
    return InMemoryKeyStore()


@pytest.fixture(scope="session")
def masker(detector: Detector, keystore: InMemoryKeyStore) -> Masker:
    settings = PiiSettings()
    from proxy.pii.catalog import Catalog
    from proxy.pii.tokens import Tokenizer

    return Masker(detector, Catalog(), settings,
                  Tokenizer(keystore, settings.key_bytes("token_master_key")))


def found(detector: Detector, text: str) -> list[tuple[str, str]]:
    return [(f.entity_type, text[f.start:f.end]) for f in detector.analyze(text)]
