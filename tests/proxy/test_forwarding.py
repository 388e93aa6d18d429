"""The gateway in front of a real upstream, both served by uvicorn on 127.0.0.1."""

from __future__ import annotations

import gzip

import httpx


def test_request_without_credentials_gets_401_with_challenge(gateway: str) -> None:
    response = httpx.get(f"{gateway}/crm/contacts", headers={"X-Role": "dpo"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer ")
    assert response.json()["error"] == "unauthorized"


def test_forwards_path_query_and_gateway_credentials_only(gateway: str, auth) -> None:
    response = httpx.get(f"{gateway}/crm/contacts/42?email=a%40b.c&page=2",
                         headers={**auth, "Cookie": "session=caller", "X-Role": "dpo",
                                  "X-Forwarded-For": "10.9.9.9", "X-Request-ID": "req-123"})
    assert response.status_code == 200
    seen = response.json()
    assert seen["path"] == "/api/contacts/42"
    assert seen["query"] == "email=a%40b.c&page=2"
    assert seen["headers"]["authorization"] == "Bearer upstream-secret"
    assert "cookie" not in seen["headers"] and "x-role" not in seen["headers"]
    assert seen["headers"]["x-forwarded-for"] == "10.9.9.9, 127.0.0.1"
    assert seen["headers"]["x-forwarded-proto"] == "http"
    assert seen["headers"]["x-forwarded-host"] == gateway.removeprefix("http://")
    assert seen["headers"]["x-request-id"] == "req-123"
    assert response.headers["x-request-id"] == "req-123"


def test_response_keeps_repeated_headers_and_drops_hop_by_hop(gateway: str, auth) -> None:
    response = httpx.get(f"{gateway}/crm/anything", headers=auth)
    assert response.headers.get_list("x-repeated") == ["a=1", "b=2"]
    assert "x-private" not in response.headers  # listed in the upstream's Connection header


def test_all_methods_and_bodies_are_forwarded(gateway: str, auth) -> None:
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        response = httpx.request(method, f"{gateway}/crm/contacts/7", headers=auth,
                                 content=b'{"name": "x"}')
        assert response.json()["method"] == method
        assert response.json()["body_size"] == 13


def test_chunked_request_body_is_forwarded_whole(gateway: str, auth) -> None:
    def chunks():
        for _ in range(10):
            yield b"y" * 10_000

    response = httpx.post(f"{gateway}/crm/upload", headers=auth, content=chunks())
    assert response.status_code == 200
    assert response.json()["body_size"] == 100_000


def test_oversized_body_gets_413(gateway: str, auth) -> None:
    response = httpx.post(f"{gateway}/crm/upload", headers=auth, content=b"z" * 300_000)
    assert response.status_code == 413
    assert response.json() == {"error": "body_too_large",
                               "detail": "request body exceeds 200000 bytes"}


def test_oversized_chunked_body_gets_413(gateway: str, auth) -> None:
    def chunks():
        for _ in range(30):
            yield b"z" * 10_000

    response = httpx.post(f"{gateway}/crm/upload", headers=auth, content=chunks())
    assert response.status_code == 413


def test_region_from_routing_key_picks_the_upstream(gateway: str, auth) -> None:
    # The us upstream is down: choosing it must give 502, proving the key is honoured.
    response = httpx.get(f"{gateway}/crm/contacts", headers={**auth, "X-Subject-Region": "us"})
    assert response.status_code == 502
    assert response.json()["error"] == "bad_gateway"


def test_unknown_region_and_unknown_system(gateway: str, auth) -> None:
    response = httpx.get(f"{gateway}/crm/contacts", headers={**auth, "X-Subject-Region": "mars"})
    assert response.status_code == 400
    assert "mars" in response.json()["detail"]
    assert httpx.get(f"{gateway}/nowhere/x", headers=auth).status_code == 404


def test_dot_segments_cannot_leave_the_system_base_path(gateway: str, auth) -> None:
    for path in ("/crm/contacts/%2e%2e/%2e%2e/internal", "/crm/%2E/contacts",
                 "/crm/contacts/%2e%2e", "/crm/contacts/..;/..;/internal",
                 "/crm/contacts%5C..%5C..%5Cinternal"):
        response = httpx.get(f"{gateway}{path}", headers=auth)
        assert response.status_code == 400, path
        assert response.json()["detail"] == "path: dot segments (. or ..) are not allowed"
    for fine in ("/crm/contacts/a..b/.well", "/crm/contacts/x;v=1/..b"):
        assert httpx.get(f"{gateway}{fine}", headers=auth).status_code == 200, fine


def test_hanging_upstream_gets_504(gateway: str, auth) -> None:
    response = httpx.get(f"{gateway}/crm/hang", headers=auth, timeout=10)
    assert response.status_code == 504
    assert response.json()["error"] == "gateway_timeout"


def test_gzip_body_is_decoded(gateway: str, auth) -> None:
    response = httpx.get(f"{gateway}/crm/gzip", headers={**auth, "Accept-Encoding": "identity"})
    assert response.status_code == 200
    assert "content-encoding" not in response.headers
    assert len(response.json()["results"]) == 100


def test_compression_bomb_gets_502(gateway: str, auth) -> None:
    response = httpx.get(f"{gateway}/crm/bomb", headers=auth, timeout=30)
    assert response.status_code == 502
    assert "exceeds" in response.json()["detail"]


def test_operational_endpoints(gateway: str, auth) -> None:
    httpx.get(f"{gateway}/crm/contacts", headers=auth)
    assert httpx.get(f"{gateway}/healthz").json() == {"status": "alive"}
    ready = httpx.get(f"{gateway}/readyz")
    assert ready.status_code == 200 and ready.json()["ready"] is True
    metrics = httpx.get(f"{gateway}/metrics").text
    assert 'gateway_requests_total{status="200",system="crm"}' in metrics
    assert "gateway_upstream_latency_seconds_bucket" in metrics
    assert "a@b.c" not in metrics and "a%40b.c" not in metrics


def test_a_compressed_write_that_decodes_past_the_limit_is_refused(gateway: str, auth) -> None:
    bomb = gzip.compress(b"0" * 5_000_000)  # 5 MB decoded, 5 KB sent; the limit is 200 KB
    response = httpx.post(f"{gateway}/crm/upload", headers={**auth, "Content-Encoding": "gzip"},
                          content=bomb)
    assert response.status_code == 400
    assert response.json()["detail"] == "request body: decodes to more than 200000 bytes"
