"""Closed-loop HTTP load: wrk when it is installed, else an aiohttp client loop."""

from __future__ import annotations

import asyncio
import itertools
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass

import aiohttp


@dataclass(frozen=True)
class LoadResult:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    tool: str


def run_load(url: str, *, connections: int, seconds: float,
             headers: dict[str, str] | None = None, pages: int = 1) -> LoadResult:
    """``pages`` > 1: the requests go round ``url&page=1`` ... ``url&page=<pages>``."""
    if shutil.which("wrk"):
        return _wrk(url, connections, seconds, headers or {}, pages)
    return asyncio.run(_aiohttp_loop(url, connections, seconds, headers or {}, pages))


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


# Each wrk thread goes round the pages on its own.
_PAGES_SCRIPT = """
local page = 0
request = function()
  page = page % {pages} + 1
  return wrk.format(nil, wrk.path .. "&page=" .. page)
end
"""


def _wrk(url: str, connections: int, seconds: float, headers: dict[str, str],
         pages: int) -> LoadResult:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    if pages <= 1:
        return _wrk_result(_run([*command, url]))
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(_PAGES_SCRIPT.format(pages=pages))
        script.flush()
        return _wrk_result(_run([*command, "-s", script.name, url]))


def _run(command: list[str]) -> str:
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def _wrk_result(out: str) -> LoadResult:
    def latency(label: str) -> float:
        match = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.MULTILINE)
        return float(match.group(1)) * _UNITS[match.group(2)] if match else float("nan")

    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return LoadResult(float(rps.group(1)) if rps else 0.0, latency("50"), latency("99"),
                      int(errors.group(1)) if errors else 0, "wrk")


async def _aiohttp_loop(url: str, connections: int, seconds: float,
                        headers: dict[str, str], pages: int) -> LoadResult:
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    urls = itertools.cycle([f"{url}&page={n}" for n in range(1, pages + 1)]
                           if pages > 1 else [url])

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal errors
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            async with session.get(next(urls), headers=headers) as response:
                await response.read()
                if response.status >= 400:
                    errors += 1
            latencies.append((time.perf_counter() - started) * 1000)

    connector = aiohttp.TCPConnector(limit=connections)
    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.perf_counter()
        await asyncio.gather(*(worker(session) for _ in range(connections)))
        elapsed = time.perf_counter() - started
    cuts = statistics.quantiles(latencies, n=100)
    return LoadResult(len(latencies) / elapsed, cuts[49], cuts[98], errors, "aiohttp")
