"""The seam other services (the DSAR service) plug into the gateway through, without the
gateway importing them: Python entry points in the ``privacy_gateway.extensions`` group.

An extension is called once the runtime is open and returns an async context manager that
yields the routes it mounts (under /dsar/, /opendsr/ …) and runs its background work until
the gateway shuts down.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from importlib.metadata import entry_points
from typing import Protocol

from starlette.routing import BaseRoute

from proxy.admin import AdminAuth
from proxy.runtime import Runtime
from proxy.settings import Settings

GROUP = "privacy_gateway.extensions"


class Extension(Protocol):
    def __call__(self, settings: Settings, runtime: Runtime,
                 auth: AdminAuth) -> AbstractAsyncContextManager[Sequence[BaseRoute]]: ...


def installed() -> list[Extension]:
    return [entry.load() for entry in sorted(entry_points(group=GROUP), key=lambda e: e.name)]
