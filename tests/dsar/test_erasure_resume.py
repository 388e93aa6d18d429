"""An erasure interrupted part-way (the upstream goes down after one delete) resumes from its
checkpoint and journal: every record is erased exactly once and counted exactly once."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from starlette.types import ASGIApp, Receive, Scope, Send

from dsar.execution import TaskSpec
from proxy.demo.crm import create_crm_app
from proxy.demo.dataset import REGIONS, build_dataset
from proxy.demo.runner import UPSTREAM_TOKEN
from tests.dsar.demo_world import demo_settings, identities_of, open_world, two_region_subject
from tests.support import serve_in_thread


class _FlakyDeletes:
    """Counts DELETEs; after ``allowed`` of them answers 503 until ``healthy`` is set."""

    def __init__(self, app: ASGIApp, allowed: int) -> None:
        self.app = app
        self.allowed = allowed
        self.deletes: list[str] = []
        self.healthy = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "DELETE":
            if not self.healthy and len(self.deletes) >= self.allowed:
                await send({"type": "http.response.start", "status": 503, "headers": []})
                await send({"type": "http.response.body", "body": b""})
                return
            self.deletes.append(scope["path"])
        await self.app(scope, receive, send)


@contextlib.contextmanager
def _serve(apps: dict[str, ASGIApp]) -> Iterator[dict[str, str]]:
    with contextlib.ExitStack() as stack:
        yield {r: stack.enter_context(serve_in_thread(app)) for r, app in apps.items()}


async def test_interrupted_erasure_resumes_without_duplicating_or_missing(
        tmp_path: Path) -> None:
    dataset = build_dataset(seed=7, contacts_per_region=60)
    subject = two_region_subject(dataset)
    region = next(r.region for r in subject.records if r.system == "helpdesk")
    tickets = [r for r in subject.records if r.system == "helpdesk" and r.region == region]
    assert len(tickets) >= 2
    flaky = {r: _FlakyDeletes(create_crm_app(r, dataset.regions[r], token=UPSTREAM_TOKEN), 1)
             for r in REGIONS}
    with _serve(flaky) as urls:
        async with open_world(demo_settings(urls, tmp_path)) as world:
            spec = TaskSpec("resume1", "erasure", "helpdesk", region, identities_of(subject))
            first = await world.runner.run(spec)
            flaky[region].healthy = True
            second = await world.runner.run(TaskSpec(
                spec.case_id, spec.request_type, spec.system, spec.region, spec.identities,
                attempt=2, checkpoint=first.checkpoint))
    assert first.status == "retry" and first.error and subject.email not in first.error
    assert second.status == "done"
    assert second.summary["erased"] == len(tickets)
    assert second.summary["records_found"] == len(tickets)
    deleted = flaky[region].deletes
    assert sorted(deleted) == sorted({f"/helpdesk/v1/tickets/{t.id}" for t in tickets})
    assert not [t for t in tickets if dataset.regions[region].tickets.get(t.id)]
    assert subject.email not in str(second.checkpoint)
