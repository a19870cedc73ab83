"""The registry service's settings (``QUARTIER_*`` environment variables), read once at start and passed down
through the service context (``settings_of``)."""

from __future__ import annotations

from pathlib import Path

from quartier_shared.context import ServiceContext
from quartier_shared.settings import ServiceSettings

# The CloudEvents ``source`` of everything the registry announces.
SOURCE = "/quartier/registry"

DEFAULT_TERRITORY_FILE = Path(__file__).resolve().parents[1] / "data" / "hamm.yaml"


class RegistrySettings(ServiceSettings):
    service_name: str = "registry"
    http_port: int = 8101
    # Another city runs the platform by pointing this at its own file.
    territory_file: Path = DEFAULT_TERRITORY_FILE
    # Fictitious people, actors, memberships and offers for the local demo (`make up`); never in production.
    demo_data: bool = False


def settings_of(ctx: ServiceContext) -> RegistrySettings:
    """The settings the service was started with (the shared context holds them as the common base type)."""
    if not isinstance(ctx.settings, RegistrySettings):
        raise TypeError(f"the registry runs with RegistrySettings, not {type(ctx.settings).__name__}")
    return ctx.settings
