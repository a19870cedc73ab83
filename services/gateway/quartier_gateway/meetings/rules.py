"""Pure rules of the meeting pages (``/sitzungen``): who may do what, German names, dates and times.

No I/O here. Who may:

- **read** a meeting: administrators and the steering committee every meeting; the area coordinator and
  the members of the Koordinierungsrunde (``coordination_member``) the meetings of their own Sozialraum;
  council members the meetings of the Sozialräume touching their Stadtbezirk. City-wide meetings (Lenkungskreis,
  AK Stadtteilarbeit, no Sozialraum) are read by administrators, the steering committee and the area
  coordinators (who sit in the AK Stadtteilarbeit).
- **manage** a meeting (schedule, reschedule, change, cancel, invitees, send, attendance, minutes, needs):
  administrators and the steering committee every meeting; the area coordinator the meetings of their own
  Sozialraum. City-wide meetings only administrators and the steering committee.
- **override a date conflict** with a political body (the Rat, a Bezirksvertretung): only administrators
  and the steering committee, always with a reason. Decision: the paper wants the date of a
  Stadtteilkonferenz agreed so that it does *not* collide with political meetings (DOMAIN.md section 7), so a
  collision is an exception the Lenkungskreis answers for; the area coordinator, who proposes the date, sees
  the collision live and picks another date or asks the Lenkungskreis. The gateway sends
  ``override_reason`` only for these roles.

Times: the forms take a date and times in Europe/Berlin; the pages show ``TT.MM.JJJJ, HH:MM Uhr``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from quartier_gateway.auth.domain import Principal, Role
from quartier_gateway.web.format import BERLIN

KIND_NAMES: dict[str, str] = {
    "coordination_round": "Koordinierungsrunde",
    "neighbourhood_conference": "Stadtteilkonferenz",
    "steering_committee": "Lenkungskreis",
    "working_group": "AK Stadtteilarbeit",
    "joint": "Gemeinsame Sitzung",
}
# Meetings of one Sozialraum, city-wide meetings; a joint meeting may be either.
AREA_KINDS = frozenset({"coordination_round", "neighbourhood_conference"})
CITY_KINDS = frozenset({"steering_committee", "working_group"})
# The registry's body kind that holds a meeting of this kind.
BODY_KINDS: dict[str, str] = {kind: kind for kind in AREA_KINDS | CITY_KINDS}

PURPOSE_NAMES: dict[str, str] = {
    "prepares_annual_plan": "bereitet den Jahresplan vor",
    "prepares_conference": "bereitet die Stadtteilkonferenz vor",
    "prepares_participation": "bereitet ein Beteiligungsformat vor",
    "evaluation": "Auswertung",
    "other": "Sonstiges",
}
FORMAT_NAMES: dict[str, str] = {"in_person": "Präsenz", "online": "online", "hybrid": "hybrid"}
STATUS_NAMES: dict[str, str] = {"scheduled": "geplant", "cancelled": "abgesagt"}
ANSWER_NAMES: dict[str, str] = {"accept": "Zusage", "decline": "Absage"}
DELIVERY_KIND_NAMES: dict[str, str] = {
    "invitation": "Einladung",
    "update": "Änderung",
    "cancellation": "Absage",
    "reminder": "Erinnerung",
}
DELIVERY_STATUS_NAMES: dict[str, str] = {
    "pending": "wartet auf Versand",
    "sent": "versendet",
    "bounced": "unzustellbar",
    "failed": "fehlgeschlagen",
}
SOURCE_NAMES: dict[str, str] = {"oparl": "Ratsinformationssystem (OParl)", "ical": "Kalender (iCalendar)"}
EVENT_NAMES: dict[str, str] = {
    "MeetingScheduled": "Sitzung angelegt",
    "ConferenceScheduled": "Stadtteilkonferenz angelegt",
    "MeetingRescheduled": "Termin verschoben",
    "MeetingChanged": "Angaben geändert",
    "MeetingCancelled": "Sitzung abgesagt",
    "AttendanceRecorded": "Anwesenheit erfasst",
    "MinutesRecorded": "Protokoll gespeichert",
    "NeedRaised": "Bedarf erfasst",
    "InviteeAdded": "Person eingeladen",
    "InviteeRemoved": "Person ausgeladen",
    "InvitationsSent": "Einladungen versendet",
}

TITLE_MAX = 200
TEXT_MAX = 5000
REASON_MAX = 500
AGENDA_MAX_ITEMS = 50


def _name(names: Mapping[str, str], key: Any) -> str:
    text = str(key or "")
    return names.get(text, text)


def kind_name(kind: str | None) -> str:
    return _name(KIND_NAMES, kind)


def purpose_name(purpose: str | None) -> str:
    return _name(PURPOSE_NAMES, purpose)


def format_name(fmt: str | None) -> str:
    return _name(FORMAT_NAMES, fmt)


def status_name(status: str | None) -> str:
    return _name(STATUS_NAMES, status)


def answer_name(answer: str | None) -> str:
    return ANSWER_NAMES.get(str(answer or ""), "keine Antwort")


def delivery_kind_name(kind: str | None) -> str:
    return _name(DELIVERY_KIND_NAMES, kind)


def delivery_status_name(status: str | None) -> str:
    return _name(DELIVERY_STATUS_NAMES, status)


def source_name(source: str | None) -> str:
    return _name(SOURCE_NAMES, source)


def event_name(event_type: str | None) -> str:
    """``quartier.invitations.MeetingRescheduled.v1`` → "Termin verschoben"; unknown types keep their short name."""
    parts = str(event_type or "").split(".")
    short = parts[-2] if len(parts) >= 2 and parts[-1].startswith("v") and parts[-1][1:].isdigit() else parts[-1]
    return EVENT_NAMES.get(short, short)


# --- who may ------------------------------------------------------------------------------------------


def _city_wide(principal: Principal) -> bool:
    return principal.role in (Role.ADMIN, Role.STEERING_COMMITTEE)


def may_read_meeting(principal: Principal | None, social_area_key: str | None, district_keys: Iterable[str]) -> bool:
    """``district_keys``: the Stadtbezirke of the meeting's Sozialraum (empty for city-wide meetings)."""
    if principal is None:
        return False
    if _city_wide(principal):
        return True
    if social_area_key is None:
        return principal.role is Role.AREA_COORDINATOR
    if principal.role in (Role.AREA_COORDINATOR, Role.COORDINATION_MEMBER):
        return principal.social_area_key == social_area_key
    if principal.role is Role.COUNCIL_MEMBER:
        return principal.district_key is not None and principal.district_key in set(district_keys)
    return False


