"""Entry point for ASGI servers: ``uvicorn --factory proxy.asgi:app`` with
``PRIVACY_GATEWAY_CONFIG`` naming the configuration file."""

from __future__ import annotations

import os

from proxy.app import GatewayApp, create_app
from proxy.settings import load_settings


def app() -> GatewayApp:
    return create_app(load_settings(os.environ["PRIVACY_GATEWAY_CONFIG"]))
