from __future__ import annotations

import base64

import pytest
from pydantic import ValidationError

from proxy.pii.settings import PiiSettings
from proxy.settings import Settings


def test_defaults_work_and_are_registered_on_the_root_settings() -> None:
    assert Settings.model_fields["pii"].default == PiiSettings()
    settings = PiiSettings()
    assert len(settings.key_bytes("hmac_key")) == 32
    assert settings.key_bytes("hmac_key") == PiiSettings().key_bytes("hmac_key")


def test_configured_keys_are_used() -> None:
    key = base64.b64encode(b"k" * 32).decode()
    assert PiiSettings(hmac_key=key).key_bytes("hmac_key") == b"k" * 32


@pytest.mark.parametrize("raw", [
    {"hmac_key": "not base64!"},
    {"token_master_key": base64.b64encode(b"short").decode()},
    {"profiles": {"agent": {"*": {"default": "blur"}}}},
    {"unknown_role_profile": {"default": "keep", "extra": 1}},
    {"catalog": {"mobile": "phone"}},
    {"max_text_chars": 0},
    {"surprise": True},
])
def test_invalid_settings_are_rejected(raw: dict) -> None:
    with pytest.raises(ValidationError):
        PiiSettings.model_validate(raw)
