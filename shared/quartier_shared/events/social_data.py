"""Events of the social data: indicators of each Sozialraum and Wohnbereich per year.

Aggregated figures from the city's statistics office only (residents, SGB II shares, …), never data about
a person. Key: ``social-area/<key>``; one event per Sozialraum and year whose figures an import changed,
carrying all figures of that Sozialraum and year as they are after the import (a consumer simply replaces
its copy).
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import ClassVar

from pydantic import BaseModel, Field

from quartier_shared.events.envelope import EventPayload
from quartier_shared.events.topics import REGISTRY_SOCIAL_DATA


class IndicatorValue(BaseModel):
    """One figure: ``indicator`` is a key of the registry's catalogue (GET /api/v1/social-data/indicators)."""

    indicator: str
    value: float
    unit: str
    source: str
    as_of: date


class ResidentialAreaValues(BaseModel):
    number: int
    values: list[IndicatorValue] = Field(default_factory=list)


class SocialDataImported(EventPayload):
    """An import set or changed the figures of a Sozialraum for a year (values of the area and its Wohnbereiche)."""

    event_type: ClassVar[str] = "quartier.registry.SocialDataImported.v1"
    topic: ClassVar[str] = REGISTRY_SOCIAL_DATA.name
    import_id: uuid.UUID
    social_area_key: str
    year: int
    values: list[IndicatorValue] = Field(default_factory=list)
    residential_areas: list[ResidentialAreaValues] = Field(default_factory=list)

    def partition_key(self) -> str:
        return f"social-area/{self.social_area_key}"
