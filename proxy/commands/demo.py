"""`privacy-gateway demo`: sample CRM upstreams (eu, cn, us) and the gateway on 127.0.0.1."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import shlex
from pathlib import Path

from proxy import logs
from proxy.commands._common import DEMO_CONFIG
from proxy.settings import ConfigError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("demo", help="run the gateway on its embedded demo setup")
    parser.add_argument("--port", type=int, default=8080, help="gateway port (default 8080)")
    parser.add_argument("--data-dir", type=Path, default=Path("privacy-gateway-data"))
    parser.add_argument("--seed", type=int, default=7, help="seed for the generated CRM data")
    parser.add_argument("--contacts", type=int, default=200, help="contacts per region")
    parser.add_argument("--config", type=Path, default=DEMO_CONFIG, help=argparse.SUPPRESS)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from proxy.demo import runner  # imports the data generator only when needed

    logs.configure("WARNING")
    try:
        plan, settings = runner.prepare(args.config, args.port, args.data_dir.resolve())
    except ConfigError as error:
        print(f"privacy-gateway: invalid demo configuration:\n{error}")
        return 2
    print(_banner(plan), flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(runner.run(plan, settings, seed=args.seed, contacts=args.contacts))
    return 0


def _banner(plan) -> str:
    gw = f"http://127.0.0.1:{plan.gateway_port}"
    upstreams = "  ".join(f"{r} http://127.0.0.1:{p}" for r, p in plan.upstream_ports.items())
    auth = '-H "Authorization: Bearer $TOKEN"'
    return "\n".join([
        "privacy-gateway demo",
        f"  gateway     {gw}   (health {gw}/healthz, metrics {gw}/metrics)",
        f"  upstreams   {upstreams}",
        f"  data dir    {plan.data_dir}",
        "",
        "Try, in another terminal:",
        f"  curl -s {gw}/crm/contacts                      # 401: no identity",
        "  TOKEN=$(privacy-gateway token --role agent --region eu)",
        f"  curl -s {auth} '{gw}/crm/contacts?per_page=2'",
        f"  curl -s {auth} -H 'X-Subject-Region: cn' '{gw}/crm/contacts?per_page=2'",
        f"  curl -s {auth} '{gw}/helpdesk/tickets?per_page=1'",
        f"  curl -s {auth} '{gw}/calls/calls?per_page=1'",
        "  # other roles: --role analyst | dpo | supervisor | intern (unknown)",
        "",
        f"Config: {shlex.quote(str(plan.config))}   Stop with Ctrl-C.",
    ])
