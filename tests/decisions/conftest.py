"""A started DecisionService on an event loop in a background thread, so one service can
serve every test of a module (and many threads at once)."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

from proxy.decisions.service import DecisionService
from proxy.decisions.settings import PolicySettings

T = TypeVar("T")


class LoopThread:
    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float = 120) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()


@contextlib.contextmanager
def started_service(**settings: Any) -> Iterator[tuple[LoopThread, DecisionService]]:
    loop = LoopThread()

    async def start() -> DecisionService:
        service = DecisionService(PolicySettings(**settings))
        await service.start()
        return service
    service = loop.run(start())
    try:
        yield loop, service
    finally:
        loop.run(service.close())
        loop.close()


def edit_policy(path: Path, old: str, new: str) -> None:
    """Replace ``old`` (which must be there: a test must not silently stop testing when
    the policy's text changes) with ``new`` in a policy file."""
    text = path.read_text()
    assert old in text, f"{path.name} no longer contains {old!r}"
    path.write_text(text.replace(old, new))


def add_decision_field(policies: Path, field: str, expression: str, rule: str = "") -> None:
    """Give both forms of data.gateway.decision (allowed, refused) one more field, so every
    decision evaluates ``expression``; ``rule`` is added to gateway.rego as well."""
    gateway = policies / "gateway.rego"
    edit_policy(gateway, '\t"audit": audit,\n', f'\t"audit": audit,\n\t"{field}": {expression},\n')
    edit_policy(gateway, '\t"audit": "elevated",\n',
                f'\t"audit": "elevated",\n\t"{field}": {expression},\n')
    if rule:
        gateway.write_text(gateway.read_text() + "\n" + rule + "\n")
