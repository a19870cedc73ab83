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
import re
import unicodedata
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from quartier_invitations.domain.meetings import KIND_LABELS, Meeting

OPARL_VERSION = "https://schema.oparl.org/1.1/"
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
MAX_PAGE = 1_000_000


def type_url(name: str) -> str:
    return f"{OPARL_VERSION}{name}"


class OParlQueryError(ValueError):
    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(f"{parameter}: {message}")
        self.parameter = parameter
        self.message = message


def slugify(text: str) -> str:
    """``Hamm`` → ``hamm`` (the city's key in the Body URL, as the registry builds it)."""
    lowered = text.strip().lower()
    for umlaut, spelled in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        lowered = lowered.replace(umlaut, spelled)
    ascii_text = unicodedata.normalize("NFKD", lowered).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-") or "stadt"


def timestamp(value: dt.datetime) -> str:
    return (value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)).isoformat()


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


@dataclass(frozen=True)
class ListQuery:
    created_since: dt.datetime | None = None
    created_until: dt.datetime | None = None
    modified_since: dt.datetime | None = None
    modified_until: dt.datetime | None = None
    limit: int = DEFAULT_LIMIT
    page: int = 1

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.limit

    def filters(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for name in ("created_since", "created_until", "modified_since", "modified_until"):
            value: dt.datetime | None = getattr(self, name)
            if value is not None:
                out[name] = timestamp(value)
        return out


def _timestamp_param(value: str, parameter: str) -> dt.datetime:
    text = value.strip()
    if "T" in text:
        text = text.replace(" ", "+")
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        raise OParlQueryError(parameter, f"„{value[:40]}“ ist kein gültiger Zeitpunkt (ISO 8601).") from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=dt.UTC)


def _positive(value: str, parameter: str) -> int:
    try:
        number = int(value.strip())
    except ValueError:
        raise OParlQueryError(parameter, f"„{value[:40]}“ ist keine ganze Zahl.") from None
    if number < 1:
        raise OParlQueryError(parameter, "Der Wert muss mindestens 1 sein.")
    return number


def parse_query(params: Mapping[str, str]) -> ListQuery:
    stamps: dict[str, dt.datetime | None] = {}
    for name in ("created_since", "created_until", "modified_since", "modified_until"):
        raw = params.get(name)
        stamps[name] = _timestamp_param(raw, name) if raw else None
    limit = min(_positive(params["limit"], "limit"), MAX_LIMIT) if params.get("limit") else DEFAULT_LIMIT
    page = _positive(params["page"], "page") if params.get("page") else 1
    if page > MAX_PAGE:
        raise OParlQueryError("page", f"Höchstens Seite {MAX_PAGE}.")
    return ListQuery(limit=limit, page=page, **stamps)


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


def object_list(list_url: str, data: Sequence[dict[str, Any]], total: int, query: ListQuery) -> dict[str, Any]:
    """An OParl external list page: ``data``, ``pagination`` and ``links`` (filters kept in each link)."""
    pages = max(1, -(-total // query.limit))
    filters = query.filters()

    def link(page: int) -> str:
        return f"{list_url}?{urlencode({**filters, 'limit': str(query.limit), 'page': str(page)})}"

    links: dict[str, str] = {"first": link(1), "last": link(pages), "self": link(query.page)}
    if query.page > 1:
        links["prev"] = link(min(query.page - 1, pages))
    if query.page < pages:
        links["next"] = link(query.page + 1)
    return {
        "data": list(data),
        "pagination": {
            "totalElements": total,
            "elementsPerPage": query.limit,
            "currentPage": query.page,
            "totalPages": pages,
        },
        "links": links,
    }
