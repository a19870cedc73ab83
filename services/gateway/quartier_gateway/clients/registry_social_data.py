"""The registry's social data (Sozialdaten): series per Sozialraum, the indicator catalogue, imports:
``registry.social_data``.

Answers are plain dicts (the registry's JSON, see ``quartier_registry/api/social_data.py``). An import the
registry refuses (422) lists the broken lines in its problem answer (``lines``: ``[{line, message}]``, read
as ``Refused.lines``), so the page can list them.
"""

from __future__ import annotations

from typing import Any

from quartier_gateway.clients.base import ServiceClient


class SocialDataCalls:
    """Social data calls over the registry's connection."""

    def __init__(self, registry: ServiceClient) -> None:
        self.registry = registry

    async def areas(self, social_area_key: str | None = None, year: int | None = None) -> list[dict[str, Any]]:
        """``[{social_area_key, social_area_name, years, series, residential_areas}]``, one per Sozialraum."""
        params: dict[str, Any] = {"social_area_key": social_area_key, "year": year}
        return await self.registry.many("/api/v1/social-data", params)

    async def area(self, social_area_key: str) -> dict[str, Any]:
        (area,) = await self.areas(social_area_key)
        return area

    async def indicators(self) -> list[dict[str, Any]]:
        return await self.registry.many("/api/v1/social-data/indicators")

    async def import_csv(self, data: bytes, actor: str) -> dict[str, Any]:
        """``{import_id, rows, created, replaced, unchanged, announced}``; a broken file is ``Rejected`` with
        its ``lines``."""
        return await self.registry.one(
            "POST",
            "/api/v1/social-data/imports",
            content=data,
            headers={"Content-Type": "text/csv; charset=utf-8"},
            actor=actor,
        )
