"""Prometheus metrics; labels carry systems, regions and outcomes, never personal data."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

REQUESTS = Counter("gateway_requests_total", "Requests answered by the gateway",
                   ["system", "status"])
UPSTREAM_LATENCY = Histogram(
    "gateway_upstream_latency_seconds", "Time to the upstream's response headers",
    ["system", "region"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