def may_manage_meeting(principal: Principal | None, social_area_key: str | None) -> bool:
    """Schedule, reschedule, change, cancel; invitees, sending, attendance, minutes and needs."""
    if principal is None:
        return False
    if _city_wide(principal):
        return True
    return (
        principal.role is Role.AREA_COORDINATOR
        and social_area_key is not None
        and principal.social_area_key == social_area_key
    )


def may_schedule(principal: Principal | None, kind: str, social_area_key: str | None) -> bool:
    """A new meeting of ``kind``: meetings of a Sozialraum need one, city-wide kinds have none."""
    if kind not in KIND_NAMES:
        return False
    if kind in AREA_KINDS and not social_area_key:
        return False
    if kind in CITY_KINDS and social_area_key:
        return False
    return may_manage_meeting(principal, social_area_key)


def schedulable_kinds(principal: Principal | None) -> list[str]:
    """The kinds the principal may schedule at all (for the form's choice)."""
    if principal is None:
        return []
    if _city_wide(principal):
        return list(KIND_NAMES)
    if principal.role is Role.AREA_COORDINATOR:
        return [k for k in KIND_NAMES if k not in CITY_KINDS]
    return []


def may_override_conflict(principal: Principal | None, social_area_key: str | None) -> bool:
    """Only administrators and the steering committee may keep a date that collides with a political body."""
    return principal is not None and _city_wide(principal)


def visible_area_keys(principal: Principal, areas: Mapping[str, Iterable[str]]) -> list[str]:
    """The Sozialräume whose meetings the principal sees (``areas``: key → its district keys)."""
    return [key for key, districts in areas.items() if may_read_meeting(principal, key, districts)]


def schedulable_area_keys(principal: Principal, area_keys: Iterable[str]) -> list[str]:
    return [key for key in area_keys if may_manage_meeting(principal, key)]


def readable(
    principal: Principal, meetings: Iterable[Mapping[str, Any]], areas: Mapping[str, Iterable[str]]
) -> list[Mapping[str, Any]]:
    """The meetings of a list the principal may read."""
    result = []
    for m in meetings:
        key = m.get("social_area_key")
        if may_read_meeting(principal, key, areas.get(key, ()) if key else ()):
            result.append(m)
    return result


# --- dates and times ----------------------------------------------------------------------------------


def parse_instant(value: Any) -> dt.datetime | None:
    """An ISO timestamp of the API as an aware datetime (naive ones are taken as Europe/Berlin)."""
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, str) and value:
        try:
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=BERLIN)


def berlin(value: Any) -> dt.datetime | None:
    parsed = parse_instant(value)
    return parsed.astimezone(BERLIN) if parsed else None


def meeting_when(starts_at: Any, ends_at: Any) -> str:
    """``12.03.2027, 17:00–19:00 Uhr``; over midnight both dates."""
    start, end = berlin(starts_at), berlin(ends_at)
    if start is None:
        return ""
    if end is None:
        return start.strftime("%d.%m.%Y, %H:%M Uhr")
    if start.date() == end.date():
        return f"{start:%d.%m.%Y}, {start:%H:%M}–{end:%H:%M} Uhr"
    return f"{start:%d.%m.%Y, %H:%M} Uhr bis {end:%d.%m.%Y, %H:%M} Uhr"


