"""Servers as child processes for benchmarks and tests: start one, wait until its health URL
answers, stop it on the way out.

``running(command, health_url)`` is the general case; ``upstream_process`` (one sample CRM
upstream, ``python -m proxy.demo.upstream``) and ``gateway_process`` (``privacy-gateway
serve``) are the two servers the benchmarks and tests start this way; ``free_port`` picks a
port for one.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, alive: Callable[[], bool] = lambda: True,
                  timeout: float = 180.0) -> None:
    """Return once ``url`` answers with a status below 500; RuntimeError when ``alive()``
    turns false (the server died) or ``timeout`` seconds pass first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and alive():
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=1).status_code < 500:
                return
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def stop(process: subprocess.Popen[Any], grace: float = 10.0) -> None:
    """SIGTERM, then SIGKILL if the process has not exited within ``grace`` seconds."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(grace)


@contextlib.contextmanager
def running(command: list[str], health_url: str, *, timeout: float = 180.0,
            **popen: Any) -> Iterator[subprocess.Popen[Any]]:
    """Run ``command`` until the block ends, once ``health_url`` answers. Output is discarded
    unless ``popen`` (keyword arguments for ``subprocess.Popen``) says otherwise."""
    process = subprocess.Popen(command, **{"stdout": subprocess.DEVNULL,
                                           "stderr": subprocess.DEVNULL, **popen})
    try:
        wait_until_up(health_url, lambda: process.poll() is None, timeout)
        yield process
    finally:
        stop(process)


@contextlib.contextmanager
def upstream_process(token: str, *, contacts: int | None = None, timeout: float = 180.0,
                     **popen: Any) -> Iterator[str]:
    """One sample CRM upstream (region eu) on a free port; yields its base URL."""
    port = free_port()
    sized = ["--contacts", str(contacts)] if contacts is not None else []
    with running([sys.executable, "-m", "proxy.demo.upstream", "--region", "eu",
                  "--port", str(port), *sized, "--token", token],
                 f"http://127.0.0.1:{port}/healthz", timeout=timeout, **popen):
        yield f"http://127.0.0.1:{port}"


@contextlib.contextmanager
def gateway_process(config: Path, *, port: int | None = None, workers: int = 1,
                    health_path: str = "/healthz", timeout: float = 180.0,
                    **popen: Any) -> Iterator[tuple[str, int]]:
    """``privacy-gateway serve --config config`` on ``port`` (else a free one); yields its base
    URL and pid once ``health_path`` answers."""
    port = port or free_port()
    with running([sys.executable, "-m", "proxy.cli", "serve", "--config", str(config),
                  "--port", str(port), "--log-level", "warning", "--workers", str(workers)],
                 f"http://127.0.0.1:{port}{health_path}", timeout=timeout,
                 **popen) as process:
        yield f"http://127.0.0.1:{port}", process.pid
