"""Upstream traffic: one pooled aiohttp session per regional upstream."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
from yarl import URL

from proxy.errors import GatewayError, UpstreamTimeout, UpstreamUnavailable
from proxy.settings import Limits, Settings, Upstream

Body = bytes | AsyncIterator[bytes] | None


class UpstreamPool:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._sessions: dict[tuple[str, str], aiohttp.ClientSession] = {}

    @property
    def ready(self) -> bool:
        return bool(self._sessions) and not any(s.closed for s in self._sessions.values())

    async def open(self) -> None:
        limits = self._settings.limits
        for name, system in self._settings.systems.items():
            for region in system.upstreams:
                self._sessions[(name, region)] = new_session(limits)

    async def close(self) -> None:
        sessions, self._sessions = list(self._sessions.values()), {}
        await asyncio.gather(*(s.close() for s in sessions))

    async def send(self, system: str, region: str, upstream: Upstream, *, method: str,
                   path: str, query: str, headers: list[tuple[str, str]],
                   body: Body) -> aiohttp.ClientResponse:
        """Send a request; the caller must ``release()`` the response it gets back."""
        url = upstream.url + path + (f"?{query}" if query else "")
        session = self._sessions[(system, region)]
        try:
            return await session.request(method, URL(url, encoded=True),
                                         headers=headers, data=body, allow_redirects=False)
        except GatewayError:
            raise
        except (TimeoutError, aiohttp.ServerTimeoutError):
            raise UpstreamTimeout() from None
        except aiohttp.ClientConnectorError:
            raise UpstreamUnavailable() from None
        except (aiohttp.ClientError, OSError):
            raise UpstreamUnavailable("upstream closed the connection") from None


def new_session(limits: Limits) -> aiohttp.ClientSession:
    """A pooled session to one upstream, configured as the gateway uses it."""
    connector = aiohttp.TCPConnector(limit=limits.pool_size_per_upstream,
                                     ttl_dns_cache=300, enable_cleanup_closed=True)
    timeout = aiohttp.ClientTimeout(total=None, connect=limits.connect_timeout_seconds,
                                    sock_read=limits.read_timeout_seconds)
    return aiohttp.ClientSession(connector=connector, timeout=timeout, auto_decompress=False,
                                 skip_auto_headers=("User-Agent", "Accept-Encoding"),
                                 cookie_jar=aiohttp.DummyCookieJar())


async def iter_body(response: aiohttp.ClientResponse) -> AsyncIterator[bytes]:
    """Upstream body chunks; a stall or a broken connection mid-body raises GatewayError."""
    try:
        async for chunk in response.content.iter_any():
            yield chunk
    except (TimeoutError, aiohttp.ServerTimeoutError):
        raise UpstreamTimeout() from None
    except (aiohttp.ClientError, OSError):
        raise UpstreamUnavailable("upstream closed the connection mid-body") from None
