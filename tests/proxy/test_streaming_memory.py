"""A large response streams through `privacy-gateway serve` without being held in memory."""

from __future__ import annotations

from pathlib import Path

import httpx
import psutil

from tests.proxy.conftest import gateway_config, make_token
from tests.support import gateway_process, write_config


def rss_mb(pid: int) -> float:
    return psutil.Process(pid).memory_info().rss / 2**20


def test_48mb_response_streams_with_flat_gateway_memory(upstream: str, tmp_path: Path) -> None:
    config = write_config(tmp_path / "gw.yaml",
                          gateway_config(upstream, upstream, tmp_path / "data"))
    headers = {"Authorization": f"Bearer {make_token()}", "X-Subject-Region": "eu"}
    with gateway_process(config) as (base, pid):
        httpx.get(f"{base}/crm/big?mb=2", headers=headers, timeout=30)  # warm up
        before = rss_mb(pid)
        received = 0
        peak = before
        with httpx.stream("GET", f"{base}/crm/big?mb=48", headers=headers, timeout=60) as r:
            assert r.status_code == 200
            for chunk in r.iter_raw(1 << 20):
                received += len(chunk)
                peak = max(peak, rss_mb(pid))
    assert received == 48 * 2**20
    assert peak - before < 8, f"gateway RSS grew {peak - before:.1f} MB while streaming"
