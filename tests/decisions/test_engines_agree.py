"""Both engines give the same decisions over tests/decisions/decision_inputs.json (the set
`privacy-gateway policy diff --inputs` also takes). Needs a real `opa` on PATH."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from proxy.decisions.model import Decision
from proxy.demo.processes import free_port, running
from tests.decisions.conftest import started_service

INPUTS = Path(__file__).with_name("decision_inputs.json")
OPA = shutil.which("opa")

pytestmark = pytest.mark.skipif(OPA is None, reason="no `opa` binary on PATH (it cannot be "
                                                    "installed from the package indexes here)")


@pytest.fixture(scope="module")
def opa_url() -> Iterator[str]:
    port = free_port()
    with running([str(OPA), "run", "--server", "--addr", f"127.0.0.1:{port}"],
                 f"http://127.0.0.1:{port}/health", timeout=120):
        yield f"http://127.0.0.1:{port}"


def comparable(decision: Decision) -> dict[str, Any]:
    result = decision.as_dict()
    for volatile in ("id", "engine", "cached"):
        result.pop(volatile)
    return result


def decide_all(**settings: Any) -> list[dict[str, Any]]:
    documents = json.loads(INPUTS.read_text())
    with started_service(cache_ttl_seconds=0, timeout_ms=2000, **settings) as (loop, service):
        assert service.ready
        return [comparable(loop.run(service.decide(d))) for d in documents]


def test_embedded_and_opa_server_decide_alike(opa_url: str) -> None:
    embedded = decide_all()
    served = decide_all(engine="opa", opa_url=opa_url)
    differences = [i for i, (a, b) in enumerate(zip(embedded, served, strict=True)) if a != b]
    assert differences == [], f"inputs {differences[:10]} decide differently"
    assert any(d["allow"] for d in embedded) and not all(d["allow"] for d in embedded)
