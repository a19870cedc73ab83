"""Contact details of people: the one place where personal data travels between services.

An id cannot deliver an e-mail, so the registry announces a person's name and e-mail address here, for
the invitations service only (it writes the invitations). Every other service keeps to the directory's
ids. Key: ``person/<id>``, on a compacted topic: after an erasure only ``ContactDetailsErased`` remains
for the person, and every consumer deletes its copy on it (and on ``PersonErased``).
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from pydantic import Field

from quartier_shared.events.envelope import EventPayload
from quartier_shared.events.topics import REGISTRY_CONTACTS


class _ContactsEvent(EventPayload):
    topic: ClassVar[str] = REGISTRY_CONTACTS.name
    person_id: uuid.UUID

    def partition_key(self) -> str:
        return f"person/{self.person_id}"


class ContactDetailsSet(_ContactsEvent):
    """How to address and reach a person, as it is now (sent on registration and on every change).

    ``functions`` are the person's functions in the city's neighbourhood work as the registry writes them
    (e.g. "Leitung Bürgeramt Pelkum", "Vereinsguide Heessen"); the invitation rules read them.
    """

    event_type: ClassVar[str] = "quartier.registry.ContactDetailsSet.v1"
    name: str
    email: str | None = None
    salutation: str | None = None
    functions: list[str] = Field(default_factory=list)


class ContactDetailsErased(_ContactsEvent):
    """The person's contact details are erased: every copy must be deleted now."""

    event_type: ClassVar[str] = "quartier.registry.ContactDetailsErased.v1"
