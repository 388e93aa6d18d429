"""`privacy-gateway mask`: what the gateway would return to a role, for a body on stdin.

    privacy-gateway mask --role agent [--purpose support] [--config gateway.yaml] < page.json
    privacy-gateway mask --role analyst --text < transcript.txt

Bodies the gateway would block (invalid JSON, failed masking) print the reason on stderr and
exit with status 1; nothing of the input is echoed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from proxy.commands.scan import load_pii_settings


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("mask", help="mask JSON (or --text) on stdin for a role")
    parser.add_argument("--role", required=True)
    parser.add_argument("--purpose")
    parser.add_argument("--text", action="store_true", help="stdin is plain text, not JSON")
    parser.add_argument("--system", default="", help="system name for catalog path rules")
    parser.add_argument("--config", type=Path, help="gateway YAML (uses its pii section)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from proxy.pii.masker import Masker, MaskingError
    from proxy.pii.tokens import InMemoryKeyStore

    masker = Masker.from_settings(load_pii_settings(args.config), InMemoryKeyStore())
    profile = masker.profile_for(args.role, args.purpose)
    content_type = "text/plain" if args.text else "application/json"
    try:
        body, _ = masker.mask_body(sys.stdin.buffer.read(), content_type, profile,
                                   system=args.system)
    except MaskingError as exc:
        print(f"privacy-gateway mask: blocked: {exc}", file=sys.stderr)
        return 1
    sys.stdout.buffer.write(body + (b"" if body.endswith(b"\n") else b"\n"))
    return 0
