"""`privacy-gateway dsar ...` against a real gateway on 127.0.0.1, and `dsar worker` as its
own process sharing the gateway's database."""

from __future__ import annotations

import io
import json
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest

from dsar.service import extension
from proxy.app import create_app
from proxy.cli import main
from proxy.settings import load_settings
from tests.dsar.workflow_support import SYSTEMS, connector
from tests.support import ROOT, serve_in_thread, write_config

SECRET = "s" * 32


def token(role: str) -> str:
    now = int(time.time())
    claims = {"iss": "test", "aud": "gateway", "sub": f"{role}-{uuid.uuid4().hex[:6]}",
              "role": role, "region": "eu", "iat": now, "exp": now + 600}
    return jwt.encode(claims, SECRET, algorithm="HS256")


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """(base URL, config path): the gateway runs no worker; `dsar worker` runs it."""
    data_dir = tmp_path_factory.mktemp("dsar-cli")
    config = write_config(data_dir / "gateway.yaml", {
        "default_region": "eu",
        "systems": {"crm": {"prefix": "/crm", "upstreams": {"eu": "http://127.0.0.1:9"}}},
        "identity": {"issuer": "test", "audience": "gateway", "algorithms": ["HS256"],
                     "hs_secret": SECRET},
        "data_dir": str(data_dir), "pii": {"english_ner": False},
        "policy": {"run_tests_on_load": False, "timeout_ms": 5000},
        "dsar": {"worker": {"enabled": False, "max_attempts": 1, "poll_seconds": 0.2},
                 "connectors": {s: {r: connector() for r in regions}
                                for s, regions in SYSTEMS.items()}},
    })
    with serve_in_thread(create_app(load_settings(config), [extension])) as base:
        yield base, config


def dsar(capsys: pytest.CaptureFixture[str], base: str, role: str | None, *argv: str
         ) -> tuple[int, Any, str]:
    """(exit code, parsed stdout (JSON when it is), stderr) of one CLI call."""
    options = ["--url", base] + (["--token", token(role)] if role else [])
    code = main(["dsar", argv[0], *options, *argv[1:]])
    out, err = capsys.readouterr()
    try:
        return code, json.loads(out), err
    except ValueError:
        return code, out, err


def created(capsys: pytest.CaptureFixture[str], base: str, *extra: str) -> dict[str, Any]:
    code, case, err = dsar(capsys, base, "supervisor", "create", "--type", "access",
                           "--identity", "email=carol@mail.test", *extra)
    assert code == 0, err
    return case


def test_a_request_through_its_steps(gateway: tuple[str, Path],
                                     capsys: pytest.CaptureFixture[str]) -> None:
    base, _ = gateway
    case = created(capsys, base, "--identity", "phone=+44 20 7946 0111")
    assert case["state"] == "received" and "carol" not in json.dumps(case)
    code, _, err = dsar(capsys, base, "dpo", "verify", case["id"],
                        "--attestation", "passport checked at the front desk")
    assert code == 0, err
    code, _, err = dsar(capsys, base, "supervisor", "approve", case["id"])
    assert code == 1 and "the policy does not allow this caller to approve" in err
    code, approved, _ = dsar(capsys, base, "dpo", "approve", case["id"])
    assert code == 0 and approved["state"] == "approved"
    code, shown, _ = dsar(capsys, base, "dpo", "show", case["id"])
    assert [e["event"] for e in shown["timeline"]] == ["create", "verify", "approve"]
    assert len(shown["tasks"]) == sum(len(r) for r in SYSTEMS.values()) + 1
    code, _, err = dsar(capsys, base, "dpo", "deny", case["id"], "--reason", "too late")
    assert code == 1 and "cannot deny a request that is approved (HTTP 409)" in err


def test_extend_deny_cancel_revoke(gateway: tuple[str, Path],
                                   capsys: pytest.CaptureFixture[str]) -> None:
    base, _ = gateway
    first, second, third = (created(capsys, base) for _ in range(3))
    code, extended, _ = dsar(capsys, base, "dpo", "extend", first["id"],
                             "--reason", "many systems", "--months", "2")
    assert code == 0 and extended["extensions"] == 1 and extended["due_date"] > first["due_date"]
    code, _, err = dsar(capsys, base, "dpo", "extend", first["id"], "--reason", "more",
                        "--months", "1")
    assert code == 1 and "(HTTP 422)" in err
    assert dsar(capsys, base, "dpo", "deny", first["id"], "--reason", "manifestly unfounded"
                )[1]["state"] == "denied"
    assert dsar(capsys, base, "dpo", "cancel", second["id"], "--reason", "duplicate"
                )[1]["state"] == "cancelled"
    code, revoked, _ = dsar(capsys, base, "supervisor", "revoke", third["id"],
                            "--reason", "the subject withdrew by phone")
    assert code == 0 and revoked["state"] == "cancelled"
    timeline = dsar(capsys, base, "dpo", "show", third["id"])[1]["timeline"]
    assert timeline[-1]["event"] == "revoke"


