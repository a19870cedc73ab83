"""Client of the registry's HTTP API (territory: social areas, residential areas, districts)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError

log = logging.getLogger(__name__)

UNAVAILABLE_MESSAGE = "Das Register ist gerade nicht erreichbar. Bitte versuchen Sie es in einigen Minuten erneut."


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class CommunityCentre(_Model):
    name: str = Field(description="Name des Stadtteilzentrums")


class ResidentialArea(_Model):
    number: int = Field(description="Nummer des Wohnbereichs (erste Ziffer = Stadtbezirk)")
    name: str
    district_key: str


class DistrictRef(_Model):
    key: str
    name: str


class SocialArea(_Model):
    key: str
    name: str
    community_centre: CommunityCentre
    residential_areas: list[ResidentialArea]
    districts: list[DistrictRef] = Field(description="Die Stadtbezirke seiner Wohnbereiche")

    def district_name(self, key: str) -> str:
        return next((d.name for d in self.districts if d.key == key), key)


class District(_Model):
    key: str
    name: str
    social_area_keys: list[str]


class MoveResult(_Model):
    number: int
    from_social_area_key: str
    to_social_area_key: str


class RegistryUnavailable(Exception):
    """The registry did not answer, or answered with a server error."""


class RegistryError(Exception):
    """The registry refused the request (4xx); ``detail`` is its German message."""

    def __init__(self, status_code: int, detail: str) -> None:
        super().__init__(f"{status_code}: {detail}")
        self.status_code = status_code
        self.detail = detail


class RegistryClient:
    def __init__(self, base_url: str, timeout: float = 5.0, transport: httpx.AsyncBaseTransport | None = None):
        self.http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            timeout=timeout,
            transport=transport,
            headers={"Accept": "application/json"},
            follow_redirects=False,
        )

    async def aclose(self) -> None:
        await self.http.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        actor: str | None = None,
        refuse: Callable[[int, Any], Exception] | None = None,
    ) -> Any:
        """One call of the registry: the JSON answer, or ``RegistryUnavailable`` (no answer, 5xx, no JSON),
        or for a 4xx the exception ``refuse(status, detail)`` makes of the ``detail`` of the answer (None
        when there is none); without ``refuse`` a ``RegistryError`` with the German message.
        Parameters that are None or "" are left out."""
        headers = {"X-Quartier-Actor": actor} if actor else None
        clean = {k: v for k, v in params.items() if v not in (None, "")} if params is not None else None
        try:
            response = await self.http.request(method, path, json=json, params=clean, headers=headers)
        except httpx.HTTPError as exc:
            log.warning("registry unreachable", extra={"path": path, "error": repr(exc)})
            raise RegistryUnavailable(str(exc)) from exc
        if response.status_code >= 500:
            log.warning("registry error", extra={"path": path, "status": response.status_code})
            raise RegistryUnavailable(f"registry answered {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            if response.status_code < 400:
                raise RegistryUnavailable("registry answered no JSON") from None
            body = None
        if response.status_code >= 400:
            detail = body.get("detail") if isinstance(body, dict) else None
            raise (refuse or refusal)(response.status_code, detail)
        return body

    async def social_areas(self) -> list[SocialArea]:
        data = await self.request("GET", "/api/v1/social-areas")
        if not isinstance(data, list):
            raise RegistryUnavailable("unexpected answer from the registry")
        return [_parse(SocialArea, item) for item in data]

    async def social_area(self, key: str) -> SocialArea:
        return _parse(SocialArea, await self.request("GET", f"/api/v1/social-areas/{segment(key)}"))

    async def districts(self) -> list[District]:
        data = await self.request("GET", "/api/v1/districts")
        if not isinstance(data, list):
            raise RegistryUnavailable("unexpected answer from the registry")
        return [_parse(District, item) for item in data]

    async def vocabularies(self) -> dict[str, Any]:
        data = await self.request("GET", "/api/v1/vocabularies")
        if not isinstance(data, dict):
            raise RegistryUnavailable("unexpected answer from the registry")
        return data

    async def rename_community_centre(self, key: str, name: str, actor: str | None = None) -> SocialArea:
        data = await self.request(
            "PUT", f"/api/v1/social-areas/{segment(key)}/community-centre", json={"name": name}, actor=actor
        )
        return _parse(SocialArea, data)

    async def move_residential_area(self, number: int, social_area_key: str, actor: str | None = None) -> MoveResult:
        data = await self.request(
            "POST",
            f"/api/v1/residential-areas/{int(number)}/move",
            json={"social_area_key": social_area_key},
            actor=actor,
        )
        return _parse(MoveResult, data)


M = TypeVar("M", bound=_Model)


def _parse(model: type[M], data: Any) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        log.error("registry answer does not fit the contract", extra={"model": model.__name__})
        raise RegistryUnavailable("unexpected answer from the registry") from exc


def segment(value: str) -> str:
    """One URL path segment; anything that could leave it is encoded."""
    return quote(str(value), safe="")


def refusal(status_code: int, detail: Any) -> RegistryError:
    """The registry's 4xx as ``RegistryError``: its German ``detail``, or a general message."""
    if isinstance(detail, str):
        return RegistryError(status_code, detail)
    if status_code == 404:
        return RegistryError(status_code, "Nicht gefunden.")
    return RegistryError(status_code, "Das Register hat die Anfrage abgelehnt.")
