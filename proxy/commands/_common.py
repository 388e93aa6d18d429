"""Helpers shared by the subcommands: loading the configuration with a clean error."""

from __future__ import annotations

import argparse
import sys
from importlib import resources
from pathlib import Path

from proxy.settings import ConfigError, Settings, load_settings

DEMO_CONFIG = Path(str(resources.files("proxy.demo").joinpath("config.yaml")))


def add_config_argument(parser: argparse.ArgumentParser, *, demo_default: bool = False) -> None:
    help_text = "gateway YAML configuration" + (" (default: the bundled demo config)"
                                                if demo_default else "")
    parser.add_argument("--config", type=Path, default=DEMO_CONFIG if demo_default else None,
                        required=not demo_default, help=help_text)


def settings_or_exit(path: Path) -> Settings:
    try:
        return load_settings(path)
    except ConfigError as error:
        print(f"privacy-gateway: invalid configuration {path}:\n{error}", file=sys.stderr)
        raise SystemExit(2) from None
