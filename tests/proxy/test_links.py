"""Upstream links rewritten to the gateway's address, however the upstream wrote them."""

from __future__ import annotations

from pathlib import Path

import httpx

from proxy.app import create_app
from proxy.links import Links, gateway_base, textual
from proxy.settings import parse_settings
from tests.proxy.conftest import gateway_config
from tests.support import serve_in_thread

LINKS = Links("http://10.0.0.5:8000/crm/v1/", "https://gw.example.com/crm")


def test_links_in_a_body_point_at_the_gateway() -> None:
    body = (b'{"next": "http://10.0.0.5:8000/crm/v1/contacts?page=2", '
            b'"self": "http:\\/\\/10.0.0.5:8000\\/crm\\/v1\\/contacts\\/1", '
            b'"root": "http://10.0.0.5:8000/crm/v1"}')
    assert LINKS.rewrite(body) == (
        b'{"next": "https://gw.example.com/crm/contacts?page=2", '
        b'"self": "https://gw.example.com/crm\\/contacts\\/1", '
        b'"root": "https://gw.example.com/crm"}')


def test_only_whole_path_parts_are_rewritten() -> None:
    body = b'"http://10.0.0.5:8000/crm/v10/x" "http://10.0.0.5:8000/crm/v1x"'
    assert LINKS.rewrite(body) == body


def test_held_links_survive_masking_as_placeholders() -> None:
    held = LINKS.hold(b'{"next": "http://10.0.0.5:8000/crm/v1/contacts?page=2"}')
    assert b"10.0.0.5" not in held
    assert LINKS.release(held) == b'{"next": "https://gw.example.com/crm/contacts?page=2"}'


def test_location_headers_are_rewritten_and_others_kept() -> None:
    headers = [(b"location", b"http://10.0.0.5:8000/crm/v1/contacts/9"),
               (b"x-upstream", b"http://10.0.0.5:8000/crm/v1/contacts/9")]
    assert LINKS.headers(headers) == [
        (b"location", b"https://gw.example.com/crm/contacts/9"),
        (b"x-upstream", b"http://10.0.0.5:8000/crm/v1/contacts/9")]


def test_gateway_base_uses_the_callers_host_else_the_server() -> None:
    scope = {"type": "http", "scheme": "https", "server": ("10.1.1.1", 8443), "path": "/crm/x",
             "query_string": b"", "headers": [(b"host", b"gw.example.com")]}
    assert gateway_base(scope, "/crm") == "https://gw.example.com/crm"
    assert gateway_base({**scope, "headers": []}, "/crm") == "https://10.1.1.1:8443/crm"


def test_only_text_bodies_are_rewritten() -> None:
    assert textual("application/json; charset=utf-8") and textual("text/html")
    assert textual("application/hal+json") and textual("application/x-ndjson")
    assert not textual("application/pdf") and not textual(None)


def test_gateway_answers_with_links_to_itself(gateway: str, auth: dict[str, str]) -> None:
    answer = httpx.get(f"{gateway}/crm/linked", headers=auth)
    assert answer.json() == {"next": f"{gateway}/crm/linked?page=2"}
    assert answer.headers["location"] == f"{gateway}/crm/linked/7"


def test_configured_public_url_is_used_for_links(upstream: str, tmp_path: Path,
                                                  auth: dict[str, str]) -> None:
    config = gateway_config(upstream, upstream, tmp_path,
                            public_url="https://gw.example.com/")
    with serve_in_thread(create_app(parse_settings(config)), proxy_headers=False) as url:
        answer = httpx.get(f"{url}/crm/linked", headers=auth)
    assert answer.json() == {"next": "https://gw.example.com/crm/linked?page=2"}
    assert answer.headers["location"] == "https://gw.example.com/crm/linked/7"
