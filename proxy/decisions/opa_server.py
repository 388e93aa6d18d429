"""The OPA server engine: an OPA sidecar answers POST /v1/data/<package>/<rule> through
opa-python-client's AsyncOpaClient (one client, opened in ``start``).

With ``opa_push_policies`` the gateway uploads the set itself (PUT /v1/policies/<id> per
module, PUT /v1/data/<name> per data document, including the precomputed tables) after the
candidate passed its checks; upload is not atomic, so a reload briefly mixes old and new
modules on the server. Without it, OPA loads the policies from its own bundle and must
hold the same set (data.precomputed is optional there: the policies compute a missing
table entry per request). Any error, timeout, undefined or unreadable answer raises
EngineError, which the service turns into a deny."""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from opa_client import AsyncOpaClient

from proxy.decisions.engine import EngineError
from proxy.decisions.policy_set import PolicyError, PolicySet
from proxy.decisions.precompute import policy_data
from proxy.decisions.settings import PolicySettings

POLICY_ID_PREFIX = "privacy-gateway/"
# The client's own limit, for uploads; the service bounds each decision by timeout_ms.
_CLIENT_TIMEOUT_SECONDS = 10.0


def client_for(settings: PolicySettings) -> AsyncOpaClient:
    url = urlsplit(settings.opa_url)
    if url.scheme not in ("http", "https") or not url.hostname:
        raise ValueError("opa_url must be an http(s) URL")
    return AsyncOpaClient(host=url.hostname, port=url.port or (443 if url.scheme == "https"
                                                                  else 80),
                          ssl=url.scheme == "https", token=settings.opa_token, retries=0,
                          timeout=_CLIENT_TIMEOUT_SECONDS)


class OpaServerEngine:
    name = "opa"

    def __init__(self, settings: PolicySettings) -> None:
        self._settings = settings
        self._stack = AsyncExitStack()
        self._client: AsyncOpaClient | None = None

    async def start(self) -> None:
        self._client = await self._stack.enter_async_context(client_for(self._settings))

    async def prepare(self, policy_set: PolicySet) -> str:
        if self._settings.opa_push_policies:
            await self._upload(policy_set)
        return policy_set.revision

    async def _upload(self, policy_set: PolicySet) -> None:
        client = self._require_client()
        try:
            for name, source in policy_set.modules.items():
                await client.update_policy_from_string(source, POLICY_ID_PREFIX + name,
                                                       rego_compat=False)
            for name, document in policy_data(policy_set).items():
                await client.update_or_create_data(document, name)
            stale = [p for p in await client.get_policies_list()
                     if p.startswith(POLICY_ID_PREFIX)
                     and p.removeprefix(POLICY_ID_PREFIX) not in policy_set.modules]
            for policy_id in stale:
                await client.delete_policy(policy_id)
        except Exception as exc:  # noqa: BLE001 - the client raises many kinds
            raise PolicyError(f"OPA server refused the policy set ({type(exc).__name__})") \
                from None

    async def evaluate(self, prepared: object, document: dict[str, Any]) -> Any:
        client = self._require_client()
        try:
            response = await client.query_rule(document, self._settings.package_path,
                                               self._settings.rule_name)
        except (aiohttp.ClientError, ValueError):  # HTTP error, unreachable, not JSON
            raise EngineError("OPA server error") from None
        if not isinstance(response, dict):
            raise EngineError("unreadable result")
        return response.get("result")  # absent: undefined

    def _require_client(self) -> AsyncOpaClient:
        if self._client is None:
            raise EngineError("engine not started")
        return self._client

    async def close(self) -> None:
        await self._stack.aclose()
        self._client = None
