"""The load generator behind the benchmarks, against a real server on 127.0.0.1."""

from __future__ import annotations

from collections import Counter

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from proxy import loadgen
from tests.support import serve_in_thread


@pytest.fixture
def counted() -> tuple[Starlette, Counter[str]]:
    pages: Counter[str] = Counter()

    async def page(request: Request) -> PlainTextResponse:
        pages[request.query_params.get("page", "-")] += 1
        return PlainTextResponse("ok")

    return Starlette(routes=[Route("/contacts", page)]), pages


@pytest.mark.parametrize("tool", ["wrk", "aiohttp"])
def test_requests_go_round_the_pages(tool: str, counted: tuple[Starlette, Counter[str]],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    if tool == "wrk" and not loadgen.shutil.which("wrk"):
        pytest.skip("wrk is not installed")
    if tool == "aiohttp":
        monkeypatch.setattr(loadgen.shutil, "which", lambda name: None)
    app, pages = counted
    with serve_in_thread(app) as url:
        result = loadgen.run_load(f"{url}/contacts?per_page=5", connections=2, seconds=1,
                                  pages=3)
    assert result.tool == tool and result.errors == 0 and result.requests_per_second > 0
    assert set(pages) == {"1", "2", "3"}
    assert max(pages.values()) - min(pages.values()) <= 4  # each page in turn


def test_one_page_by_default(counted: tuple[Starlette, Counter[str]]) -> None:
    app, pages = counted
    with serve_in_thread(app) as url:
        loadgen.run_load(f"{url}/contacts", connections=2, seconds=1)
    assert set(pages) == {"-"}
