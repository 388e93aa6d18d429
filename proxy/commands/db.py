"""`privacy-gateway db upgrade|current|downgrade`: database migrations."""

from __future__ import annotations

import argparse
import asyncio

from proxy.commands._common import add_config_argument, settings_or_exit
from proxy.db import Database


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("db", help="database migrations")
    actions = parser.add_subparsers(dest="db_action", required=True)
    for name, help_text in (("upgrade", "migrate to the newest schema (also done on start)"),
                            ("current", "print the schema revision"),
                            ("downgrade", "migrate back to REVISION ('base' drops all)")):
        action = actions.add_parser(name, help=help_text)
        add_config_argument(action)
        if name == "downgrade":
            action.add_argument("revision")
        action.set_defaults(handler=run)


async def _run(args: argparse.Namespace) -> str | None:
    settings = settings_or_exit(args.config)
    url = settings.database.resolved_url(settings.data_dir)
    db = await Database.open(url, schema=settings.database.schema_name, migrate_to=None)
    try:
        if args.db_action == "upgrade":
            await db.upgrade()
        elif args.db_action == "downgrade":
            await db.downgrade(args.revision)
        return await db.current_revision()
    finally:
        await db.close()


def run(args: argparse.Namespace) -> int:
    print(f"schema revision: {asyncio.run(_run(args)) or 'none (empty database)'}")
    return 0
