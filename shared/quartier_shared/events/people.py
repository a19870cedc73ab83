"""Events of the registry's directory: actors, people, bodies and memberships.

Keys: every actor, person, body and membership is its own aggregate (``actor/<id>``, ``person/<id>``,
``body/<id>``, ``membership/<id>``). Events about people carry ids and non-personal facts only: no
names, e-mail addresses or phone numbers. Whoever needs them asks the registry's API with the id, and
drops its copy on ``PersonErased``. Actors are organisations; their names and addresses are not personal.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import ClassVar

from pydantic import Field

from quartier_shared.events.envelope import EventPayload
from quartier_shared.events.topics import REGISTRY_DIRECTORY


class _DirectoryEvent(EventPayload):
    topic: ClassVar[str] = REGISTRY_DIRECTORY.name


# ---------------------------------------------------------------- actors (organisations and services)


class _ActorFacts(_DirectoryEvent):
    actor_id: uuid.UUID
    name: str
    actor_type: str
    social_area_keys: list[str] = Field(default_factory=list)
    street: str | None = None
    postcode: str | None = None
    city: str | None = None
    residential_area_number: int | None = None
    # The organisation's own (functional) address, e.g. kontakt@…; never a person's.
    email: str | None = None

    def partition_key(self) -> str:
        return f"actor/{self.actor_id}"


class ActorRegistered(_ActorFacts):
    """An organisation or service (Fachdienst, Träger, Schule, Kita, …) is known."""

    event_type: ClassVar[str] = "quartier.registry.ActorRegistered.v1"


class ActorChanged(_ActorFacts):
    """An actor's data changed; the payload is the actor as it is now."""

    event_type: ClassVar[str] = "quartier.registry.ActorChanged.v1"


class ActorWithdrawn(_DirectoryEvent):
    """An actor no longer works in the city's neighbourhood work; its history stays."""

    event_type: ClassVar[str] = "quartier.registry.ActorWithdrawn.v1"
    actor_id: uuid.UUID

    def partition_key(self) -> str:
        return f"actor/{self.actor_id}"


# ---------------------------------------------------------------- people (ids only)


class PersonRegistered(_DirectoryEvent):
    """A person is known. Names and contact data stay in the registry."""

    event_type: ClassVar[str] = "quartier.registry.PersonRegistered.v1"
    person_id: uuid.UUID
    actor_id: uuid.UUID | None = None
    # Derived from the residential area a district council member lives in; the number itself stays here.
    lives_in_social_area_key: str | None = None

    def partition_key(self) -> str:
        return f"person/{self.person_id}"


class PersonChanged(_DirectoryEvent):
    """A person's data changed: ``changed_fields`` names which, never the values of personal fields."""

    event_type: ClassVar[str] = "quartier.registry.PersonChanged.v1"
    person_id: uuid.UUID
    actor_id: uuid.UUID | None = None
    lives_in_social_area_key: str | None = None
    changed_fields: list[str] = Field(default_factory=list)

    def partition_key(self) -> str:
        return f"person/{self.person_id}"


class PersonErased(_DirectoryEvent):
    """The person's personal data is erased from the registry: every service drops its copies now.

    ``retained_membership_ids`` are membership records kept because the law requires it (without
    any personal data beyond the person's id).
    """

    event_type: ClassVar[str] = "quartier.registry.PersonErased.v1"
    person_id: uuid.UUID
    retained_membership_ids: list[uuid.UUID] = Field(default_factory=list)

    def partition_key(self) -> str:
        return f"person/{self.person_id}"


# ---------------------------------------------------------------- bodies and memberships


class BodyRegistered(_DirectoryEvent):
    """A body (Gremium) is known: Rat, Lenkungskreis, AK, Koordinierungsrunde, Stadtteilkonferenz,
    Bezirksvertretung. Sent again when its name or local title changes."""

    event_type: ClassVar[str] = "quartier.registry.BodyRegistered.v1"
    body_id: uuid.UUID
    kind: str
    name: str
    display_name: str
    social_area_key: str | None = None
    district_key: str | None = None
    local_title: str | None = None

    def partition_key(self) -> str:
        return f"body/{self.body_id}"


class MembershipStarted(_DirectoryEvent):
    event_type: ClassVar[str] = "quartier.registry.MembershipStarted.v1"
    membership_id: uuid.UUID
    body_id: uuid.UUID
    person_id: uuid.UUID
    role: str
    starts_on: dt.date
    ends_on: dt.date | None = None
    # The chair of a Bezirksvertretung is the district mayor (Bezirksbürgermeister:in).
    is_district_mayor: bool = False

    def partition_key(self) -> str:
        return f"membership/{self.membership_id}"


class MembershipEnded(_DirectoryEvent):
    """A membership ends on ``ends_on``; the record stays (history is kept)."""

    event_type: ClassVar[str] = "quartier.registry.MembershipEnded.v1"
    membership_id: uuid.UUID
    body_id: uuid.UUID
    person_id: uuid.UUID
    ends_on: dt.date

    def partition_key(self) -> str:
        return f"membership/{self.membership_id}"
