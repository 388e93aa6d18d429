"""Many threads deciding at once through one service (worker threads with their own
interpreters) get exactly the decisions one caller gets one at a time."""

from __future__ import annotations

import json
import random
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.decisions.conftest import started_service

INPUTS = json.loads(Path(__file__).with_name("decision_inputs.json").read_text())


def test_parallel_decisions_equal_sequential_ones() -> None:
    with started_service(cache_ttl_seconds=0, embedded_workers=4, timeout_ms=5000,
                         run_tests_on_load=False) as (loop, service):
        def decide(index: int) -> tuple[int, dict]:
            decision = loop.run(service.decide(INPUTS[index])).as_dict()
            decision.pop("id")
            return index, decision

        sequential = dict(decide(i) for i in range(len(INPUTS)))
        order = [i for _ in range(3) for i in range(len(INPUTS))]
        random.Random(7).shuffle(order)
        with ThreadPoolExecutor(8) as pool:
            parallel = list(pool.map(decide, order))
    assert all(decision == sequential[i] for i, decision in parallel)
    assert len({json.dumps(d, sort_keys=True) for d in sequential.values()}) > 20
    assert not any(d["error"] for d in sequential.values())
