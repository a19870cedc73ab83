"""Client of the registry's social data (Sozialdaten): series per Sozialraum, the indicator catalogue, imports.

Answers are plain dicts (the registry's JSON, see ``quartier_registry/api/social_data.py``). An import the
registry refuses (422) carries ``{"detail": [{"line": n, "message": "..."}]}``: it becomes
``ImportRefused`` with the broken lines, so the page can list them.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx

from quartier_gateway.clients.registry import RegistryClient, RegistryError, RegistryUnavailable

log = logging.getLogger(__name__)


class ImportRefused(RegistryError):
    """The registry refused an import file; ``lines`` are ``(line, German message)``, nothing was stored."""

    def __init__(self, status_code: int, lines: list[tuple[int, str]]) -> None:
        super().__init__(status_code, "; ".join(f"Zeile {n}: {m}" for n, m in lines))
        self.lines = lines


class SocialDataClient:
    """Social data calls over the gateway's one registry connection."""

    def __init__(self, registry: RegistryClient) -> None:
        self.registry = registry

    async def areas(self, social_area_key: str | None = None, year: int | None = None) -> list[dict[str, Any]]:
        """``[{social_area_key, social_area_name, years, series, residential_areas}]``, one per Sozialraum."""
        params: dict[str, Any] = {"social_area_key": social_area_key, "year": year}
        data = await self.registry.request("GET", "/api/v1/social-data", params=params)
        if not isinstance(data, list):
            raise RegistryUnavailable("unexpected answer from the registry")
        return [dict(item) for item in data]

    async def area(self, social_area_key: str) -> dict[str, Any]:
        (area,) = await self.areas(social_area_key)
        return area

    async def indicators(self) -> list[dict[str, Any]]:
        data = await self.registry.request("GET", "/api/v1/social-data/indicators")
        if not isinstance(data, list):
            raise RegistryUnavailable("unexpected answer from the registry")
        return [dict(item) for item in data]

    async def import_csv(self, data: bytes, actor: str) -> dict[str, Any]:
        """``{import_id, rows, created, replaced, unchanged, announced}``; ``ImportRefused`` for a broken file."""
        try:
            response = await self.registry.http.post(
                "/api/v1/social-data/imports",
                content=data,
                headers={"Content-Type": "text/csv; charset=utf-8", "X-Quartier-Actor": actor},
            )
        except httpx.HTTPError as exc:
            log.warning("registry unreachable", extra={"path": "social-data/imports", "error": repr(exc)})
            raise RegistryUnavailable(str(exc)) from exc
        if response.status_code >= 500:
            raise RegistryUnavailable(f"registry answered {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code == 422 and isinstance(body, dict) and isinstance(body.get("detail"), list):
            lines = [(int(d.get("line", 0)), str(d.get("message", ""))) for d in body["detail"] if isinstance(d, dict)]
            raise ImportRefused(422, lines)
        if response.status_code >= 400:
            detail = body.get("detail") if isinstance(body, dict) else None
            raise RegistryError(
                response.status_code, detail if isinstance(detail, str) else "Der Import wurde abgelehnt."
            )
        if not isinstance(body, dict):
            raise RegistryUnavailable("registry answered no JSON")
        return body


def social_data_client(registry: RegistryClient) -> SocialDataClient:
    return SocialDataClient(registry)
