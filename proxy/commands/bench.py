"""`privacy-gateway bench`: requests/s and latency, direct vs through the gateway (vs nginx).

Every target serves the same demo contact-list page from one sample CRM upstream process
(but "new pages", which go round all of its pages, more values than the masker's caches
hold); the gateway and nginx each run as their own process, and the load comes from wrk when
it is installed (else an aiohttp loop), so the ratios compare like with like in one run. The
masking floor is what any masker that parses the page in Python spends at least: parsing,
one look at each value and writing it out, measured as the bare proxy doing just that.
``--pin`` keeps the load generator and the upstream on the last CPU and the proxies on the
others, so that the proxies do not compete with the load for CPU time.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import jwt
import psutil
import yaml

from proxy.demo.processes import free_port, gateway_process, running, upstream_process
from proxy.loadgen import LoadResult, run_load

_SECRET = "bench-only-hs256-secret-0123456789abcdef"
_UPSTREAM_TOKEN = "bench-upstream-token"
_STRUCTURED_FIELDS = "id,customer_id,name,email,phone,address,birth_date,national_id,bank,country"
_CONTACTS = 8_000  # the upstream's: 160 pages of 50, about 60,000 values (caches: 20,000)
_PAGE = 50


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("bench", help="measure gateway throughput and latency")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--path", default="/contacts?per_page=50")
    parser.add_argument("--workers", type=int, default=1, help="gateway worker processes")
    parser.add_argument("--pin", action="store_true",
                        help="load generator and upstream on the last CPU, proxies on the rest")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    pinned, proxies = _pin() if args.pin else ("", {})
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        upstream = stack.enter_context(upstream_process(_UPSTREAM_TOKEN, contacts=_CONTACTS))
        gateway, pid = stack.enter_context(_gateway(Path(tmp), upstream, args.workers,
                                                    **proxies))
        direct = {"Authorization": f"Bearer {_UPSTREAM_TOKEN}"}
        # The DPO's profile keeps everything: the gateway passes the body through untouched.
        keep = {"Authorization": f"Bearer {_token('dpo')}", "X-Subject-Region": "eu"}
        agent = {"Authorization": f"Bearer {_token('agent')}", "X-Subject-Region": "eu"}
        structured = f"/contacts?per_page={_PAGE}&fields={_STRUCTURED_FIELDS}"
        bare, bare_pid = stack.enter_context(_bare_proxy(upstream, args.workers, **proxies))
        targets = {"direct upstream": _Target(f"{upstream}/crm/v1{args.path}", direct),
                   "gateway pass-through": _Target(f"{gateway}/crm{args.path}", keep, pid),
                   "bare aiohttp proxy (floor)": _Target(f"{bare}/crm{args.path}", {},
                                                         bare_pid)}
        if shutil.which("nginx"):
            nginx, nginx_pid = stack.enter_context(_nginx(Path(tmp), upstream, **proxies))
            targets["nginx (reference)"] = _Target(f"{nginx}/crm/v1{args.path}", direct,
                                                   nginx_pid)
        targets["structured, pass-through"] = _Target(f"{gateway}/crm{structured}", keep, pid)
        targets["structured, masked"] = _Target(f"{gateway}/crm{structured}", agent, pid)
        targets["structured, masked, new pages"] = _Target(
            f"{gateway}/crm{structured}", agent, pid, _CONTACTS // _PAGE)
        targets["structured, bare proxy"] = _Target(f"{bare}/crm{structured}", {}, bare_pid)
        targets["structured, bare + floor"] = _Target(f"{bare}/crm-floor{structured}", {},
                                                      bare_pid)
        upstream_pid = _upstream_pid()
        results = {}
        for name, target in targets.items():
            if target.pages == 1:  # warm-up; new pages stay new
                run_load(target.url, connections=args.connections, seconds=1,
                         headers=target.headers)
            results[name] = _measured(target, args, upstream_pid)
        rss = _largest_rss(pid)
    print(f"gateway: {args.workers} worker process(es)")
    if pinned:
        print(pinned)
    _report(results, args.connections, rss)
    return 0


class _Target(NamedTuple):
    url: str
    headers: dict[str, str]
    proxy_pid: int | None = None
    pages: int = 1  # > 1: the requests go round this many pages


@dataclass(frozen=True)
class _Measured:
    load: LoadResult
    upstream_us: float  # CPU time per request, all threads and worker processes
    proxy_us: float | None


def _measured(target: _Target, args: argparse.Namespace, upstream_pid: int) -> _Measured:
    before = _cpu_seconds(upstream_pid), _cpu_seconds(target.proxy_pid)
    load = run_load(target.url, connections=args.connections, seconds=args.seconds,
                    headers=target.headers, pages=target.pages)
    after = _cpu_seconds(upstream_pid), _cpu_seconds(target.proxy_pid)
    requests = max(load.requests_per_second * args.seconds, 1.0)
    upstream_us, proxy_us = ((b - a) / requests * 1e6 for a, b in zip(before, after,
                                                                       strict=True))
    return _Measured(load, upstream_us, proxy_us if target.proxy_pid else None)


def _cpu_seconds(pid: int | None) -> float:
    if pid is None:
        return 0.0
    process = psutil.Process(pid)
    times = [p.cpu_times() for p in [process, *process.children(recursive=True)]]
    return sum(t.user + t.system for t in times)


def _upstream_pid() -> int:
    return next(p.pid for p in psutil.Process().children()
                if "proxy.demo.upstream" in p.cmdline())


def _pin() -> tuple[str, dict[str, Callable[[], None]]]:
    """Pin this process (so wrk and the upstream, its children) to the last CPU; the
    proxies it starts get the others (Popen keyword arguments)."""
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        raise SystemExit("bench --pin needs at least 2 CPUs")
    os.sched_setaffinity(0, {cpus[-1]})
    return (f"pinned: load generator and upstream on CPU {cpus[-1]}, proxies on CPU "
            f"{','.join(map(str, cpus[:-1]))}",
            {"preexec_fn": lambda: os.sched_setaffinity(0, set(cpus[:-1]))})


def _report(measured: dict[str, _Measured], connections: int, rss_mb: float) -> None:
    results = {name: m.load for name, m in measured.items()}
    tool = next(iter(results.values())).tool
    print(f"GET demo contact list (50 records), {connections} connections, load by {tool}")
    print(f"{'target':<28}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}"
          f"{'CPU us/req: upstream':>22}{'proxy':>8}")
    for name, m in measured.items():
        r = m.load
        proxy = f"{m.proxy_us:>8.0f}" if m.proxy_us is not None else f"{'-':>8}"
        print(f"{name:<28}{r.requests_per_second:>10.0f}{r.p50_ms:>10.2f}{r.p99_ms:>10.2f}"
              f"{r.errors:>8}{m.upstream_us:>22.0f}{proxy}")
    direct, gateway = results["direct upstream"], results["gateway pass-through"]
    print(f"gateway/direct throughput ratio: {_ratio(gateway, direct):.2f} (target >= 0.50)")
    print(f"gateway added p50 latency: {gateway.p50_ms - direct.p50_ms:.2f} ms "
          f"(target <= 1.5 ms)")
    bare = results["bare aiohttp proxy (floor)"]
    print(f"bare proxy/direct throughput ratio: {_ratio(bare, direct):.2f}, added p50 "
          f"{bare.p50_ms - direct.p50_ms:.2f} ms (the same HTTP stack doing nothing else); "
          f"gateway/bare proxy: {_ratio(gateway, bare):.2f}")
    if "nginx (reference)" in results:
        print(f"nginx/direct throughput ratio: "
              f"{_ratio(results['nginx (reference)'], direct):.2f}")
    _report_cpu(measured)
    passed = results["structured, pass-through"]
    masked = _ratio(results["structured, masked"], passed)
    print(f"masked/pass-through throughput, page without free text: {masked:.2f} "
          f"(target >= 0.70); new pages each time: "
          f"{_ratio(results['structured, masked, new pages'], passed):.2f}")
    _report_floor(measured)
    print(f"gateway RSS per worker after the run, all models loaded: {rss_mb:.0f} MB "
          f"(target < 400 MB)")


def _report_cpu(measured: dict[str, _Measured]) -> None:
    """What the ratios would be with a core per process: CPU per request, not the machine's
    sharing of its cores between the load generator, the upstream and the proxy."""
    upstream = measured["direct upstream"].upstream_us
    gateway = measured["gateway pass-through"].proxy_us
    if not upstream or not gateway:
        return
    cost = gateway / upstream
    print(f"gateway CPU per request: {cost:.1f}x the upstream's; with cores of their own, "
          f"{math.ceil(0.5 * cost)} gateway worker(s) keep 0.50 of one upstream process "
          f"(this machine: {os.cpu_count()} CPUs for the load, the upstream and the proxy)")


def _report_floor(measured: dict[str, _Measured]) -> None:
    """The best masked/pass-through ratio of a gateway worker that spends, per request, its
    pass-through CPU time plus no more than the masking floor's."""
    bare = measured["structured, bare proxy"]
    floor_us = (measured["structured, bare + floor"].proxy_us or 0.0) - (bare.proxy_us or 0.0)
    passed = measured["structured, pass-through"].proxy_us or 0.0
    best = passed / (passed + floor_us) if passed + floor_us > 0 else 0.0
    print(f"masking floor (parse the page, look at each value once, write it; no detection): "
          f"{floor_us:.0f} us CPU/request on the bare proxy, which keeps "
          f"{_ratio(measured['structured, bare + floor'].load, bare.load):.2f} of its "
          f"throughput; with gateway pass-through at {passed:.0f} us, no masker that parses "
          f"the page in Python keeps more than {best:.2f}")


