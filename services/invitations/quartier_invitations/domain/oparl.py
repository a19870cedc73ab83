"""OParl 1.1 view of the public meetings: ``Meeting`` with embedded ``AgendaItem``s and ``Location``.
Pure mapping, no I/O.

The gateway's ``/oparl`` is the one public address: the registry serves System, Body, Organization,
Person, Membership; the invitations service serves ``/oparl/body/<city>/meeting`` (the Body's meeting
list), ``…/meeting/<id>``, ``…/agendaitem/<meeting id>-<n>`` and ``…/location/<meeting id>`` (and the same
objects at ``/oparl/meeting/<id>`` etc.). Every URL is built from the public base address. A meeting's
``organization`` points at the registry's Organization objects of its bodies. Only public meetings are
exported; a cancelled one stays with ``cancelled: true``. Agenda items are numbered in their order
(their id is the meeting's id and the number); a meeting held only online has no Location.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from quartier_invitations.domain.meetings import KIND_LABELS, Meeting

# The OParl list protocol is shared (quartier_shared.oparl); this module re-exports it for its service.
from quartier_shared.oparl import (  # noqa: F401
    ListQuery,
    OParlQueryError,
    object_list,
    parse_query,
    slugify,
    timestamp,
    type_url,
)


@dataclass(frozen=True)
class Urls:
    base: str
    body_key: str

    @property
    def body(self) -> str:
        return f"{self.base}/oparl/body/{self.body_key}"

    @property
    def meeting_list(self) -> str:
        return f"{self.body}/meeting"

    def meeting(self, meeting_id: uuid.UUID) -> str:
        return f"{self.body}/meeting/{meeting_id}"

    def agenda_item(self, meeting_id: uuid.UUID, number: int) -> str:
        return f"{self.body}/agendaitem/{meeting_id}-{number}"

    def location(self, meeting_id: uuid.UUID) -> str:
        return f"{self.body}/location/{meeting_id}"

    def organization(self, body_id: uuid.UUID) -> str:
        return f"{self.body}/organization/{body_id}"


@dataclass(frozen=True)
class Record:
    meeting: Meeting
    created: dt.datetime
    modified: dt.datetime


def location(urls: Urls, record: Record, city: str | None, *, embedded: bool = False) -> dict[str, Any] | None:
    m = record.meeting
    if m.format == "online" or not m.location_text:
        return None
    out: dict[str, Any] = {
        "id": urls.location(m.id),
        "type": type_url("Location"),
        "description": m.location_text,
    }
    if m.location.address:
        out["streetAddress"] = m.location.address
    if city:
        out["locality"] = city
    if not embedded:
        out["meetings"] = [urls.meeting(m.id)]
    out["created"] = timestamp(record.created)
    out["modified"] = timestamp(record.modified)
    return out


def agenda_item(urls: Urls, record: Record, number: int, *, embedded: bool = False) -> dict[str, Any] | None:
    m = record.meeting
    if number < 1 or number > len(m.agenda):
        return None
    out: dict[str, Any] = {
        "id": urls.agenda_item(m.id, number),
        "type": type_url("AgendaItem"),
        "number": str(number),
        "order": number - 1,
        "name": m.agenda[number - 1],
        "public": True,
    }
    if not embedded:
        out["meeting"] = urls.meeting(m.id)
    out["created"] = timestamp(record.created)
    out["modified"] = timestamp(record.modified)
    return out


def meeting_state(m: Meeting, now: dt.datetime) -> str:
    if m.cancelled:
        return "abgesagt"
    return "durchgeführt" if m.ends_at <= now else "terminiert"


def meeting(urls: Urls, record: Record, city: str | None, now: dt.datetime) -> dict[str, Any]:
    m = record.meeting
    out: dict[str, Any] = {
        "id": urls.meeting(m.id),
        "type": type_url("Meeting"),
        "name": m.display_title,
        "meetingState": meeting_state(m, now),
        "cancelled": m.cancelled,
        "start": timestamp(m.starts_at),
        "end": timestamp(m.ends_at),
        "organization": [urls.organization(b) for b in m.body_ids],
    }
    place = location(urls, record, city, embedded=True)
    if place is not None:
        out["location"] = place
    items = [agenda_item(urls, record, n, embedded=True) for n in range(1, len(m.agenda) + 1)]
    out["agendaItem"] = [i for i in items if i is not None]
    out["keyword"] = [k for k in (KIND_LABELS[m.kind], m.social_area_key) if k]
    out["created"] = timestamp(record.created)
    out["modified"] = timestamp(record.modified)
    return out
