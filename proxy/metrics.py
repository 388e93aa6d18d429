"""Prometheus metrics; labels carry systems, regions and outcomes, never personal data."""

from __future__ import annotations

import functools

from prometheus_client import Counter, Histogram

REQUESTS = Counter("gateway_requests_total", "Requests answered by the gateway",
                   ["system", "status"])
UPSTREAM_LATENCY = Histogram(
    "gateway_upstream_latency_seconds", "Time to the upstream's response headers",
    ["system", "region"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)


# The request path looks its metric children up once per label set, not on every request
# (``labels()`` validates and locks each time). Label sets are few: systems x statuses/regions.
@functools.cache
def requests(system: str, status: int) -> Counter:
    return REQUESTS.labels(system, str(status))


@functools.cache
def upstream_latency(system: str, region: str) -> Histogram:
    return UPSTREAM_LATENCY.labels(system, region)
