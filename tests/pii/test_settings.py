from __future__ import annotations

import base64
from pathlib import Path

import pytest
from pydantic import ValidationError

from proxy.pii.settings import PiiSettings
from proxy.settings import ConfigError, Settings, load_settings
from tests.support import write_config


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
    {"catalog": {"mobile": "phone"}},
    {"max_text_chars": 0},
    {"surprise": True},
])
def test_invalid_settings_are_rejected(raw: dict) -> None:
    with pytest.raises(ValidationError):
        PiiSettings.model_validate(raw)


@pytest.mark.parametrize("name", ["profiles", "unknown_role_profile"])
def test_removed_profile_settings_are_refused_naming_the_field(name: str,
                                                               tmp_path: Path) -> None:
    # Profiles come from the policy decision now: an old configuration file with a
    # `pii.profiles` section fails to load (the gateway does not start) instead of being
    # silently ignored.
    config = {
        "default_region": "eu",
        "identity": {"issuer": "i", "audience": "a", "algorithms": ["HS256"],
                     "hs_secret": "s" * 40},
        "systems": {"crm": {"prefix": "/crm", "upstreams": {"eu": "http://127.0.0.1:9/api"}}},
        "pii": {name: {"agent": {"*": {"default": "keep"}}}, "english_ner": False},
    }
    with pytest.raises(ConfigError) as error:
        load_settings(write_config(tmp_path / "gateway.yaml", config))
    message = str(error.value)
    assert message.startswith(f"pii.{name}: no longer supported: ")
    assert "policy data" in message and "data/masking.json" in message
    assert "\n" not in message  # just this one error
    with pytest.raises(ValidationError, match=name):
        PiiSettings.model_validate({name: {}})
    assert name not in PiiSettings.model_fields
