"""`privacy-gateway` command line: every module in proxy.commands (and dsar.commands) adds
one subcommand through ``register(subparsers)``."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

_PACKAGES = ("proxy.commands", "dsar.commands")


def _command_modules() -> list[object]:
    modules = []
    for package_name in _PACKAGES:
        try:
            package = importlib.import_module(package_name)
        except ModuleNotFoundError:
            continue
        for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
            if not info.name.startswith("_"):
                modules.append(importlib.import_module(f"{package_name}.{info.name}"))
    return modules


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="privacy-gateway",
                                     description="Privacy compliance gateway and DSAR service")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for module in _command_modules():
        module.register(subparsers)  # type: ignore[attr-defined]
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.handler(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
