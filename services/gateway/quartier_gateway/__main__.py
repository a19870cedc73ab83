"""``python -m quartier_gateway``: serve the gateway on the configured loopback port."""

from __future__ import annotations

from quartier_gateway.app import build_app
from quartier_gateway.settings import GatewaySettings
from quartier_shared.runtime import serve

settings = GatewaySettings()
serve(build_app(settings), settings)