def _largest_rss(pid: int) -> float:
    """RSS in MB of the gateway process, or of its largest worker when it has several."""
    process = psutil.Process(pid)
    return max(p.memory_info().rss for p in [process, *process.children()]) / 2**20


def _ratio(a: LoadResult, b: LoadResult) -> float:
    return a.requests_per_second / b.requests_per_second if b.requests_per_second else 0.0


def _token(role: str) -> str:
    now = int(time.time())
    return jwt.encode({"iss": "bench", "aud": "privacy-gateway", "sub": "bench", "role": role,
                       "region": "eu", "purpose": "support", "iat": now, "exp": now + 3600},
                      _SECRET, algorithm="HS256")


def _gateway(tmp: Path, upstream: str, workers: int,
             **popen: Any) -> contextlib.AbstractContextManager[tuple[str, int]]:
    config = {
        "default_region": "eu", "data_dir": str(tmp / "data"),
        "identity": {"issuer": "bench", "audience": "privacy-gateway",
                     "algorithms": ["HS256"], "hs_secret": _SECRET},
        "systems": {"crm": {"prefix": "/crm", "routing_key": {"header": "X-Subject-Region"},
                            "auth": {"type": "bearer", "token": _UPSTREAM_TOKEN},
                            "upstreams": {"eu": f"{upstream}/crm/v1"}}},
    }
    path = tmp / "gateway.yaml"
    path.write_text(yaml.safe_dump(config))
    return gateway_process(path, workers=workers, health_path="/readyz", **popen)


