"""scan / mask / pii-eval subcommands, run through their argparse registration."""

from __future__ import annotations

import argparse
import io
import json
import sys
from pathlib import Path

import pytest

from proxy.commands import mask, pii_bench, pii_eval, scan


def run(argv: list[str], stdin: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser()
    subparsers = parser.add_subparsers(dest="command", required=True)
    for module in (scan, mask, pii_eval, pii_bench):
        module.register(subparsers)
    args = parser.parse_args(argv)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin.encode())))
    code = args.handler(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_scan_jsonl_reports_offsets(monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    lines = [{"id": 1, "text": "邮箱zhangwei@example.com谢谢"},
             {"id": "b", "text": "nothing personal here"}]
    code, out, _ = run(["scan", "--jsonl", "--language", "zh"],
                       "\n".join(json.dumps(x, ensure_ascii=False) for x in lines),
                       monkeypatch, capsys)
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert rows[0] == {"id": 1, "findings": [{"entity_type": "EMAIL_ADDRESS", "start": 2,
                                              "end": 22, "score": 0.9}]}
    assert rows[1] == {"id": "b", "findings": []}


def test_scan_jsonl_names_bad_lines_and_scans_the_rest(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    lines = ['{"id": 1, "text": "call 13812345678"}', '{"id": 2, "text": "13812345678',
             "", '["13812345678"]', '{"id": 4, "text": 13812345678}',
             '{"id": 5, "text": "mail zhangwei@example.com"}']
    code, out, err = run(["scan", "--jsonl"], "\n".join(lines), monkeypatch, capsys)
    assert code == 1
    assert [json.loads(line)["id"] for line in out.splitlines()] == [1, 5]
    assert err.splitlines() == [
        "privacy-gateway scan: line 2: not JSON; skipped",
        'privacy-gateway scan: line 4: not an object with a string "text"; skipped',
        'privacy-gateway scan: line 5: not an object with a string "text"; skipped']
    assert "13812345678" not in err


def test_scan_json_says_where_a_document_is_broken(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    doc = tmp_path / "page.json"
    doc.write_text('{"items": [\n  {"phone": "13812345678",}]}')
    code, out, err = run(["scan", "--json", str(doc)], "", monkeypatch, capsys)
    assert (code, out) == (1, "")
    assert err == f"privacy-gateway scan: {doc}: not JSON (line 2, column 27)\n"


def test_scan_json_reports_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    doc = tmp_path / "page.json"
    doc.write_text(json.dumps({"items": [{"手机号": "13812345678", "memo": "ok"}]}))
    code, out, _ = run(["scan", "--json", str(doc)], "", monkeypatch, capsys)
    assert code == 0
    assert json.loads(out) == {"path": "$.items[0].手机号", "entity_type": "PHONE_NUMBER",
                               "start": 0, "end": 11, "score": 1.0}


@pytest.fixture()
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The demo configuration's data directory (keys, database) for the mask command."""
    monkeypatch.setenv("GATEWAY_DATA_DIR", str(tmp_path))
    return tmp_path


def test_mask_json_for_a_role_follows_the_policy(data_dir: Path,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["mask", "--role", "agent"], '{"mobile": "13812345678"}',
                       monkeypatch, capsys)
    assert code == 0 and json.loads(out) == {"mobile": "138****5678"}
    # The analyst's pseudonym is keyed by the deployment: the same on every run.
    first = run(["mask", "--role", "analyst"], '{"mobile": "13812345678"}', monkeypatch, capsys)
    again = run(["mask", "--role", "analyst"], '{"mobile": "13812345678"}', monkeypatch, capsys)
    assert first[0] == 0 and first[1] == again[1] and "13812345678" not in first[1]


def test_mask_text_and_blocking(data_dir: Path, monkeypatch: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["mask", "--role", "agent", "--text"], "call +49 30 1234567",
                       monkeypatch, capsys)
    assert code == 0 and "1234567" not in out and out.startswith("call +49")
    code, out, err = run(["mask", "--role", "nobody", "--text"], "call +49 30 1234567",
                         monkeypatch, capsys)
    assert code == 1 and out == "" and "unknown role" in err
    code, out, err = run(["mask", "--role", "agent"], '{"mobile": "13812345678"',
                         monkeypatch, capsys)
    assert code == 1 and out == "" and "13812345678" not in err and "blocked" in err


def test_pii_eval_small_run(monkeypatch: pytest.MonkeyPatch,
                            capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["pii-eval", "--samples", "80", "--digits", "200", "--no-baseline"], "",
                       monkeypatch, capsys)
    assert "CN_RESIDENT_ID" in out and "PERSON (zh)" in out and "targets:" in out
    assert code == (0 if "all met" in out else 1)


def test_pii_bench_takes_its_profile_from_the_policy(monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    # A role the policy does not know has no profile to benchmark (the gateway refuses it).
    code, out, err = run(["pii-bench", "--role", "support_lead"], "", monkeypatch, capsys)
    assert code == 1 and out == "" and "unknown role" in err
    code, out, err = run(["pii-bench", "--policies", "/nonexistent"], "", monkeypatch, capsys)
    assert code == 1 and "not a directory" in err
