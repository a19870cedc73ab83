"""Client of the reporting service's internal API: the status board of the Sozialräume, the Gesamtbericht
(draft, published versions, CSV/JSON/PDF files, publishing), the distributions of mid-year reviews and
evaluations to the councils, and the public read model of a Sozialraum.

An unreachable service is ``Unavailable`` with a German message naming the reporting service; reporting's
refusals are ``Rejected`` (409, 422) or ``NotFound`` with its German ``detail``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from quartier_gateway.clients.base import JSON, NotFound, Rejected, ServiceClient, segment

UNAVAILABLE = (
    "Der Dienst für Lagebild und Berichte ist gerade nicht erreichbar. "
    "Bitte versuchen Sie es in einigen Minuten erneut."
)
NOT_FOUND = "Diesen Bericht gibt es nicht."


@dataclass(frozen=True)
class ReportFile:
    """A report file as reporting serves it (CSV, JSON or PDF)."""

    content: bytes
    media_type: str


FILE_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json", "pdf": "application/pdf"}


class ReportingClient(ServiceClient):
    name = "reporting"
    unavailable_message = UNAVAILABLE
    refused_message = "Die Anfrage wurde abgelehnt."

    async def _object(self, path: str, params: Any = None) -> JSON:
        try:
            return await self.one("GET", path, params=params)
        except NotFound as missing:
            raise NotFound(404, NOT_FOUND) from missing

    async def _list(self, path: str, params: Any = None) -> list[JSON]:
        return await self.many(path, params)

    # --- status board and distributions -----------------------------------------------------------------

    async def board(self, year: int) -> JSON:
        """``{year, areas: [...]}``: all 9 Sozialräume in the registry's order."""
        return await self._object("/api/v1/board", {"year": year})

    async def distributions(self, district_key: str | None = None, year: int | None = None) -> list[JSON]:
        return await self._list("/api/v1/distributions", {"district_key": district_key, "year": year})

    # --- the Gesamtbericht ------------------------------------------------------------------------------

    async def reports(self) -> list[JSON]:
        """``[{year, versions: [{version, published_at, published_by}]}]``."""
        return await self._list("/api/v1/reports")

    async def report(self, year: int, version: int | None = None) -> JSON:
        """The draft computed now (``version`` None) or a published version."""
        return await self._object(f"/api/v1/reports/{int(year)}", {"version": version})

    async def report_file(self, year: int, kind: str, *, draft: bool = False, version: int | None = None) -> ReportFile:
        """``kind`` csv, json or pdf: the latest published version (or ``version``), or the draft."""
        if kind not in FILE_TYPES:
            raise NotFound(404, NOT_FOUND)
        path = f"/api/v1/reports/{int(year)}.{kind}"
        params: dict[str, str] = {"draft": "true"} if draft else {}
        if version is not None and not draft:
            params["version"] = str(int(version))
        response = await self.raw("GET", path, params=params)
        if response.status_code >= 500:
            raise self.unavailable(f"answered {response.status_code}")
        if response.status_code == 404:
            raise NotFound(404, NOT_FOUND)
        if response.status_code >= 400:
            raise Rejected(response.status_code, "Der Bericht konnte nicht geladen werden.")
        media_type = response.headers.get("content-type") or FILE_TYPES[kind]
        return ReportFile(response.content, media_type)

    async def publish(self, year: int, actor: str) -> JSON:
        return dict(await self.request("POST", f"/api/v1/reports/{int(year)}/publish", actor=actor))

    # --- public -----------------------------------------------------------------------------------------

    async def public_social_area(self, key: str, year: int | None = None) -> JSON:
        return await self._object(f"/api/v1/public/social-areas/{segment(key)}", {"year": year})