@contextlib.contextmanager
def _bare_proxy(upstream: str, workers: int, **popen: Any) -> Iterator[tuple[str, int]]:
    port = free_port()
    with running([sys.executable, "-m", "proxy.demo.bare_proxy", "--port", str(port),
                  "--upstream", f"{upstream}/crm/v1", "--token", _UPSTREAM_TOKEN,
                  "--workers", str(workers)], f"http://127.0.0.1:{port}/crm/healthz",
                 **popen) as process:
        yield f"http://127.0.0.1:{port}", process.pid


@contextlib.contextmanager
def _nginx(tmp: Path, upstream: str, **popen: Any) -> Iterator[tuple[str, int]]:
    port = free_port()
    conf = tmp / "nginx.conf"
    conf.write_text(f"""
worker_processes 1; daemon off; pid {tmp}/nginx.pid; error_log {tmp}/nginx.err;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {tmp}; proxy_temp_path {tmp}; fastcgi_temp_path {tmp};
  uwsgi_temp_path {tmp}; scgi_temp_path {tmp};
  upstream crm {{ server {upstream.removeprefix("http://")}; keepalive 32; }}
  server {{
    listen 127.0.0.1:{port};
    location / {{ proxy_pass http://crm; proxy_http_version 1.1;
                 proxy_set_header Connection ""; }}
  }}
}}""")
    with running(["nginx", "-c", str(conf), "-p", str(tmp)],
                 f"http://127.0.0.1:{port}/healthz", **popen) as process:
        yield f"http://127.0.0.1:{port}", process.pid
