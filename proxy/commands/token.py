"""`privacy-gateway token`: a signed JWT the configured (demo) gateway accepts."""

from __future__ import annotations

import argparse
import sys
import time
import uuid

import jwt

from proxy.commands._common import add_config_argument, settings_or_exit


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("token", help="print a JWT for a role (HS256 configs only)")
    parser.add_argument("--role", required=True)
    parser.add_argument("--region", required=True)
    parser.add_argument("--purpose", default="support")
    parser.add_argument("--sub", default="demo-user")
    parser.add_argument("--tenant", default="demo")
    parser.add_argument("--ttl", type=int, default=3600, help="seconds the token is valid")
    add_config_argument(parser, demo_default=True)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    identity = settings_or_exit(args.config).identity
    algorithm = next((a for a in identity.algorithms if a.startswith("HS")), None)
    if algorithm is None or not identity.hs_secret:
        print("privacy-gateway: token signing needs an HS algorithm and identity.hs_secret; "
              "for RS/ES use your identity provider", file=sys.stderr)
        return 2
    now = int(time.time())
    names = identity.claims
    claims = {"iss": identity.issuer, "aud": identity.audience, "iat": now,
              "exp": now + args.ttl, "jti": uuid.uuid4().hex, names.subject: args.sub,
              names.role: args.role, names.region: args.region, names.purpose: args.purpose,
              names.tenant: args.tenant}
    print(jwt.encode(claims, identity.hs_secret, algorithm=algorithm))
    return 0
