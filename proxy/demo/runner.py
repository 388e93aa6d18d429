"""Run the demo: one sample CRM upstream per region and the gateway, in one process."""

from __future__ import annotations

import asyncio
import os
import socket
from dataclasses import dataclass
from pathlib import Path

import uvicorn

from proxy.app import create_app
from proxy.demo.crm import create_crm_app
from proxy.demo.dataset import build_dataset
from proxy.demo.processes import free_port
from proxy.settings import Settings, load_settings

REGIONS = {"eu": 18101, "cn": 18102, "us": 18103}
UPSTREAM_TOKEN = "demo-upstream-token"  # matches proxy/demo/config.yaml


@dataclass(frozen=True)
class DemoPlan:
    gateway_port: int
    upstream_ports: dict[str, int]
    data_dir: Path
    config: Path


def port_or_free(preferred: int) -> int:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", preferred))
            return preferred
        except OSError:
            return free_port()


def prepare(config: Path, gateway_port: int, data_dir: Path) -> tuple[DemoPlan, Settings]:
    """Pick ports, export them for the config's ``${DEMO_*_PORT}`` references, load it."""
    ports = {region: port_or_free(port) for region, port in REGIONS.items()}
    for region, port in ports.items():
        os.environ[f"DEMO_{region.upper()}_PORT"] = str(port)
    os.environ["GATEWAY_DATA_DIR"] = str(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    settings = load_settings(config)
    return DemoPlan(gateway_port, ports, data_dir, config), settings


def _server(app: object, port: int) -> uvicorn.Server:
    return uvicorn.Server(uvicorn.Config(
        app, host="127.0.0.1", port=port, loop="uvloop", http="httptools", access_log=False,
        log_config=None, log_level="warning", proxy_headers=False, server_header=False))


async def run(plan: DemoPlan, settings: Settings, *, seed: int, contacts: int) -> None:
    print("Starting (loading data, detection models and policies)...", flush=True)
    dataset = build_dataset(seed=seed, contacts_per_region=contacts)
    servers = [_server(create_crm_app(region, dataset.regions[region], token=UPSTREAM_TOKEN),
                       port) for region, port in plan.upstream_ports.items()]
    servers.append(_server(create_app(settings), plan.gateway_port))
    await asyncio.gather(*(server.serve() for server in servers), _announce(servers))


async def _announce(servers: list[uvicorn.Server]) -> None:
    """Say when every server answers (loading models and policies takes a few seconds)."""
    while not all(server.started for server in servers):
        if any(server.should_exit for server in servers):
            return
        await asyncio.sleep(0.1)
    print("Ready.", flush=True)
