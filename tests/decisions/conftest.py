"""A started DecisionService on an event loop in a background thread, so one service can
serve every test of a module (and many threads at once)."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Coroutine, Iterator
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
