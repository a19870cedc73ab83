"""Client of the registry's HTTP API: the territory (social areas, residential areas, districts), and through
its views the offer directory, the people and bodies, and the social data."""

from __future__ import annotations

from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, Field

from quartier_gateway.clients.base import JSON, ServiceClient, segment
from quartier_gateway.clients.registry_offers import OfferCalls
from quartier_gateway.clients.registry_people import PeopleCalls
from quartier_gateway.clients.registry_social_data import SocialDataCalls

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


class RegistryClient(ServiceClient):
    """The registry's API: the territory here; offers, people (actors, bodies, memberships) and social
    data as views over the same connection (``registry.offers``, ``registry.people``, ``registry.social_data``)."""

    name = "registry"
    unavailable_message = UNAVAILABLE_MESSAGE
    refused_message = "Das Register hat die Anfrage abgelehnt."

    def __init__(self, base_url: str, timeout: float = 5.0, transport: httpx.AsyncBaseTransport | None = None):
        super().__init__(base_url, timeout, transport)
        self.offers = OfferCalls(self)
        self.people = PeopleCalls(self)
        self.social_data = SocialDataCalls(self)

    async def social_areas(self) -> list[SocialArea]:
        data = await self.request("GET", "/api/v1/social-areas")
        if not isinstance(data, list):
            raise self.unavailable("social areas: no list")
        return [self.parse(SocialArea, item) for item in data]

    async def social_area(self, key: str) -> SocialArea:
        return self.parse(SocialArea, await self.request("GET", f"/api/v1/social-areas/{segment(key)}"))

    async def districts(self) -> list[District]:
        data = await self.request("GET", "/api/v1/districts")
        if not isinstance(data, list):
            raise self.unavailable("districts: no list")
        return [self.parse(District, item) for item in data]

    async def vocabularies(self) -> dict[str, Any]:
        return await self.one("GET", "/api/v1/vocabularies")

    async def actors(self) -> list[JSON]:
        """The actors (organisations) as the registry lists them."""
        return await self.many("/api/v1/actors")

    async def rename_community_centre(self, key: str, name: str, actor: str | None = None) -> SocialArea:
        data = await self.request(
            "PUT", f"/api/v1/social-areas/{segment(key)}/community-centre", json={"name": name}, actor=actor
        )
        return self.parse(SocialArea, data)

    async def move_residential_area(self, number: int, social_area_key: str, actor: str | None = None) -> MoveResult:
        data = await self.request(
            "POST",
            f"/api/v1/residential-areas/{int(number)}/move",
            json={"social_area_key": social_area_key},
            actor=actor,
        )
        return self.parse(MoveResult, data)
