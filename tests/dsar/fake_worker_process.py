"""A worker process for the durability tests, with a fake task runner that records each
execution (start and finish, with its pid) in the table ``fake_runner_executions``.

    python -m tests.dsar.fake_worker_process URL SCHEMA DATA_DIR SECONDS_PER_TASK
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Integer, MetaData, String, Table, insert

from dsar.execution import TaskOutcome, TaskSpec
from dsar.identities import Identity
from dsar.store import Case
from dsar.worker import Worker
from tests.dsar.workflow_support import harness

executions = Table("fake_runner_executions", MetaData(),
                   Column("id", Integer, primary_key=True, autoincrement=True),
                   Column("task", String(200), nullable=False),
                   Column("phase", String(8), nullable=False),
                   Column("pid", Integer, nullable=False))


class FakeRecordingRunner:
    def __init__(self, db: Any, seconds: float) -> None:
        self._db, self._seconds = db, seconds

    async def run(self, task: TaskSpec) -> TaskOutcome:
        key = f"{task.case_id}/{task.system}/{task.region}"
        await self._record(key, "start")
        await asyncio.sleep(self._seconds)
        await self._record(key, "finish")
        return TaskOutcome("done", {"records_found": 1}, {}, None)

    async def _record(self, key: str, phase: str) -> None:
        async with self._db.write() as connection:
            await connection.execute(insert(executions).values(task=key, phase=phase,
                                                                pid=os.getpid()))


async def no_export(case: Case, identities: tuple[Identity, ...]
                    ) -> tuple[dict[str, Any], dict[str, Any]]:
    return {}, {}


async def main(url: str, schema: str, data_dir: str, seconds: float) -> None:
    async with harness((url, schema or None), Path(data_dir)) as h:
        worker = Worker(h.dsar, h.workflow, h.queue,
                        FakeRecordingRunner(h.workflow.store.db, seconds), no_export)
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        print("ready", flush=True)
        await worker.run(stop)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])))
