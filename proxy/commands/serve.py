"""`privacy-gateway serve`: run the gateway under uvicorn for real use."""

from __future__ import annotations

import argparse
import os

import uvicorn

from proxy import logs
from proxy.commands._common import add_config_argument, settings_or_exit


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("serve", help="run the gateway")
    add_config_argument(parser)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--log-level", default="info")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings_or_exit(args.config)  # fail here, cleanly, rather than in every worker
    os.environ["PRIVACY_GATEWAY_CONFIG"] = str(args.config.resolve())
    logs.configure(args.log_level.upper())
    uvicorn.run("proxy.asgi:app", factory=True, host=args.host, port=args.port,
                workers=args.workers, loop="uvloop", http="httptools", access_log=False,
                log_config=None, lifespan="on", server_header=False, proxy_headers=False)
    return 0
