"""The demo, assembled for end-to-end tests: sample CRM upstreams for eu, cn and us serving
a generated dataset, and the gateway in front of them configured like
proxy/demo/config.yaml, with its own copy of the policies so tests can change them."""

from __future__ import annotations

import contextlib
import json
import re
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import jwt
import yaml

from proxy.app import GatewayApp
from proxy.commands._common import DEMO_CONFIG
from proxy.demo.dataset import Dataset
from proxy.settings import Settings, parse_settings

SECRET = "e2e-test-secret-that-is-long-enough-0123456789"
UPSTREAM_TOKEN = "demo-upstream-token"  # what proxy/demo/config.yaml sends upstream
_DEMO_UPSTREAM = re.compile(r"http://127\.0\.0\.1:\$\{DEMO_(EU|CN|US)_PORT:-\d+\}")


def demo_config(upstreams: dict[str, str], data_dir: Path, policies: Path) -> dict[str, Any]:
    """proxy/demo/config.yaml with these upstream base URLs, data dir and policy dir."""
    text = _DEMO_UPSTREAM.sub(lambda m: upstreams[m.group(1).lower()], DEMO_CONFIG.read_text())
    config = yaml.safe_load(text)
    config["data_dir"] = str(data_dir)
    config["identity"]["hs_secret"] = SECRET
    # A generous decision timeout: the shared test machine can stall a 150 µs decision for
    # more than the default 50 ms, and a spurious deny would fail unrelated assertions.
    config["policy"] = {"policies_dir": str(policies), "run_tests_on_load": False,
                        "timeout_ms": 2000}
    return config


def settings_for(config: dict[str, Any]) -> Settings:
    return parse_settings(config)


def token(role: str, region: str | None, *, purpose: str = "support",
          sub: str | None = None) -> dict[str, str]:
    """Authorization header of a demo caller (a fresh subject id unless given, so decisions
    are never served from another test's cache entry)."""
    now = int(time.time())
    claims = {"iss": "privacy-gateway-demo", "aud": "privacy-gateway",
              "sub": sub or f"staff-{uuid.uuid4().hex[:8]}", "role": role, "purpose": purpose,
              "iat": now, "exp": now + 600}
    if region is not None:
        claims["region"] = region
    return {"Authorization": f"Bearer {jwt.encode(claims, SECRET, algorithm='HS256')}"}


def raw_values(dataset: Dataset) -> set[str]:
    """Every contact's e-mail, phone (as stored and as E.164) and national ID number."""
    values: set[str] = set()
    for region in dataset.regions.values():
        for contact in region.contacts:
            values.update({contact["email"], contact["phone"],
                           contact["national_id"]["value"]})
    for subject in dataset.subjects.values():
        values.add(subject.phone)
    return {v for v in values if v}


def leaked(body: str, values: set[str]) -> list[str]:
    return sorted(v for v in values if v in body)


@dataclass
class Demo:
    url: str
    dataset: Dataset
    policies: Path
    config: dict[str, Any]
    app: GatewayApp
    raw: set[str]

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30)

    def reload(self) -> dict[str, Any]:
        with self.client() as client:
            answer = client.post("/admin/policy/reload", headers=token("compliance", None))
        assert answer.status_code == 200, answer.text
        return answer.json()

    @contextlib.contextmanager
    def policy_variant(self, edit: Callable[[Path], None]) -> Iterator[None]:
        """The live policies changed by ``edit(policies_dir)`` and hot-reloaded; restored
        (and reloaded) afterwards."""
        saved = {p: p.read_bytes() for p in self.policies.rglob("*") if p.is_file()}
        edit(self.policies)
        try:
            self.reload()
            yield
        finally:
            for path in set(self.policies.rglob("*")) - set(saved):
                if path.is_file():
                    path.unlink()
            for path, content in saved.items():
                path.write_bytes(content)
            self.reload()


def edit_json(path: Path, change: Callable[[Any], None]) -> None:
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document, indent=2))
