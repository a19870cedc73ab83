"""Settings of the gateway (environment prefix ``QUARTIER_``, like every service)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from quartier_shared.settings import ServiceSettings

GATEWAY_DIR = Path(__file__).resolve().parent.parent


class GatewaySettings(ServiceSettings):
    service_name: str = "gateway"
    http_port: int = 8080
    # The gateway announces no events of its own, so its outbox relay stays off unless asked for.
    relay_enabled: bool = False

    # Shown in page texts ("Stadtteilarbeit in Hamm"); the territory itself comes from the registry.
    city_name: str = "Hamm"

    # The address residents and other systems use; open data (OParl, HSDS) builds its URLs from it.
    public_base_url: str = "http://127.0.0.1:8080"

    registry_url: str = "http://127.0.0.1:8101"
    reporting_url: str = "http://127.0.0.1:8104"
    planning_url: str = "http://127.0.0.1:8102"
    invitations_url: str = "http://127.0.0.1:8103"
    upstream_timeout_seconds: float = Field(default=5.0, gt=0)
    # The operations page (/betrieb) reads its figures and charts from here; empty: health and readiness only.
    prometheus_url: str = ""

    # Creates the fictitious accounts of demo-accounts.yaml at start. Never in production.
    demo_accounts: bool = False
    demo_accounts_file: Path = GATEWAY_DIR / "demo-accounts.yaml"
    # True when the gateway is served over HTTPS: cookies then carry the Secure flag.
    cookie_secure: bool = False
    session_hours: float = Field(default=8.0, gt=0, le=24 * 7)

    login_max_failures: int = Field(default=5, ge=1)
    login_window_minutes: float = Field(default=15.0, gt=0)
    login_lockout_minutes: float = Field(default=15.0, gt=0)

    # Where `npm ci` put KERN UX and htmx (services/gateway/node_modules).
    node_modules_dir: Path = GATEWAY_DIR / "node_modules"
