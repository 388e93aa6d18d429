"""Configuration errors name the field and the reason, and never show a traceback."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path

import pytest

from proxy.settings import ConfigError, load_settings
from tests.support import ROOT, write_config

VALID = {
    "default_region": "eu",
    "identity": {"issuer": "i", "audience": "a", "algorithms": ["HS256"],
                 "hs_secret": "${TEST_GW_SECRET}"},
    "systems": {"crm": {"prefix": "/crm", "upstreams": {"eu": "http://127.0.0.1:9/api"}}},
}


def with_change(path: str, value) -> dict:
    config = copy.deepcopy(VALID)
    *parents, last = path.split(".")
    node = config
    for key in parents:
        node = node[key]
    node[last] = value
    return config


@pytest.fixture(autouse=True)
def secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_GW_SECRET", "s" * 40)


def error_for(tmp_path: Path, config: dict) -> str:
    with pytest.raises(ConfigError) as info:
        load_settings(write_config(tmp_path / "gw.yaml", config))
    return str(info.value)


def test_valid_file_loads_with_secret_from_environment(tmp_path: Path) -> None:
    settings = load_settings(write_config(tmp_path / "gw.yaml", VALID))
    assert settings.identity.hs_secret == "s" * 40
    assert settings.systems["crm"].upstreams["eu"].url == "http://127.0.0.1:9/api"


def test_bad_upstream_url_names_the_path(tmp_path: Path) -> None:
    config = with_change("systems.crm.upstreams", {"eu": "ftp//nope"})
    assert error_for(tmp_path, config) == "systems.crm.upstreams.eu: not a URL"


def test_bad_public_url_names_the_field(tmp_path: Path) -> None:
    assert error_for(tmp_path, {**VALID, "public_url": "gw.example.com"}) == \
        "public_url: not a URL"


def test_missing_environment_variable(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("TEST_GW_SECRET")
    assert error_for(tmp_path, VALID) == \
        "identity.hs_secret: environment variable TEST_GW_SECRET is not set"


def test_unknown_field_and_missing_field(tmp_path: Path) -> None:
    message = error_for(tmp_path, with_change("systems.crm.prefx", "/x"))
    assert "systems.crm.prefx: Extra inputs are not permitted" in message
    config = {k: v for k, v in VALID.items() if k != "identity"}
    assert error_for(tmp_path, config) == "identity: Field required"


def test_default_region_needs_an_upstream(tmp_path: Path) -> None:
    message = error_for(tmp_path, with_change("default_region", "cn"))
    assert message == "systems.crm.upstreams: no upstream for the default region 'cn'"


def test_reserved_prefix_and_weak_secret(tmp_path: Path, monkeypatch) -> None:
    assert "reserved" in error_for(tmp_path, with_change("systems.crm.prefix", "/admin"))
    monkeypatch.setenv("TEST_GW_SECRET", "short")
    assert "at least 32 characters" in error_for(tmp_path, VALID)


def test_invalid_yaml_reports_the_line(tmp_path: Path) -> None:
    path = tmp_path / "gw.yaml"
    path.write_text("default_region: eu\nsystems: [\n")
    with pytest.raises(ConfigError, match="line 3"):
        load_settings(path)


def test_cli_reports_config_errors_without_traceback(tmp_path: Path) -> None:
    path = write_config(tmp_path / "gw.yaml", with_change("systems.crm.upstreams",
                                                          {"eu": "not a url"}))
    result = subprocess.run([sys.executable, "-m", "proxy.cli", "serve", "--config", str(path)],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "systems.crm.upstreams.eu: not a URL" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_route_names_the_route(tmp_path: Path) -> None:
    config = with_change("systems.crm.routes", ["/contacts/{id}", "contacts/{id"])
    message = error_for(tmp_path, config)
    assert message.startswith("systems.crm.routes.1: 'contacts/{id'")


def test_a_systems_field_entries_are_checked_like_the_global_ones(tmp_path: Path) -> None:
    config = with_change("systems.crm.pii", {"catalog": {"AccountNumber": "bank account"}})
    assert error_for(tmp_path, config) == (
        "systems.crm.pii.catalog: entity type 'bank account' must look like "
        "UPPER_CASE")
    # Keys protect every system's data alike: they are set once, under pii.
    config = with_change("systems.crm.pii", {"hmac_key": "a" * 44})
    assert "systems.crm.pii.hmac_key: Extra inputs are not permitted" in error_for(tmp_path,
                                                                                   config)
