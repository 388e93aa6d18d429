"""`privacy-gateway residency get|set|delete`: view and correct the residency directory
directly in the gateway's database (changes are audited like the admin API's)."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import sys
from typing import Any

from proxy.audit.runtime import audit_services
from proxy.commands._common import add_config_argument, settings_or_exit
from proxy.db.master_key import MasterKey
from proxy.residency import KINDS, ResidencyDirectory
from proxy.residency_admin import (
    Correction,
    InvalidRequest,
    Lookup,
    correct,
    entry_dict,
    forget,
    parse,
)
from proxy.settings import Settings


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("residency", help="view and correct the residency directory")
    actions = parser.add_subparsers(dest="residency_action", required=True)
    for name, help_text in (("get", "print a subject's home region"),
                            ("set", "set (correct) a subject's home region"),
                            ("delete", "remove a subject's directory entry")):
        action = actions.add_parser(name, help=help_text)
        add_config_argument(action)
        action.add_argument("--kind", required=True, choices=KINDS)
        action.add_argument("--value", required=True,
                            help="the identifier; '-' reads it from stdin (keeps it out of "
                                 "the shell history and process list)")
        if name == "set":
            action.add_argument("--region", required=True)
            action.add_argument("--reason", required=True,
                                help="why (audited; no personal data)")
        action.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    value = sys.stdin.readline().strip() if args.value == "-" else args.value
    fields = {"kind": args.kind, "value": value}
    if args.residency_action == "set":
        fields |= {"region": args.region, "reason": args.reason}
    try:
        answer = asyncio.run(_run(settings_or_exit(args.config), args.residency_action, fields))
    except InvalidRequest as exc:
        print(f"privacy-gateway residency: {exc}", file=sys.stderr)
        return 2
    if answer is None:
        print("privacy-gateway residency: no directory entry for this identifier",
              file=sys.stderr)
        return 1
    print(json.dumps(answer, indent=2))
    return 0


async def _run(settings: Settings, action: str, fields: dict[str, Any]) -> dict[str, Any] | None:
    async with audit_services(settings) as services:
        master = MasterKey.load(settings.database, settings.data_dir)
        directory = ResidencyDirectory.from_master(services.db, master)
        caller = {"sub": f"cli:{getpass.getuser()}", "role": "operator", "method": "cli"}
        if action == "get":
            entry = await directory.get(parse(Lookup, fields).identifier)
            return entry_dict(entry) if entry else None
        if action == "set":
            entry = await correct(directory, services.log, caller, parse(Correction, fields))
            return entry_dict(entry)
        deleted = await forget(directory, services.log, caller, parse(Lookup, fields))
        return {"deleted": deleted} if deleted else None
