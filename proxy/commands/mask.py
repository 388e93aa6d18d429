"""`privacy-gateway mask`: exactly what the gateway would return to a role, for a body on
stdin: the policy decides the masking profile (as for a read of a subject in the caller's
region unless --subject-region says otherwise) and the deployment's own keys make the
pseudonyms and tokens, so they match the gateway's.

    privacy-gateway mask --role agent [--purpose support] [--config gateway.yaml] < page.json
    privacy-gateway mask --role analyst --text < transcript.txt

A request the policy refuses, and bodies the gateway would block (invalid JSON, failed
masking), print the reason on stderr and exit with status 1; nothing of the input is echoed.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from proxy.commands._common import add_config_argument, settings_or_exit


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("mask", help="mask JSON (or --text) on stdin for a role")
    parser.add_argument("--role", required=True)
    parser.add_argument("--purpose", default="support")
    parser.add_argument("--region", help="the caller's region (default: the default region)")
    parser.add_argument("--subject-region", help="the subject's home region (default: the "
                        "caller's)")
    parser.add_argument("--text", action="store_true", help="stdin is plain text, not JSON")
    parser.add_argument("--system", default="crm", help="the system the body comes from")
    add_config_argument(parser, demo_default=True)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_or_exit(args.config)
    body = sys.stdin.buffer.read()
    try:
        masked = asyncio.run(_mask(settings, args, body))
    except _Refused as refused:
        print(f"privacy-gateway mask: {refused}", file=sys.stderr)
        return 1
    sys.stdout.buffer.write(masked + (b"" if masked.endswith(b"\n") else b"\n"))
    return 0


class _Refused(Exception):
    pass


async def _mask(settings, args: argparse.Namespace, body: bytes) -> bytes:
    from proxy.decisions.role_profile import role_input
    from proxy.pii.masker import MaskingError
    from proxy.pii.profiles import Profile
    from proxy.runtime import open_runtime

    region = args.region or settings.default_region
    async with open_runtime(settings) as runtime:
        decision = await runtime.decisions.decide(role_input(
            args.role, args.purpose, region, args.system, subject_region=args.subject_region))
        if not decision.allow:
            raise _Refused("refused by policy: " + "; ".join(decision.reasons))
        content_type = "text/plain" if args.text else "application/json"
        try:
            masked, _ = await asyncio.to_thread(
                runtime.masker.mask_body, body, content_type,
                Profile.from_dict(decision.masking), system=args.system)
        except MaskingError as error:
            raise _Refused(f"blocked: {error}") from None
    return masked
