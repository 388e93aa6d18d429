"""`privacy-gateway policy bench`: decision latency of the embedded engine cold (first
decision after compiling), compiled (engine only; a local and a cross-border read), through
the service uncached and cached, against the engine's floor (a trivial policy answering
`1`, and one answering a constant the size of a decision) measured in the same run, with
where a compiled read's time goes; figures are printed, not asserted."""

from __future__ import annotations

import asyncio
import statistics
import time
from pathlib import Path
from typing import Any

from proxy.decisions.embedded import (
    CompiledPolicy,
    EmbeddedEngine,
    compile_bundle,
    entrypoint_of,
    new_interpreter,
    query_value,
    to_input,
)
from proxy.decisions.policy_set import PolicySet
from proxy.decisions.service import DecisionService
from proxy.decisions.settings import PolicySettings

QUERY = "data.gateway.decision"


def sample_input(index: int = 0, subject_region: str = "eu") -> dict[str, Any]:
    return {"caller": {"sub": f"agent-{index}", "role": "agent", "region": "eu",
                       "purpose": "support", "tenant": "acme"},
            "request": {"method": "GET", "system": "crm", "path": f"/contacts/{index}",
                        "action": "read"},
            "subject": {"region": subject_region, "source": "directory"},
            "upstream": {"region": "eu"}, "transfer": {"consent": False}}


def _line(name: str, samples: list[float]) -> None:
    samples = sorted(samples)
    p50 = statistics.median(samples) * 1e6
    p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))] * 1e6
    print(f"{name:34s} p50 {p50:9.1f} µs   p99 {p99:9.1f} µs   ({len(samples)} runs, "
          f"{1e6 / p50 if p50 else 0:,.0f}/s at p50)")


def _cold(policy_set: PolicySet, runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        policy = CompiledPolicy(policy_set.revision, compile_bundle(policy_set, QUERY))
        EmbeddedEngine(QUERY).evaluate_now(policy, sample_input())
        samples.append(time.perf_counter() - started)
    return samples


def _floor(n: int, answer: Any = 1) -> list[float]:
    """A policy that answers a constant: what any query costs in this engine and process
    (with a decision-shaped ``answer``: what any query answering a decision costs)."""
    trivial = PolicySet(Path("."), {"floor.rego": "package floor\n\nx := data.answer\n"}, {},
                        {"answer": answer}, "floor")
    return _compiled(trivial, n, query="data.floor.x")


def _breakdown(policy_set: PolicySet, n: int) -> dict[str, float]:
    """Median µs of each step of a compiled local read (as EmbeddedEngine takes them)."""
    bundle = compile_bundle(policy_set, QUERY)
    interpreter, entrypoint = new_interpreter(), entrypoint_of(QUERY)
    steps: dict[str, list[float]] = {"build the input": [], "set_input": [],
                                     "query (+ read the answer)": []}
    for i in range(n):
        document = sample_input(i)
        started = time.perf_counter()
        document_input = to_input(document)
        built = time.perf_counter()
        interpreter.set_input(document_input)
        steps["build the input"].append(built - started)
        steps["set_input"].append(time.perf_counter() - built)
        started = time.perf_counter()
        query_value(interpreter, bundle, document_input, entrypoint)  # sets it again: ~set_input
        steps["query (+ read the answer)"].append(time.perf_counter() - started)
    result = {name: statistics.median(v) * 1e6 for name, v in steps.items()}
    result["query (+ read the answer)"] -= result["set_input"]
    return result


def _compiled(policy_set: PolicySet, n: int, *, subject_region: str = "eu",
              query: str = QUERY) -> list[float]:
    engine = EmbeddedEngine(query)
    policy = CompiledPolicy(policy_set.revision, compile_bundle(policy_set, query))
    samples = []
    for i in range(n):
        document = sample_input(i, subject_region)
        started = time.perf_counter()
        engine.evaluate_now(policy, document)
        samples.append(time.perf_counter() - started)
    return samples


async def _service(directory: Path, n: int) -> tuple[list[float], list[float]]:
    service = DecisionService(PolicySettings(policies_dir=directory, timeout_ms=1000,
                                             run_tests_on_load=False))
    await service.start()
    uncached, cached = [], []
    try:
        for i in range(n):
            started = time.perf_counter()
            await service.decide(sample_input(i))  # distinct inputs: always a miss
            uncached.append(time.perf_counter() - started)
        document = sample_input()
        await service.decide(document)
        for _ in range(n):
            started = time.perf_counter()
            await service.decide(document)
            cached.append(time.perf_counter() - started)
    finally:
        await service.close()
    return uncached, cached


def run_benchmark(directory: Path, n: int) -> int:
    policy_set = PolicySet.load(directory)
    print(f"policy set {policy_set.revision} from {directory}")
    _line("embedded cold (compile + 1st)", _cold(policy_set, 5))
    floor = _floor(n)
    _line("engine floor (policy `x := 1`)", floor)
    shaped = EmbeddedEngine(QUERY).evaluate_now(
        CompiledPolicy(policy_set.revision, compile_bundle(policy_set, QUERY)), sample_input())
    _line("engine floor, decision-sized answer", _floor(n, shaped))
    local = _compiled(policy_set, n)
    _line("embedded compiled, local read", local)
    print("  of which: " + ", ".join(f"{name} {us:.0f} µs"
                                     for name, us in _breakdown(policy_set, n).items()))
    _line("embedded compiled, cn->eu read", _compiled(policy_set, n, subject_region="cn"))
    uncached, cached = asyncio.run(_service(directory, n))
    _line("service, cache miss", uncached)
    _line("service, cache hit", cached)
    print(f"compiled local read = {statistics.median(local) / statistics.median(floor):.1f}x "
          f"the engine floor; cache hit is "
          f"{statistics.median(uncached) / statistics.median(cached):.0f}x faster than a miss")
    print("targets (idle machine): compiled <= 150 µs p50, cached <= 20 µs p50")
    print("OPA server: not measured (this command does not start an opa server yet)")
    return 0
