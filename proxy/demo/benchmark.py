"""Sample-upstream figures: ``python -m proxy.demo.benchmark [--contacts N] [--seconds S]``.

Prints (1) dataset build time and memory at ``--contacts`` per region against a tenth of that
size, built in fresh processes, and (2) requests/s of the upstream process (uvicorn, uvloop,
httptools) for list pages and filters against its own ``/healthz`` in the same run.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import time

import httpx
import psutil

from proxy.demo.dataset import build_dataset
from proxy.demo.processes import upstream_process
from proxy.loadgen import run_load

_TOKEN = "benchmark-token"


def _build(contacts: int, results: multiprocessing.Queue) -> None:
    process = psutil.Process()
    before = process.memory_info().rss
    started = time.perf_counter()
    dataset = build_dataset(seed=7, contacts_per_region=contacts)
    seconds = time.perf_counter() - started
    results.put((seconds, (process.memory_info().rss - before) / 2**20, len(dataset.subjects)))


def measure_build(contacts: int) -> tuple[float, float, int]:
    """(seconds, MiB of resident memory added, subjects) for one build in a fresh process."""
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    child = context.Process(target=_build, args=(contacts, results))
    child.start()
    outcome = results.get()
    child.join()
    return outcome


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=10_000, help="contacts per region")
    parser.add_argument("--seconds", type=float, default=5, help="load per target")
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args(argv)

    small = max(args.contacts // 10, 1)
    base_s, base_mb, _ = measure_build(small)
    full_s, full_mb, subjects = measure_build(args.contacts)
    print(f"build  {small:>6} contacts/region: {base_s:6.1f} s  {base_mb:6.0f} MiB")
    print(f"build  {args.contacts:>6} contacts/region: {full_s:6.1f} s  {full_mb:6.0f} MiB  "
          f"({subjects} subjects; x{full_s / base_s:.1f} time, x{full_mb / base_mb:.1f} memory "
          f"for x{args.contacts / small:.0f} data)")

    headers = {"Authorization": f"Bearer {_TOKEN}"}
    # the upstream's own output stays on the console
    with upstream_process(_TOKEN, contacts=args.contacts, timeout=120, stdout=None,
                          stderr=None) as base:
        email = httpx.get(f"{base}/crm/v1/contacts/5", headers=headers).json()["email"]
        targets = {"/healthz (baseline)": "/healthz",
                   "contacts page 1, per_page=50": "/crm/v1/contacts?per_page=50",
                   "contacts page 150, per_page=50": "/crm/v1/contacts?per_page=50&page=150",
                   "contacts ?email= filter": f"/crm/v1/contacts?email={email}",
                   "calls page 1, per_page=50": "/calls/v1/calls?per_page=50"}
        baseline = None
        for label, path in targets.items():
            run_load(base + path, connections=args.connections, seconds=1, headers=headers)
            result = run_load(base + path, connections=args.connections, seconds=args.seconds,
                              headers=headers)
            baseline = baseline or result.requests_per_second
            print(f"{label:<32} {result.requests_per_second:8.0f} req/s  p50 "
                  f"{result.p50_ms:5.1f} ms  p99 {result.p99_ms:5.1f} ms  errors {result.errors}"
                  f"  ({result.requests_per_second / baseline:.2f} of baseline, {result.tool})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
