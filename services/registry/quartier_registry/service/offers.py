"""Use cases of the registry's offers (filled in by issue 3)."""

from __future__ import annotations

from quartier_shared.runtime import ServiceContext


async def on_startup(ctx: ServiceContext) -> None:
    """Runs after the territory is loaded (e.g. demo data when demo_data is on)."""
