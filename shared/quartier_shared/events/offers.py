"""Events of the offer directory (Angebote) and of suspected duplicate offers.

Key: ``offer/<id>`` for every event, so that one offer's events stay in order. A suspected pair, its
dismissal and a merge are keyed by the pair's *first* offer id (the smaller uuid), so the events of one
pair stay in order too. No personal data: an offer names its provider by actor id and carries the
contact of an office, never of a private person.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from quartier_shared.events.envelope import EventPayload
from quartier_shared.events.topics import REGISTRY_OFFERS


class RecurrenceV1(BaseModel):
    """Weekly on the given weekdays, or monthly on the n-th weekday (ordinals 1–5, -1 = the last)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    frequency: str  # "weekly" | "monthly"
    weekdays: list[str]  # "monday" … "sunday"
    ordinals: list[int] = Field(default_factory=list)
    start_time: str  # "HH:MM"
    end_time: str


class PlaceV1(BaseModel):
    """A Stadtteilzentrum (``community_centre``) or an address with its Wohnbereich (``address``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: str
    social_area_key: str
    residential_area_number: int | None = None
    name: str | None = None
    street: str | None = None
    postal_code: str | None = None


class OfferDataV1(BaseModel):
    """What an offer is, as announced: everything a directory or search needs, no personal data."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    title: str
    description: str
    provider_actor_id: uuid.UUID
    field_of_action: str
    cross_cutting_themes: list[str] = Field(default_factory=list)
    target_groups: list[str] = Field(default_factory=list)
    languages: list[str] = Field(default_factory=list)
    place: PlaceV1
    recurrences: list[RecurrenceV1] = Field(default_factory=list)
    free_of_charge: bool
    cost: str | None = None
    wheelchair_accessible: bool | None = None
    accessibility: str | None = None
    contact_office: str
    contact_email: str | None = None
    contact_phone: str | None = None
    last_confirmed_on: date


class _OfferEvent(EventPayload):
    topic: ClassVar[str] = REGISTRY_OFFERS.name
    offer_id: uuid.UUID

    def partition_key(self) -> str:
        return f"offer/{self.offer_id}"


class OfferRegistered(_OfferEvent):
    """A new offer is in the directory."""

    event_type: ClassVar[str] = "quartier.registry.OfferRegistered.v1"
    offer: OfferDataV1


class OfferChanged(_OfferEvent):
    """An offer's data changed; ``offer`` is the whole new state, ``changed_fields`` what differs."""

    event_type: ClassVar[str] = "quartier.registry.OfferChanged.v1"
    offer: OfferDataV1
    changed_fields: list[str] = Field(default_factory=list)


class OfferConfirmed(_OfferEvent):
    """The provider confirmed that the offer still runs as described."""

    event_type: ClassVar[str] = "quartier.registry.OfferConfirmed.v1"
    confirmed_on: date


class OfferWithdrawn(_OfferEvent):
    """The offer is no longer in the directory. ``merged_into`` is set when it was merged into another."""

    event_type: ClassVar[str] = "quartier.registry.OfferWithdrawn.v1"
    reason: str
    merged_into: uuid.UUID | None = None


class _PairEvent(EventPayload):
    topic: ClassVar[str] = REGISTRY_OFFERS.name
    pair_id: uuid.UUID
    offer_id: uuid.UUID  # the pair's first offer (smaller uuid); the event's key
    other_offer_id: uuid.UUID

    def partition_key(self) -> str:
        return f"offer/{self.offer_id}"


class DuplicateSuspected(_PairEvent):
    """Two offers in the same or neighbouring Sozialräume look like the same offer ("Dopplung")."""

    event_type: ClassVar[str] = "quartier.registry.DuplicateSuspected.v1"
    score: float
    reasons: list[str] = Field(default_factory=list)


class DuplicatePairDismissed(_PairEvent):
    """Staff decided the two offers are not duplicates; the pair is never suggested again."""

    event_type: ClassVar[str] = "quartier.registry.DuplicatePairDismissed.v1"


class OffersMerged(_PairEvent):
    """One offer of a suspected pair was withdrawn into the other (``kept_offer_id``)."""

    event_type: ClassVar[str] = "quartier.registry.OffersMerged.v1"
    kept_offer_id: uuid.UUID
    withdrawn_offer_id: uuid.UUID
