"""HTTP routes of the registry (internal API, called by the gateway and other systems)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from quartier_registry.domain.territory import Territory
from quartier_registry.service import territory as service
from quartier_shared.http import PROBLEM_RESPONSES, Actor, Pool, problem_responses

# 503: the territory is not loaded yet (a start that has not finished).
router = APIRouter(prefix="/api/v1", tags=["Gebiet"], responses={**PROBLEM_RESPONSES, **problem_responses(503)})


class DistrictOut(BaseModel):
    key: str
    name: str


class DistrictWithAreasOut(DistrictOut):
    social_area_keys: list[str]


class ResidentialAreaOut(BaseModel):
    number: int
    name: str
    district_key: str


class CommunityCentreOut(BaseModel):
    name: str


class SocialAreaOut(BaseModel):
    key: str
    name: str
    community_centre: CommunityCentreOut
    residential_areas: list[ResidentialAreaOut]
    districts: list[DistrictOut]


class RenameCommunityCentre(BaseModel):
    name: str = Field(min_length=1, max_length=200)


class MoveResidentialArea(BaseModel):
    social_area_key: str = Field(min_length=1, max_length=64)


class MovedOut(BaseModel):
    number: int
    from_social_area_key: str
    to_social_area_key: str


def _social_area_out(territory: Territory, key: str) -> SocialAreaOut:
    area = territory.social_area(key)
    return SocialAreaOut(
        key=area.key,
        name=area.name,
        community_centre=CommunityCentreOut(name=area.community_centre_name),
        residential_areas=[
            ResidentialAreaOut(number=r.number, name=r.name, district_key=r.district_key)
            for r in territory.residential_areas_of(key)
        ],
        districts=[DistrictOut(key=d.key, name=d.name) for d in territory.districts_of(key)],
    )


async def _territory(pool: Pool) -> Territory:
    """The loaded territory; before it is loaded every route answers 503 (``TerritoryNotLoaded``)."""
    return await service.current_territory(pool)


LoadedTerritory = Annotated[Territory, Depends(_territory)]


@router.get("/social-areas", response_model=list[SocialAreaOut], summary="Alle Sozialräume")
async def list_social_areas(territory: LoadedTerritory) -> list[SocialAreaOut]:
    return [_social_area_out(territory, key) for key in territory.social_areas]


@router.get("/social-areas/{key}", response_model=SocialAreaOut, summary="Ein Sozialraum")
async def get_social_area(key: str, territory: LoadedTerritory) -> SocialAreaOut:
    return _social_area_out(territory, key)


@router.get("/districts", response_model=list[DistrictWithAreasOut], summary="Alle Stadtbezirke")
async def list_districts(territory: LoadedTerritory) -> list[DistrictWithAreasOut]:
    return [
        DistrictWithAreasOut(
            key=d.key,
            name=d.name,
            social_area_keys=[s for s in territory.social_areas if d in territory.districts_of(s)],
        )
        for d in territory.districts.values()
    ]


@router.get("/vocabularies", response_model=dict[str, list[str]], summary="Feste Vokabulare der Stadt")
async def list_vocabularies(territory: LoadedTerritory) -> dict[str, list[str]]:
    return {name: list(terms) for name, terms in territory.vocabularies.items()}


@router.put("/social-areas/{key}/community-centre", response_model=SocialAreaOut, summary="Stadtteilzentrum umbenennen")
async def rename_community_centre(
    key: str,
    body: RenameCommunityCentre,
    pool: Pool,
    actor: Actor,
) -> SocialAreaOut:
    await service.rename_community_centre(pool, key, body.name, actor)
    return _social_area_out(await _territory(pool), key)


@router.post(
    "/residential-areas/{number}/move", response_model=MovedOut, summary="Wohnbereich einem anderen Sozialraum zuordnen"
)
async def move_residential_area(
    number: int,
    body: MoveResidentialArea,
    pool: Pool,
    actor: Actor,
) -> MovedOut:
    event = await service.move_residential_area(pool, number, body.social_area_key, actor)
    return MovedOut.model_validate(event.data, from_attributes=False, strict=False)
