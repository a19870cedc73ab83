"""Reading the political bodies' calendar: OParl 1.1 ``Meeting`` objects and iCalendar ``VEVENT``s into
``PoliticalMeeting`` values. Pure (the fetching is ``service.calendar``'s).

OParl: a meeting needs an ``id`` and a ``start``; ``deleted`` meetings are dropped, ``cancelled: true``
is kept (and never conflicts). Its organisations are named through the body's organisation list
(``organizations``: id URL → (name, classification)); the first one is the meeting's body, the others are
further candidates for matching. iCalendar: ``UID`` and ``DTSTART`` are needed; a date without time is a
whole day in Europe/Berlin, a time without zone is Europe/Berlin time; ``STATUS:CANCELLED`` is
cancelled; the body is the first ``CATEGORIES`` value, else the organiser's ``CN``, else the summary.
Recurrence rules are not expanded (council calendars list each session on its own).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from icalendar import Calendar

from quartier_invitations.domain.conflicts import BERLIN, PoliticalMeeting

MAX_TEXT = 500


class CalendarFormatError(ValueError):
    """The source sent something that is not a calendar."""


def _text(value: Any) -> str:
    return str(value).strip()[:MAX_TEXT] if value is not None else ""


def parse_instant(value: Any) -> dt.datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=BERLIN)
    return parsed.astimezone(dt.UTC)


def oparl_meeting(obj: Any, organizations: Mapping[str, tuple[str, str | None]]) -> PoliticalMeeting | None:
    """One OParl Meeting object, or None when it cannot take part in the check (deleted, no start)."""
    if not isinstance(obj, Mapping) or obj.get("deleted") is True:
        return None
    external_id = obj.get("id")
    start = parse_instant(obj.get("start"))
    if not isinstance(external_id, str) or not external_id or start is None:
        return None
    end = parse_instant(obj.get("end"))
    orgs = obj.get("organization")
    org_urls = [o for o in orgs if isinstance(o, str)] if isinstance(orgs, list) else []
    named = [organizations[u] for u in org_urls if u in organizations]
    name = _text(obj.get("name")) or "Sitzung"
    organization, classification = named[0] if named else (name, None)
    web = obj.get("web")
    return PoliticalMeeting(
        source="oparl",
        external_id=external_id[:MAX_TEXT],
        name=name,
        organization=_text(organization),
        classification=_text(classification) if classification else None,
        starts_at=start,
        ends_at=end,
        cancelled=obj.get("cancelled") is True,
        url=(web if isinstance(web, str) else external_id)[:MAX_TEXT],
        candidates=tuple(_text(n) for n, _ in named[1:]),
    )


def oparl_organization(obj: Any) -> tuple[str, tuple[str, str | None]] | None:
    """(id, (name, classification)) of an OParl Organization."""
    if not isinstance(obj, Mapping) or not isinstance(obj.get("id"), str):
        return None
    name = obj.get("name") or obj.get("shortName")
    if not isinstance(name, str):
        return None
    classification = obj.get("classification")
    return obj["id"], (name, classification if isinstance(classification, str) else None)


def _ical_time(value: Any) -> tuple[dt.datetime, bool] | None:
    """(UTC instant, whole day?)"""
    if isinstance(value, dt.datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=BERLIN)
        return aware.astimezone(dt.UTC), False
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time(), tzinfo=BERLIN).astimezone(dt.UTC), True
    return None


def ical_meetings(data: bytes) -> list[PoliticalMeeting]:
    try:
        calendar = Calendar.from_ical(data)
    except Exception as exc:  # icalendar raises ValueError and friends on garbage
        raise CalendarFormatError(f"Kein iCalendar: {exc}") from None
    out: list[PoliticalMeeting] = []
    for event in calendar.walk("VEVENT"):
        uid = _text(event.get("UID"))
        raw_start = event.get("DTSTART")
        start = _ical_time(raw_start.dt) if raw_start is not None else None
        if not uid or start is None:
            continue
        starts_at, whole_day = start
        raw_end = event.get("DTEND")
        end = _ical_time(raw_end.dt) if raw_end is not None else None
        ends_at: dt.datetime | None = end[0] if end else None
        if ends_at is None and event.get("DURATION") is not None:
            duration = event.get("DURATION").dt
            ends_at = starts_at + duration if isinstance(duration, dt.timedelta) else None
        if ends_at is None and whole_day:
            ends_at = starts_at + dt.timedelta(days=1)
        summary = _text(event.get("SUMMARY")) or "Sitzung"
        categories: list[str] = []
        raw_categories = event.get("CATEGORIES")
        for item in raw_categories if isinstance(raw_categories, list) else [raw_categories]:
            if item is not None:
                categories.extend(_text(c) for c in getattr(item, "cats", []) if _text(c))
        organizer = event.get("ORGANIZER")
        organizer_name = _text(organizer.params.get("CN")) if organizer is not None and organizer.params else ""
        names = [n for n in (*categories, organizer_name, summary) if n]
        url = event.get("URL")
        out.append(
            PoliticalMeeting(
                source="ical",
                external_id=uid,
                name=summary,
                organization=names[0],
                classification=None,
                starts_at=starts_at,
                ends_at=ends_at,
                cancelled=_text(event.get("STATUS")).upper() == "CANCELLED",
                url=_text(url) or None,
                candidates=tuple(names[1:]),
            )
        )
    return out
