"""Events of the registry's territory: districts, residential areas, social areas, vocabularies.

Keys: each residential area, social area, district and vocabulary is its own aggregate. Membership of a
residential area in a social area is stated only by the residential area's own events, so no ordering
across partitions is ever needed.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from quartier_shared.events.envelope import EventPayload
from quartier_shared.events.topics import REGISTRY_TERRITORY


class _TerritoryEvent(EventPayload):
    topic: ClassVar[str] = REGISTRY_TERRITORY.name
    city: str


class DistrictRegistered(_TerritoryEvent):
    """A Stadtbezirk is known (new, or its data changed in the territory file)."""

    event_type: ClassVar[str] = "quartier.registry.DistrictRegistered.v1"
    district_key: str
    name: str

    def partition_key(self) -> str:
        return f"district/{self.district_key}"


class SocialAreaRegistered(_TerritoryEvent):
    """A Sozialraum is known with its name and Stadtteilzentrum."""

    event_type: ClassVar[str] = "quartier.registry.SocialAreaRegistered.v1"
    social_area_key: str
    name: str
    community_centre_name: str

    def partition_key(self) -> str:
        return f"social-area/{self.social_area_key}"


class ResidentialAreaRegistered(_TerritoryEvent):
    """A Wohnbereich is known with its district and the social area it belongs to."""

    event_type: ClassVar[str] = "quartier.registry.ResidentialAreaRegistered.v1"
    number: int
    name: str
    district_key: str
    social_area_key: str

    def partition_key(self) -> str:
        return f"residential-area/{self.number}"


class CommunityCentreRenamed(_TerritoryEvent):
    event_type: ClassVar[str] = "quartier.registry.CommunityCentreRenamed.v1"
    social_area_key: str
    old_name: str
    new_name: str

    def partition_key(self) -> str:
        return f"social-area/{self.social_area_key}"


class ResidentialAreaMoved(_TerritoryEvent):
    """A Wohnbereich now belongs to another Sozialraum."""

    event_type: ClassVar[str] = "quartier.registry.ResidentialAreaMoved.v1"
    number: int
    from_social_area_key: str
    to_social_area_key: str

    def partition_key(self) -> str:
        return f"residential-area/{self.number}"


class VocabularyPublished(_TerritoryEvent):
    """A fixed vocabulary of the city (fields of action, cross-cutting themes, goals, roles)."""

    event_type: ClassVar[str] = "quartier.registry.VocabularyPublished.v1"
    vocabulary: str
    terms: list[str] = Field(default_factory=list)

    def partition_key(self) -> str:
        return f"vocabulary/{self.vocabulary}"
