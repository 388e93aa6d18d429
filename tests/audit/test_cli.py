"""`privacy-gateway db ...` and `privacy-gateway audit ...` end to end on a config file."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
import yaml

from proxy.audit.runtime import audit_services
from proxy.cli import main
from proxy.settings import Settings, load_settings
from tests.audit.helpers import execute, fill

HEAD = "0002"  # the newest migration in proxy/migrations/versions


@pytest.fixture
def config(tmp_path: Path, backend: tuple[str, str | None]) -> Path:
    url, schema = backend
    path = tmp_path / "gateway.yaml"
    path.write_text(yaml.safe_dump({
        "default_region": "eu", "data_dir": str(tmp_path / "data"),
        "identity": {"issuer": "t", "audience": "t", "algorithms": ["HS256"],
                     "hs_secret": "x" * 32},
        "systems": {"crm": {"prefix": "/crm", "upstreams": {"eu": "http://127.0.0.1:9"}}},
        "database": {"url": url, "schema_name": schema},
        "audit": {"checkpoint_every": 10},
    }))
    return path


def record_case(settings: Settings, tamper: str | None = None) -> None:
    async def run() -> None:
        async with audit_services(settings) as services:
            log = services.log
            await fill(log, 20, subject="subject-9")
            log.append("dsar.created", {"case_id": "c-9",
                                        "subject_hash": log.hash_identifier("subject-9")})
            await log.flush()
            if tamper:
                await execute(log, tamper)
    asyncio.run(run())


def test_db_upgrade_and_current(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "upgrade", "--config", str(config)]) == 0
    assert main(["db", "current", "--config", str(config)]) == 0
    assert capsys.readouterr().out.splitlines() == [f"schema revision: {HEAD}"] * 2


def test_verify_names_the_first_broken_position(config: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    record_case(load_settings(config))
    assert main(["audit", "verify", "--config", str(config)]) == 0
    assert capsys.readouterr().out.startswith("OK: 21 entries")
    record_case(load_settings(config), tamper="DELETE FROM audit_entries WHERE seq = 7")
    assert main(["audit", "verify", "--config", str(config)]) == 1
    assert "FAILED at log 'main' position 7: entry missing" in capsys.readouterr().err


def test_exported_key_verifies_alone(config: Path, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    record_case(load_settings(config))
    checkpoints = tmp_path / "checkpoints.jsonl"
    assert main(["audit", "export-key", "--config", str(config),
                 "--checkpoints", str(checkpoints)]) == 0
    key = tmp_path / "public.pem"
    key.write_text(capsys.readouterr().out)
    assert key.read_text().startswith("-----BEGIN PUBLIC KEY-----")
    assert [json.loads(line)["seq"] for line in checkpoints.read_text().splitlines()] == [10, 20,
                                                                                           21]
    private = tmp_path / "data" / "audit_signing_key.pem"
    private.unlink()  # a third party has only the public key
    assert main(["audit", "verify", "--config", str(config)]) == 2
    assert main(["audit", "verify", "--config", str(config), "--public-key", str(key)]) == 0
    assert not private.exists()


def test_search_export_and_verify_pack(config: Path, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    record_case(load_settings(config))
    assert main(["audit", "search", "--config", str(config), "--subject", "subject-9",
                 "--outcome", "deny"]) == 0
    found = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(found) == 7 and {e["fields"]["outcome"] for e in found} == {"deny"}
    pack = tmp_path / "c-9.zip"
    assert main(["audit", "export", "--config", str(config), "--case", "c-9",
                 "--out", str(pack)]) == 0
    assert "1 case entries, 20 decisions" in capsys.readouterr().out
    assert main(["audit", "verify-pack", str(pack)]) == 0


def test_purge_reports_counts(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    record_case(load_settings(config))
    assert main(["audit", "purge", "--config", str(config)]) == 0
    assert "decision: 0 entries purged" in capsys.readouterr().out
