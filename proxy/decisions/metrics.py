"""Prometheus metrics of the decision service (labels never carry personal data)."""

from __future__ import annotations

import functools
from typing import Any

from prometheus_client import Counter, Gauge, Histogram

FAILURES = Counter("gateway_policy_failures_total",
                   "Decisions that failed closed, by reason", ["reason"])
DECISIONS = Counter("gateway_policy_decisions_total",
                    "Policy decisions by engine and outcome", ["engine", "outcome", "cached"])
LATENCY = Histogram("gateway_policy_decision_seconds", "Time to decide (uncached)", ["engine"],
                    buckets=(0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                             0.1, 0.25))
SHADOW_DISAGREEMENTS = Counter("gateway_policy_shadow_disagreements_total",
                               "Decisions where the shadow policy set disagreed with the live one")
RELOADS = Counter("gateway_policy_reloads_total", "Policy reloads by result", ["result"])
LOADED = Gauge("gateway_policy_loaded", "1 when a policy set is loaded and live")


# labels() looks the child up under a lock on every call (~2 µs); the hot path keeps them.
@functools.cache
def decisions_counter(engine: str, allow: bool, cached: bool) -> Any:
    return DECISIONS.labels(engine, "allow" if allow else "deny", "true" if cached else "false")


@functools.cache
def failures_counter(reason: str) -> Any:
    return FAILURES.labels(reason)


@functools.cache
def latency_histogram(engine: str) -> Any:
    return LATENCY.labels(engine)
