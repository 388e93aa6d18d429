"""Masked answers do not depend on what else the gateway is doing: small structured pages are
masked on the event loop while pages with free text are masked on the masking thread, both
reading the same caches, and every answer is the one the request gets on its own."""

from __future__ import annotations

import asyncio

import httpx

from tests.e2e.helpers import Demo, leaked, token

_STRUCTURED = {"per_page": 20, "fields": "id,name,email,phone,national_id,bank,address"}
_WITH_NOTES = {"per_page": 20}  # contacts' notes: free text, for NER on the masking thread


def _requests(demo: Demo) -> list[tuple[dict[str, str], dict[str, object]]]:
    return [({**token(role, "eu", sub=f"concurrent-{role}"), "X-Subject-Region": "eu"},
             {**params, "page": page})
            for role in ("agent", "analyst") for params in (_STRUCTURED, _WITH_NOTES)
            for page in (1, 2, 3)]


async def _all_at_once(demo: Demo, requests: list, rounds: int) -> list[list[str]]:
    async with httpx.AsyncClient(base_url=demo.url, timeout=60) as client:
        async def one(headers: dict[str, str], params: dict[str, object]) -> str:
            answer = await client.get("/crm/contacts", headers=headers, params=params)
            assert answer.status_code == 200, answer.text
            return answer.text
        batches = await asyncio.gather(*(asyncio.gather(*(one(h, p) for h, p in requests))
                                         for _ in range(rounds)))
    return [list(batch) for batch in batches]


def test_concurrent_answers_equal_the_answers_alone(demo: Demo) -> None:
    requests = _requests(demo)
    with demo.client() as client:
        alone = [client.get("/crm/contacts", headers=h, params=p).text for h, p in requests]
    assert not any(leaked(text, demo.raw) for text in alone)
    for batch in asyncio.run(_all_at_once(demo, requests, rounds=4)):
        assert batch == alone
