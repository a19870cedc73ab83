"""Client of the reporting service's internal API: the status board of the Sozialräume, the Gesamtbericht
(draft, published versions, CSV/JSON/PDF files, publishing), the distributions of mid-year reviews and
evaluations to the councils, and the public read model of a Sozialraum.

Uses the shared ``RegistryClient`` machinery with reporting's own base URL. An unreachable service is a
``ReportingUnavailable`` (a ``RegistryError(503)`` with a German message naming the reporting service);
reporting's German refusals (409, 422) become ``ReportRefused``; 404 a ``RegistryError(404)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from quartier_gateway.clients.registry import RegistryClient, RegistryError, RegistryUnavailable, segment

JSON = dict[str, Any]

UNAVAILABLE = (
    "Der Dienst für Lagebild und Berichte ist gerade nicht erreichbar. "
    "Bitte versuchen Sie es in einigen Minuten erneut."
)
NOT_FOUND = "Diesen Bericht gibt es nicht."


class ReportingUnavailable(RegistryError):
    """No answer, a server error or an answer that does not fit the contract."""

    def __init__(self, reason: str) -> None:
        super().__init__(503, UNAVAILABLE)
        self.reason = reason


class ReportRefused(Exception):
    """Reporting refused a step (409) or the input (422); ``detail`` is its German text."""

    def __init__(self, status_code: int, detail: str) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.detail = detail


def _refuse(status_code: int, detail: Any) -> Exception:
    text = detail if isinstance(detail, str) else "Die Anfrage wurde abgelehnt."
    if status_code in (409, 422):
        return ReportRefused(status_code, text)
    if status_code == 404:
        return RegistryError(404, NOT_FOUND)
    return RegistryError(status_code, text)


@dataclass(frozen=True)
class ReportFile:
    """A report file as reporting serves it (CSV, JSON or PDF)."""

    content: bytes
    media_type: str


FILE_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json", "pdf": "application/pdf"}


class ReportingClient:
    def __init__(self, base_url: str, timeout: float = 5.0, transport: httpx.AsyncBaseTransport | None = None):
        self.http = RegistryClient(base_url, timeout, transport=transport)

    async def aclose(self) -> None:
        await self.http.aclose()

    async def _call(
        self, method: str, path: str, *, json: Any = None, params: Any = None, actor: str | None = None
    ) -> Any:
        try:
            return await self.http.request(method, path, json=json, params=params, actor=actor, refuse=_refuse)
        except RegistryUnavailable as exc:
            raise ReportingUnavailable(str(exc)) from exc

    async def _object(self, path: str, params: Any = None) -> JSON:
        data = await self._call("GET", path, params=params)
        if not isinstance(data, dict):
            raise ReportingUnavailable(f"{path}: no object")
        return data

    async def _list(self, path: str, params: Any = None) -> list[JSON]:
        data = await self._call("GET", path, params=params)
        if not isinstance(data, list):
            raise ReportingUnavailable(f"{path}: no list")
        return [d for d in data if isinstance(d, dict)]

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
            raise RegistryError(404, NOT_FOUND)
        path = f"/api/v1/reports/{int(year)}.{kind}"
        params: dict[str, str] = {"draft": "true"} if draft else {}
        if version is not None and not draft:
            params["version"] = str(int(version))
        try:
            response = await self.http.http.get(path, params=params)
        except httpx.HTTPError as exc:
            raise ReportingUnavailable(str(exc)) from exc
        if response.status_code >= 500:
            raise ReportingUnavailable(f"reporting answered {response.status_code}")
        if response.status_code == 404:
            raise RegistryError(404, NOT_FOUND)
        if response.status_code >= 400:
            raise RegistryError(response.status_code, "Der Bericht konnte nicht geladen werden.")
        media_type = response.headers.get("content-type") or FILE_TYPES[kind]
        return ReportFile(response.content, media_type)

    async def publish(self, year: int, actor: str) -> JSON:
        return dict(await self._call("POST", f"/api/v1/reports/{int(year)}/publish", actor=actor))

    # --- public -----------------------------------------------------------------------------------------

    async def public_social_area(self, key: str, year: int | None = None) -> JSON:
        return await self._object(f"/api/v1/public/social-areas/{segment(key)}", {"year": year})
