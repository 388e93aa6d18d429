"""A path that names a person reaches neither the log nor the audit entry."""

from __future__ import annotations

import logging

import pytest

from tests.e2e.helpers import Demo, token


def test_a_name_in_the_path_is_logged_and_audited_as_a_placeholder(
        demo: Demo, caplog: pytest.LogCaptureFixture) -> None:
    caller = token("agent", "eu", sub="staff-path-check")
    with caplog.at_level(logging.INFO, logger="proxy.gateway"), demo.client() as client:
        by_name = client.get("/crm/contacts/by-name/john-smith",
                             headers={**caller, "X-Subject-Region": "eu"})
        by_id = client.get("/crm/contacts/1", headers={**caller, "X-Subject-Region": "eu"})
        found = client.post("/admin/audit/search", headers=token("dpo", "eu"),
                            json={"kind": "decision", "caller": "staff-path-check"})
    logged = {r.fields["request_id"]: r.fields["path"] for r in caplog.records
              if r.getMessage() == "request"}
    assert logged[by_name.headers["x-request-id"]] == "/crm/contacts/by-name/{id}"
    assert logged[by_id.headers["x-request-id"]] == "/crm/contacts/{id}"
    assert "john" not in caplog.text
    audited = {e["fields"]["decision_id"]: e["fields"]["path_template"]
               for e in found.json()["entries"]}
    assert audited[by_name.headers["x-decision-id"]] == "/contacts/by-name/{id}"
    assert audited[by_id.headers["x-decision-id"]] == "/contacts/{id}"
