from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest

from proxy.app import create_app
from proxy.settings import parse_settings
from tests.proxy.upstream import create_upstream
from tests.support import free_port, serve_in_thread

SECRET = "test-secret-that-is-long-enough-0123456789"


def gateway_config(eu_url: str, us_url: str, data_dir: Path,
                   **overrides: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "default_region": "eu", "data_dir": str(data_dir),
        "policy": {"run_tests_on_load": False},  # tests/policies runs them once
        "identity": {"issuer": "test-issuer", "audience": "test-gw", "algorithms": ["HS256"],
                     "hs_secret": SECRET},
        "limits": {"max_request_body_bytes": 200_000, "read_timeout_seconds": 1,
                   "max_decoded_body_bytes": 5_000_000},
        "systems": {"crm": {
            "prefix": "/crm", "routing_key": {"header": "X-Subject-Region"},
            "auth": {"type": "bearer", "token": "upstream-secret"},
            "upstreams": {"eu": f"{eu_url}/api", "us": f"{us_url}/api"}}},
    }
    config.update(overrides)
    return config


def make_token(role: str = "dpo", region: str = "eu", **claims: Any) -> str:
    now = int(time.time())
    payload = {"iss": "test-issuer", "aud": "test-gw", "sub": "u-1", "role": role,
               "region": region, "purpose": "support", "iat": now, "exp": now + 300}
    payload.update(claims)
    return jwt.encode(payload, SECRET, algorithm="HS256")


@pytest.fixture(scope="module")
def upstream() -> Iterator[str]:
    with serve_in_thread(create_upstream()) as url:
        yield url


@pytest.fixture(scope="module")
def gateway(upstream: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens here
    settings = parse_settings(gateway_config(upstream, dead, tmp_path_factory.mktemp("gw")))
    with serve_in_thread(create_app(settings), proxy_headers=False) as url:
        yield url


@pytest.fixture()
def auth() -> dict[str, str]:
    """A DPO (whose profile keeps everything) reading an EU subject: plain forwarding."""
    return {"Authorization": f"Bearer {make_token()}", "X-Subject-Region": "eu"}
