"""`privacy-gateway dsar ...`: data-subject requests from the command line.

Every subcommand but ``worker`` talks to a running gateway's /dsar/v1 API (``--url`` and
``--token``, or PRIVACY_GATEWAY_URL and PRIVACY_GATEWAY_TOKEN) and prints its JSON answer, or
a compact table for ``list`` and ``due``; on failure it prints the API's error message and
exits 1. ``worker`` runs the DSAR task worker alone, without the HTTP server, until SIGTERM or
SIGINT.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

REQUESTS = "/dsar/v1/requests"
URL_ENV, TOKEN_ENV = "PRIVACY_GATEWAY_URL", "PRIVACY_GATEWAY_TOKEN"
DEFAULT_URL = "http://127.0.0.1:8080"
_CHUNK = 1 << 16
_TABLE = ("id", "type", "state", "regime", "due_date", "days_left", "flags")


class ApiError(Exception):
    """The gateway refused the call or could not be reached (the API's own message)."""


class Client:
    """A small synchronous client for /dsar/v1 (the standard library is enough for a CLI)."""

    def __init__(self, url: str, token: str | None, timeout: float = 120.0) -> None:
        self.url = url.rstrip("/")
        self._token = token
        self._timeout = timeout

    def call(self, method: str, path: str, body: dict[str, Any] | None = None,
             query: dict[str, str] | None = None) -> Any:
        if not self._token:
            raise ApiError(f"no token: pass --token or set {TOKEN_ENV}")
        data = None if body is None else json.dumps(body).encode()
        headers = {"Authorization": f"Bearer {self._token}", "Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        with self._open(method, path, query, data, headers) as response:
            return json.load(response)

    def save(self, path: str, target: Path) -> int:
        """GET ``path`` with no credentials (a signed link) into ``target``, readable only by
        its owner; returns the bytes written."""
        written = 0
        with self._open("GET", path, None, None, {}) as response:
            descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.fchmod(descriptor, 0o600)  # also when the file already existed
            with os.fdopen(descriptor, "wb") as file:
                while chunk := response.read(_CHUNK):
                    written += file.write(chunk)
        return written

    def _open(self, method: str, path: str, query: dict[str, str] | None, data: bytes | None,
              headers: dict[str, str]) -> Any:
        url = self.url + path + (f"?{urllib.parse.urlencode(query)}" if query else "")
        request = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            return urllib.request.urlopen(request, timeout=self._timeout)
        except urllib.error.HTTPError as error:
            raise ApiError(_api_message(error)) from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise ApiError(f"cannot reach the gateway at {self.url}: {reason}") from None


def _api_message(error: urllib.error.HTTPError) -> str:
    try:
        body = json.loads(error.read() or b"{}")
    except ValueError:
        body = {}
    message = body.get("message") or f"HTTP {error.code} {error.reason}"
    problems = [f"{d.get('field')}: {d.get('problem')}" for d in body.get("details") or []
                if isinstance(d, dict)]
    return "; ".join([f"{message} (HTTP {error.code})", *problems])


# --- the subcommands ---------------------------------------------------------------------

Handler = Callable[[Client, argparse.Namespace], Any]


def _case(args: argparse.Namespace, action: str = "") -> str:
    return f"{REQUESTS}/{urllib.parse.quote(args.case_id, safe='')}{action and '/' + action}"


def _identity(text: str) -> dict[str, str]:
    kind, sep, value = text.partition("=")
    if not sep or not kind:
        raise argparse.ArgumentTypeError("an identity is KIND=VALUE, e.g. email=a@example.com")
    if value == "-":  # from stdin: keeps the value out of the shell history and process list
        value = sys.stdin.readline().rstrip("\n")
    return {"kind": kind.strip(), "value": value}


def create(client: Client, args: argparse.Namespace) -> Any:
    body: dict[str, Any] = {"type": args.type, "identities": args.identity}
    if args.region:
        body["region"] = args.region
    if args.received_at:
        body["received_at"] = args.received_at
    return client.call("POST", REQUESTS, body)


def list_cases(client: Client, args: argparse.Namespace) -> Any:
    query = {"limit": str(args.limit), "offset": str(args.offset)}
    for name in ("state", "type"):
        if getattr(args, name):
            query[name] = getattr(args, name)
    for flag in ("due_soon", "overdue"):
        if getattr(args, flag):
            query[flag] = "true"
    return client.call("GET", REQUESTS, query=query)["requests"]


def due(client: Client, args: argparse.Namespace) -> Any:
    """Open requests past their deadline, then those due within the configured days."""
    overdue = client.call("GET", REQUESTS, query={"overdue": "true", "limit": "1000"})
    soon = client.call("GET", REQUESTS, query={"due_soon": "true", "limit": "1000"})
    return overdue["requests"] + soon["requests"]


def show(client: Client, args: argparse.Namespace) -> Any:
    return client.call("GET", _case(args))


def send_code(client: Client, args: argparse.Namespace) -> Any:
    return client.call("POST", _case(args, "send-code"), {"channel": args.channel})


def verify(client: Client, args: argparse.Namespace) -> Any:
    body = {"code": args.code} if args.code is not None else {"attestation": args.attestation}
    return client.call("POST", _case(args, "verify"), body)


def bare(action: str) -> Handler:
    return lambda client, args: client.call("POST", _case(args, action), {})


def reasoned(action: str) -> Handler:
    return lambda client, args: client.call("POST", _case(args, action), {"reason": args.reason})


def extend(client: Client, args: argparse.Namespace) -> Any:
    return client.call("POST", _case(args, "extend"),
                       {"reason": args.reason, "months": args.months, "days": args.days})


def download_link(client: Client, args: argparse.Namespace) -> Any:
    link = client.call("POST", _case(args, "download-link"))
    return {**link, "url": client.url + link["url"]}


def download(client: Client, args: argparse.Namespace) -> Any:
    link = client.call("POST", _case(args, "download-link"))
    target = args.output or Path(f"dsar-{args.case_id}.zip")
    return {"path": str(target), "bytes": client.save(link["url"], target)}


# --- registration and output -------------------------------------------------------------

def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("dsar", help="data-subject requests (access, export, "
                                                "erasure) through a running gateway")
    actions = parser.add_subparsers(dest="dsar_action", required=True)
    _create_parser(actions)
    listing = _http(actions, "list", "list requests", list_cases, case=False, table=True)
    listing.add_argument("--state")
    listing.add_argument("--type", choices=("access", "export", "erasure"))
    listing.add_argument("--due-soon", action="store_true")
    listing.add_argument("--overdue", action="store_true")
    listing.add_argument("--limit", type=int, default=100)
    listing.add_argument("--offset", type=int, default=0)
    _http(actions, "due", "overdue and due-soon open requests", due, case=False, table=True)
    _http(actions, "show", "a request with its tasks and timeline", show)
    _http(actions, "send-code", "send the subject a one-time code", send_code).add_argument(
        "--channel", choices=("email", "phone"), default="email")
    checking = _http(actions, "verify", "verify the subject's identity", verify)
    way = checking.add_mutually_exclusive_group(required=True)
    way.add_argument("--code", help="the one-time code the subject received")
    way.add_argument("--attestation", help="why the DPO attests the identity (a reason)")
    _http(actions, "approve", "approve a verified request", bare("approve"))
    for name, text in (("deny", "deny a request"), ("cancel", "cancel a request"),
                       ("revoke", "record that the subject withdrew the request")):
        _http(actions, name, text, reasoned(name)).add_argument("--reason", required=True)
    extending = _http(actions, "extend", "extend the deadline (reason recorded)", extend)
    extending.add_argument("--reason", required=True)
    extending.add_argument("--months", type=int, default=0)
    extending.add_argument("--days", type=int, default=0)
    _http(actions, "retry", "run a failed request's failed tasks again", bare("retry"))
    _http(actions, "download-link", "an expiring signed link to the export", download_link)
    _http(actions, "download", "download the export zip", download).add_argument(
        "--output", type=Path, help="where to write it (default: dsar-<id>.zip)")
    worker = actions.add_parser("worker", help="run the DSAR task worker without the HTTP "
                                               "server (stops on SIGTERM / SIGINT)")
    worker.add_argument("--config", type=Path, required=True, help="gateway YAML configuration")
    worker.add_argument("--log-level", default="info")
    worker.set_defaults(handler=run_worker)


def _create_parser(actions: argparse._SubParsersAction) -> None:
    creating = _http(actions, "create", "create a request", create, case=False)
    creating.add_argument("--type", required=True, choices=("access", "export", "erasure"))
    creating.add_argument("--identity", required=True, action="append", type=_identity,
                          metavar="KIND=VALUE",
                          help="email, phone, national_id, customer_id or name; repeat for "
                               "several; VALUE '-' reads it from stdin")
    creating.add_argument("--region", help="the subject's home region, if known")
    creating.add_argument("--received-at", help="ISO time it arrived, if earlier than now")


def _http(actions: argparse._SubParsersAction, name: str, help_text: str, handler: Handler,
          *, case: bool = True, table: bool = False) -> argparse.ArgumentParser:
    parser = actions.add_parser(name, help=help_text)
    if case:
        parser.add_argument("case_id", metavar="ID")
    parser.add_argument("--url", default=os.environ.get(URL_ENV, DEFAULT_URL),
                        help=f"the gateway (default: ${URL_ENV} or {DEFAULT_URL})")
    parser.add_argument("--token", default=os.environ.get(TOKEN_ENV),
                        help=f"bearer token (default: ${TOKEN_ENV})")
    if table:
        parser.add_argument("--json", action="store_true", help="JSON instead of a table")
    parser.set_defaults(handler=lambda args: run_http(handler, args, table))
    return parser


def run_http(handler: Handler, args: argparse.Namespace, table: bool) -> int:
    try:
        answer = handler(Client(args.url, args.token), args)
    except ApiError as error:
        print(f"privacy-gateway dsar {args.dsar_action}: {error}", file=sys.stderr)
        return 1
    if table and not args.json:
        print(format_table(answer))
    else:
        print(json.dumps(answer, indent=2, ensure_ascii=False))
    return 0


def format_table(cases: list[dict[str, Any]]) -> str:
    rows = [list(_TABLE)] + [[_cell(case, column) for column in _TABLE] for case in cases]
    widths = [max(len(row[i]) for row in rows) for i in range(len(_TABLE))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths,
                                                                        strict=True)).rstrip()
                     for row in rows)


def _cell(case: dict[str, Any], column: str) -> str:
    if column == "flags":
        flags = ["overdue"] * bool(case.get("overdue")) + \
                [f"extended×{case['extensions']}"] * bool(case.get("extensions")) + \
                ["duplicate"] * bool(case.get("duplicate_of"))
        return ",".join(flags)
    return str(case.get(column, ""))


# --- the worker --------------------------------------------------------------------------

def run_worker(args: argparse.Namespace) -> int:
    import asyncio

    from proxy import logs
    from proxy.commands._common import settings_or_exit

    settings = settings_or_exit(args.config)
    logs.configure(args.log_level.upper())
    asyncio.run(_work(settings))
    return 0


async def _work(settings: Any) -> None:
    import asyncio
    import logging
    import signal

    from dsar.service import open_service
    from proxy.admin import AdminAuth
    from proxy.logs import event
    from proxy.runtime import open_runtime

    log = logging.getLogger("dsar.worker")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    async with open_runtime(settings) as runtime, \
            open_service(settings, runtime, AdminAuth(runtime).authorize,
                         run_worker=True) as service:
        event(log, "dsar_worker_started", owner=service.worker.owner)
        await stop.wait()
        event(log, "dsar_worker_stopping", owner=service.worker.owner)
