from __future__ import annotations

import functools

import pytest

from proxy.decisions.role_profile import policy_profile
from proxy.pii.analyzer import Detector
from proxy.pii.masker import Masker
from proxy.pii.profiles import Operator, Profile
from proxy.pii.settings import PiiSettings
from proxy.pii.tokens import InMemoryKeyStore


@functools.cache
def policy(role: str, purpose: str | None = None) -> Profile:
    """The masking profile the shipped policy gives ``role`` (evaluated by the embedded
    engine, as the gateway does), so these tests follow any change of the policy."""
    return policy_profile(role, purpose)


# Profiles the masking tests run with, by name: the policy's for its roles that mask, an
# explicit one for the token operator, and the one unknown roles get.
MASKING_PROFILES = ("analyst", "supervisor/quality_review", "all tokens", "unknown role")


def masking_profile(name: str) -> Profile:
    if name == "all tokens":  # every entity as a token, detokenizable
        return Profile(default=Operator.TOKEN, detokenize=True)
    if name == "unknown role":  # the policy's `restricted`; test_masker checks that it is
        return Profile.most_restrictive()
    return policy(*name.split("/"))


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