def test_send_code_and_verify_with_it(gateway: tuple[str, Path],
                                      capsys: pytest.CaptureFixture[str]) -> None:
    base, config = gateway
    case = created(capsys, base)
    assert dsar(capsys, base, "supervisor", "send-code", case["id"])[1]["state"] == "verifying"
    outbox = config.parent / "dsar" / "outbox.jsonl"
    code_text = json.loads(outbox.read_text().splitlines()[-1])["body"].split(
        "Your code is ")[1][:6]
    code, _, err = dsar(capsys, base, "supervisor", "verify", case["id"], "--code", "xxxxxx")
    assert code == 1 and "the code is not correct" in err
    code, verified, _ = dsar(capsys, base, "supervisor", "verify", case["id"],
                             "--code", code_text)
    assert code == 0 and verified["state"] == "awaiting_approval"


def test_list_and_due_tables(gateway: tuple[str, Path],
                             capsys: pytest.CaptureFixture[str]) -> None:
    base, _ = gateway
    late = created(capsys, base, "--received-at", "2020-02-29T23:30:00+00:00")
    fresh = created(capsys, base)
    code, table, _ = dsar(capsys, base, "dpo", "list", "--overdue")
    lines = table.splitlines()
    assert code == 0 and lines[0].split() == ["id", "type", "state", "regime", "due_date",
                                              "days_left", "flags"]
    row = next(line for line in lines if line.startswith(late["id"]))
    assert row.split()[1:5] == ["access", "received", "gdpr", "2020-03-29"]
    assert "overdue" in row.split()[-1].split(",")
    assert fresh["id"] not in table
    code, due, _ = dsar(capsys, base, "dpo", "due", "--json")
    assert code == 0 and late["id"] in {c["id"] for c in due}
    assert fresh["id"] not in {c["id"] for c in due}  # a month left, more than due_soon_days
    code, listed, _ = dsar(capsys, base, "dpo", "list", "--json", "--type", "access")
    assert {late["id"], fresh["id"]} <= {c["id"] for c in listed}


def test_failures_exit_non_zero_with_the_api_message(
        gateway: tuple[str, Path], capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    base, _ = gateway
    code, _, err = dsar(capsys, base, "supervisor", "create", "--type", "access",
                        "--identity", "shoe=size 9")
    assert code == 1 and "the request body is not valid (HTTP 422)" in err
    assert "identities.0.kind" in err and "size 9" not in err
    code, _, err = dsar(capsys, base, "dpo", "show", "no-such-case")
    assert code == 1 and "no request no-such-case (HTTP 404)" in err
    monkeypatch.delenv("PRIVACY_GATEWAY_TOKEN", raising=False)
    code, _, err = dsar(capsys, base, None, "list")
    assert code == 1 and "no token" in err
    code, _, err = dsar(capsys, "http://127.0.0.1:9", "dpo", "list")
    assert code == 1 and "cannot reach the gateway at http://127.0.0.1:9" in err
    code, _, err = dsar(capsys, base, "dpo", "download-link", created(capsys, base)["id"])
    assert code == 1 and "no export for this request" in err


def test_identity_value_from_stdin(gateway: tuple[str, Path], capsys: pytest.CaptureFixture[str],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    base, _ = gateway
    email = f"dora-{uuid.uuid4().hex[:8]}@mail.test"
    code, first, _ = dsar(capsys, base, "supervisor", "create", "--type", "erasure",
                          "--identity", f"email={email}")
    monkeypatch.setattr(sys, "stdin", io.StringIO(email.upper() + "\n"))
    code, second, err = dsar(capsys, base, "supervisor", "create", "--type", "erasure",
                             "--identity", "email=-")
    assert code == 0, err
    assert first["duplicate_of"] is None and second["duplicate_of"] == first["id"]


def test_worker_runs_tasks_and_stops_on_sigterm(gateway: tuple[str, Path],
                                                capsys: pytest.CaptureFixture[str]) -> None:
    base, config = gateway
    case = created(capsys, base)
    dsar(capsys, base, "dpo", "verify", case["id"], "--attestation", "known customer")
    dsar(capsys, base, "dpo", "approve", case["id"])
    worker = subprocess.Popen([sys.executable, "-m", "proxy.cli", "dsar", "worker",
                               "--config", str(config), "--log-level", "warning"],
                              cwd=ROOT, stderr=subprocess.PIPE, text=True)
    try:
        shown = _wait_for(capsys, base, case["id"], {"failed", "completed"})
    finally:
        worker.send_signal(signal.SIGTERM)
        _, err = worker.communicate(timeout=60)
    # The connectors point at a closed port and one attempt is allowed: every task fails.
    assert shown["state"] == "failed", shown
    assert {t["state"] for t in shown["tasks"] if t["system"] != "*"} == {"failed"}
    assert worker.returncode == 0, err
    assert "carol" not in err


def _wait_for(capsys: pytest.CaptureFixture[str], base: str, case_id: str,
              states: set[str], timeout: float = 180.0) -> dict[str, Any]:
    """The case once it is in one of ``states`` and none of its system tasks is still pending
    or running (the first failed task fails the case while the others finish on their own;
    the closing task ``*`` only runs after them all)."""
    deadline = time.monotonic() + timeout
    while True:
        shown = dsar(capsys, base, "dpo", "show", case_id)[1]
        settled = all(t["state"] not in ("pending", "running") for t in shown["tasks"]
                      if t["system"] != "*")
        if (shown["state"] in states and settled) or time.monotonic() > deadline:
            return shown
        time.sleep(0.5)
