"""Real servers for tests: uvicorn on 127.0.0.1, in a thread or in a child process."""

from __future__ import annotations

import contextlib
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import uvicorn
import yaml

from proxy.demo import processes
from proxy.demo.processes import free_port

ROOT = Path(__file__).resolve().parents[1]


@contextlib.contextmanager
def serve_in_thread(app: Any, port: int | None = None, **options: Any) -> Iterator[str]:
    """Run an ASGI app under uvicorn in a background thread; yields its base URL."""
    port = port or free_port()
    # A request still in its handler (an upstream that hangs on purpose) is cancelled after
    # this long: a server thread still running when the interpreter exits can crash it.
    options.setdefault("timeout_graceful_shutdown", 2)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                            access_log=False, lifespan="on", **options)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("test server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)
        if thread.is_alive():
            raise RuntimeError("test server did not stop within 30 s")


def write_config(path: Path, config: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def gateway_process(config_path: Path,
                    port: int | None = None) -> contextlib.AbstractContextManager[tuple[str, int]]:
    """`privacy-gateway serve` as a child process; yields (base URL, pid)."""
    return processes.gateway_process(config_path, port=port, timeout=120, cwd=ROOT,
                                     stderr=subprocess.PIPE)