def form_values(starts_at: Any, ends_at: Any) -> dict[str, str]:
    """The date and time fields of a form for a meeting's times (Europe/Berlin)."""
    start, end = berlin(starts_at), berlin(ends_at)
    return {
        "date": start.strftime("%Y-%m-%d") if start else "",
        "start_time": start.strftime("%H:%M") if start else "",
        "end_time": end.strftime("%H:%M") if end else "",
    }


def parse_schedule(date_text: str, start_text: str, end_text: str) -> tuple[str, str, dict[str, str]]:
    """The naive local ISO start and end (``2027-03-12T17:00:00``) and German errors per field.

    The date comes from a date field (``JJJJ-MM-TT``) or typed as ``TT.MM.JJJJ``; the times as ``HH:MM``.
    An end at or before the start is an error (meetings over midnight are not planned here).
    """
    errors: dict[str, str] = {}
    day = _parse_date(date_text.strip())
    if day is None:
        errors["date"] = "Bitte geben Sie das Datum als TT.MM.JJJJ an."
    start = _parse_time(start_text.strip())
    if start is None:
        errors["start_time"] = "Bitte geben Sie den Beginn als HH:MM an."
    end = _parse_time(end_text.strip())
    if end is None:
        errors["end_time"] = "Bitte geben Sie das Ende als HH:MM an."
    if start is not None and end is not None and end <= start:
        errors["end_time"] = "Das Ende muss nach dem Beginn liegen."
    if errors or day is None or start is None or end is None:
        return "", "", errors
    return (
        dt.datetime.combine(day, start).isoformat(timespec="seconds"),
        dt.datetime.combine(day, end).isoformat(timespec="seconds"),
        {},
    )


def _parse_date(text: str) -> dt.date | None:
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _parse_time(text: str) -> dt.time | None:
    for fmt in ("%H:%M", "%H:%M:%S"):
        try:
            return dt.datetime.strptime(text, fmt).time()
        except ValueError:
            continue
    return None


# --- form contents ------------------------------------------------------------------------------------


def agenda_items(text: str) -> list[str]:
    """One agenda item per line; blank lines and leading list marks ("1.", "-", "•") are dropped."""
    items = []
    for line in text.splitlines():
        item = line.strip()
        for mark in ("-", "•", "*"):
            if item.startswith(mark):
                item = item[len(mark) :].strip()
        head, sep, rest = item.partition(". ")
        if sep and head.isdigit():
            item = rest.strip()
        if item:
            items.append(item)
    return items


def location_text(location: Mapping[str, Any] | None, community_centre: str | None = None) -> str:
    """Where the meeting takes place, in words ("Stadtteilzentrum …", the address, "online")."""
    loc = location or {}
    parts = []
    if loc.get("community_centre"):
        parts.append(f"Stadtteilzentrum ({community_centre})" if community_centre else "Stadtteilzentrum")
    if loc.get("address"):
        parts.append(str(loc["address"]))
    if loc.get("online_url"):
        parts.append("online")
    return ", ".join(parts) if parts else "Ort noch offen"


def default_body_ids(kind: str, social_area_key: str | None, bodies: Sequence[Mapping[str, Any]]) -> list[str]:
    """The registry body that holds a meeting of ``kind`` (of the Sozialraum for area kinds)."""
    body_kind = BODY_KINDS.get(kind)
    if body_kind is None:
        return []
    for b in bodies:
        if b.get("kind") != body_kind:
            continue
        if body_kind in AREA_KINDS and b.get("social_area_key") != social_area_key:
            continue
        return [str(b["id"])]
    return []


def selectable_bodies(
    principal: Principal, bodies: Sequence[Mapping[str, Any]], social_area_keys: Iterable[str]
) -> list[Mapping[str, Any]]:
    """The bodies the principal may hold a meeting of: those of their Sozialräume and, for the city-wide
    roles, the Lenkungskreis and the AK Stadtteilarbeit. Political bodies never meet here."""
    keys = set(social_area_keys)
    result = []
    for b in bodies:
        kind = b.get("kind")
        if kind in AREA_KINDS and b.get("social_area_key") in keys:
            result.append(b)
        elif kind in CITY_KINDS and _city_wide(principal):
            result.append(b)
    return result


def answer_counts(answers: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    counts = {"accept": 0, "decline": 0, "open": 0}
    for a in answers:
        answer = a.get("answer")
        counts[answer if answer in ("accept", "decline") else "open"] += 1
    return counts


def conflict_text(conflict: Mapping[str, Any]) -> str:
    """„Bezirksvertretung Hamm-Pelkum: 12.03.2027, 17:00–19:00 Uhr“."""
    name = conflict.get("name") or conflict.get("organization") or "Sitzung"
    organization = conflict.get("organization")
    label = f"{name} ({organization})" if organization and organization not in str(name) else str(name)
    return f"{label}: {meeting_when(conflict.get('starts_at'), conflict.get('ends_at'))}"
