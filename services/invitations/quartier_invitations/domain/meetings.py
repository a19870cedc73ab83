"""Meetings of the bodies (Sitzungen): the aggregate and its rules. Pure, no I/O.

A meeting belongs to one body, or to several for a joint meeting (``joint``). Its times are kept in UTC
together with the IANA time zone it is planned in (default Europe/Berlin). Rules kept here:

- input: end after start, a known time zone, titles and agenda items on one line without control
  characters (CR, LF, NUL …), a description of at most 5000 characters, web addresses only http(s);
- the Lenkungskreis meets at most twice per calendar year (counted in Europe/Berlin; cancelled meetings
  do not count): a third meeting is refused;
- a Stadtteilkonferenz's display title always carries the word „Stadtteilkonferenz“ (plus an optional
  local title, „Stadtteilkonferenz – Wir in Pelkum“), and its agenda always holds the Jahresplan: added
  when missing, put back when a change leaves it out;
- every reschedule, change or cancel raises ``sequence`` (the iCalendar SEQUENCE); every command raises
  ``version`` (optimistic locking, ``If-Match``).

Errors carry a German message; ``field`` names the input (422), ``OutOfOrder`` is a refused step (409).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from quartier_shared import errors
from quartier_shared.events.envelope import EventPayload
from quartier_shared.events.invitations import (
    AttendanceRecorded,
    ConferenceScheduled,
    MeetingCancelled,
    MeetingChanged,
    MeetingRescheduled,
    MeetingScheduled,
    MinutesRecorded,
    NeedRaised,
)

BERLIN = "Europe/Berlin"
CONFERENCE_WORD = "Stadtteilkonferenz"
ANNUAL_PLAN_ITEM = "Jahresplan"
STEERING_MEETINGS_PER_YEAR = 2

TITLE_MAX = 200
LOCAL_TITLE_MAX = 100
DESCRIPTION_MAX = 5000
AGENDA_ITEM_MAX = 300
AGENDA_MAX_ITEMS = 50
ADDRESS_MAX = 300
URL_MAX = 500
REASON_MAX = 2000
MINUTES_MAX = 100_000
NEED_MAX = 2000
GUESTS_MAX = 10_000
LONGEST_MEETING = dt.timedelta(hours=24)


class MeetingKind(StrEnum):
    COORDINATION_ROUND = "coordination_round"
    NEIGHBOURHOOD_CONFERENCE = "neighbourhood_conference"
    STEERING_COMMITTEE = "steering_committee"
    WORKING_GROUP = "working_group"
    JOINT = "joint"


KIND_LABELS: dict[MeetingKind, str] = {
    MeetingKind.COORDINATION_ROUND: "Koordinierungsrunde",
    MeetingKind.NEIGHBOURHOOD_CONFERENCE: "Stadtteilkonferenz",
    MeetingKind.STEERING_COMMITTEE: "Lenkungskreis",
    MeetingKind.WORKING_GROUP: "AK Stadtteilarbeit",
    MeetingKind.JOINT: "Gemeinsame Sitzung",
}

Purpose = Literal["prepares_annual_plan", "prepares_conference", "prepares_participation", "evaluation", "other"]
PURPOSES: tuple[str, ...] = (
    "prepares_annual_plan",
    "prepares_conference",
    "prepares_participation",
    "evaluation",
    "other",
)
Format = Literal["in_person", "online", "hybrid"]
FORMATS: tuple[str, ...] = ("in_person", "online", "hybrid")
Status = Literal["scheduled", "cancelled"]


class MeetingError(errors.DomainError):
    """A meeting rule is broken. ``field`` names the input, ``message`` says what is wrong (German)."""


class InvalidInput(MeetingError, errors.InvalidInput):
    """The input itself is wrong (→ 422)."""


class OutOfOrder(MeetingError, errors.OutOfOrder):
    """The step does not fit the meeting's state or the rules of its body (→ 409)."""


class NotFound(MeetingError, errors.NotFound):
    """The meeting does not exist (→ 404)."""


class StaleVersion(OutOfOrder):
    """``If-Match`` names an older version (→ 409)."""


# ---------------------------------------------------------------- values


@dataclass(frozen=True)
class Location:
    community_centre: bool = False
    address: str | None = None
    online_url: str | None = None


@dataclass(frozen=True)
class Attendance:
    person_ids: tuple[uuid.UUID, ...] = ()
    guests: int = 0


@dataclass(frozen=True)
class Need:
    need_id: uuid.UUID
    text: str
    field_of_action: str
    residential_area_number: int | None
    raised_on: dt.date


@dataclass(frozen=True)
class Meeting:
    id: uuid.UUID
    kind: MeetingKind
    body_ids: tuple[uuid.UUID, ...]
    social_area_key: str | None
    title: str
    local_title: str | None
    purposes: tuple[str, ...]
    format: str
    starts_at: dt.datetime  # UTC
    ends_at: dt.datetime  # UTC
    timezone: str
    location: Location
    agenda: tuple[str, ...]
    description: str
    public: bool
    status: Status = "scheduled"
    sequence: int = 0
    version: int = 1
    location_text: str = ""  # where, in words: the Stadtteilzentrum's name or the address ("" online)
    minutes: str | None = None
    attendance: Attendance = field(default_factory=Attendance)
    needs: tuple[Need, ...] = ()
    override_reason: str | None = None
    cancel_reason: str | None = None
    created_at: dt.datetime | None = None
    modified_at: dt.datetime | None = None

    @property
    def uid(self) -> str:
        """The stable iCalendar UID of the meeting."""
        return f"{self.id}@quartier"

    @property
    def online_url(self) -> str | None:
        return self.location.online_url

    @property
    def display_title(self) -> str:
        return display_title(self.kind, self.title, self.local_title)

    @property
    def cancelled(self) -> bool:
        return self.status == "cancelled"


@dataclass(frozen=True)
class MeetingInput:
    """What staff enter to plan a meeting (times already resolved to UTC, see ``resolve_times``)."""

    kind: MeetingKind
    body_ids: tuple[uuid.UUID, ...]
    social_area_key: str | None
    title: str
    local_title: str | None
    purposes: tuple[str, ...]
    format: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    timezone: str
    location: Location
    agenda: tuple[str, ...]
    description: str
    public: bool
    override_reason: str | None = None


@dataclass(frozen=True)
class MeetingChanges:
    """A change of title, agenda, place, format, description or publicity (not of the time)."""

    title: str
    local_title: str | None
    agenda: tuple[str, ...]
    description: str
    location: Location
    format: str
    public: bool


@dataclass(frozen=True)
class AreaFacts:
    """What the rules need to know about the meeting's Sozialraum (from the territory copy)."""

    known: bool
    community_centre_name: str | None = None
    residential_area_numbers: frozenset[int] = frozenset()
    fields_of_action: tuple[str, ...] = ()


Result = tuple[Meeting, list[EventPayload]]

# ---------------------------------------------------------------- input checks

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROL_KEEP_LINES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u2028\u2029]")


def zone(name: str, field_name: str = "timezone") -> ZoneInfo:
    """The IANA time zone ``name``; anything else is refused."""
    text = name.strip()
    if not text or len(text) > 64 or _CONTROL.search(text) or ".." in text or text.startswith("/"):
        raise InvalidInput(field_name, f"„{name[:64]}“ ist keine bekannte Zeitzone (z. B. Europe/Berlin).")
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise InvalidInput(field_name, f"„{text}“ ist keine bekannte Zeitzone (z. B. Europe/Berlin).") from None


def resolve_time(value: dt.datetime, timezone: str, field_name: str) -> dt.datetime:
    """A time with offset stays that instant; a naive one is read in ``timezone``. Returns UTC."""
    tz = zone(timezone)
    if value.tzinfo is None or value.utcoffset() is None:
        value = value.replace(tzinfo=tz)
    return value.astimezone(dt.UTC)


def resolve_times(starts_at: dt.datetime, ends_at: dt.datetime, timezone: str) -> tuple[dt.datetime, dt.datetime]:
    start = resolve_time(starts_at, timezone, "starts_at")
    end = resolve_time(ends_at, timezone, "ends_at")
    if end <= start:
        raise InvalidInput("ends_at", "Das Ende muss nach dem Beginn liegen.")
    if end - start > LONGEST_MEETING:
        raise InvalidInput("ends_at", "Eine Sitzung dauert höchstens 24 Stunden.")
    return start, end


def one_line(value: str, field_name: str, max_length: int, *, required: bool = True) -> str:
    """Text on one line: no line breaks, no NUL or other control characters; trimmed."""
    if _CONTROL.search(value):
        raise InvalidInput(field_name, "Zeilenumbrüche und Steuerzeichen sind nicht erlaubt.")
    text = value.strip()
    if required and not text:
        raise InvalidInput(field_name, "Bitte ausfüllen.")
    if len(text) > max_length:
        raise InvalidInput(field_name, f"Höchstens {max_length} Zeichen (eingegeben: {len(text)}).")
    return text


def long_text(value: str, field_name: str, max_length: int, *, required: bool = False) -> str:
    """Text with line breaks; NUL and other control characters refused."""
    if _CONTROL_KEEP_LINES.search(value):
        raise InvalidInput(field_name, "Steuerzeichen (z. B. NUL) sind nicht erlaubt.")
    text = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    if required and not text:
        raise InvalidInput(field_name, "Bitte ausfüllen.")
    if len(text) > max_length:
        raise InvalidInput(field_name, f"Höchstens {max_length} Zeichen (eingegeben: {len(text)}).")
    return text


def web_address(value: str | None, field_name: str) -> str | None:
    if value is None or not value.strip():
        return None
    text = one_line(value, field_name, URL_MAX)
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in text:
        raise InvalidInput(field_name, "Bitte eine Webadresse angeben, die mit https:// oder http:// beginnt.")
    return text


def _location(loc: Location, fmt: str) -> Location:
    address = one_line(loc.address, "location.address", ADDRESS_MAX, required=False) if loc.address else None
    online = web_address(loc.online_url, "location.online_url")
    if fmt not in FORMATS:
        raise InvalidInput("format", "Bitte „in_person“, „online“ oder „hybrid“ angeben.")
    if fmt in ("online", "hybrid") and online is None:
        raise InvalidInput("location.online_url", "Für eine Online- oder Hybridsitzung fehlt der Link.")
    if fmt in ("in_person", "hybrid") and not loc.community_centre and not address:
        raise InvalidInput("location.address", "Bitte den Stadtteilzentrum-Ort wählen oder eine Adresse angeben.")
    if loc.community_centre and address:
        raise InvalidInput("location.address", "Entweder das Stadtteilzentrum oder eine Adresse, nicht beides.")
    if fmt == "online":
        return Location(False, None, online)
    return Location(loc.community_centre, address or None, online)


def location_text(loc: Location, area: AreaFacts) -> str:
    if loc.community_centre:
        return area.community_centre_name or "Stadtteilzentrum"
    return loc.address or ""


def _agenda(items: Sequence[str]) -> tuple[str, ...]:
    if len(items) > AGENDA_MAX_ITEMS:
        raise InvalidInput("agenda", f"Höchstens {AGENDA_MAX_ITEMS} Tagesordnungspunkte.")
    out = []
    for i, item in enumerate(items):
        text = one_line(item, f"agenda[{i}]", AGENDA_ITEM_MAX, required=False)
        if text:
            out.append(text)
    return tuple(out)


def has_annual_plan(agenda: Sequence[str]) -> bool:
    return any(ANNUAL_PLAN_ITEM.casefold() in item.casefold() for item in agenda)


def conference_agenda(agenda: Sequence[str]) -> tuple[str, ...]:
    """A Stadtteilkonferenz's agenda: the Jahresplan first when it is missing."""
    return tuple(agenda) if has_annual_plan(agenda) else (ANNUAL_PLAN_ITEM, *agenda)


def display_title(kind: MeetingKind, title: str, local_title: str | None) -> str:
    """„Stadtteilkonferenz – Wir in Pelkum“: a conference always carries the word, plus its local title."""
    base = title.strip()
    if kind == MeetingKind.NEIGHBOURHOOD_CONFERENCE and CONFERENCE_WORD.casefold() not in base.casefold():
        base = f"{CONFERENCE_WORD} – {base}" if base else CONFERENCE_WORD
    local = (local_title or "").strip()
    if local and local.casefold() not in base.casefold():
        return f"{base} – {local}"
    return base


def _titles(kind: MeetingKind, title: str, local_title: str | None) -> tuple[str, str | None]:
    if kind == MeetingKind.NEIGHBOURHOOD_CONFERENCE:
        text = one_line(title, "title", TITLE_MAX, required=False) or CONFERENCE_WORD
    else:
        text = one_line(title, "title", TITLE_MAX)
    local = one_line(local_title, "local_title", LOCAL_TITLE_MAX, required=False) if local_title else None
    return text, local or None


def _reason(value: str | None, field_name: str) -> str | None:
    if value is None or not value.strip():
        return None
    return long_text(value, field_name, REASON_MAX)


def _check_bodies(kind: MeetingKind, body_ids: Sequence[uuid.UUID], social_area_key: str | None) -> None:
    if not body_ids:
        raise InvalidInput("body_ids", "Bitte mindestens ein Gremium angeben.")
    if len(set(body_ids)) != len(body_ids):
        raise InvalidInput("body_ids", "Ein Gremium ist doppelt angegeben.")
    if kind == MeetingKind.JOINT and len(body_ids) < 2:
        raise InvalidInput("body_ids", "Eine gemeinsame Sitzung braucht mindestens zwei Gremien.")
    if kind != MeetingKind.JOINT and len(body_ids) != 1:
        raise InvalidInput("body_ids", "Mehrere Gremien nur bei einer gemeinsamen Sitzung (kind „joint“).")
    needs_area = kind in (MeetingKind.NEIGHBOURHOOD_CONFERENCE, MeetingKind.COORDINATION_ROUND)
    if needs_area and not social_area_key:
        raise InvalidInput("social_area_key", f"Eine {KIND_LABELS[kind]} gehört zu einem Sozialraum: bitte angeben.")


def _check_area(social_area_key: str | None, area: AreaFacts) -> None:
    if social_area_key and not area.known:
        raise InvalidInput("social_area_key", f"Der Sozialraum „{social_area_key}“ ist nicht bekannt.")


def berlin_year(at: dt.datetime) -> int:
    return at.astimezone(ZoneInfo(BERLIN)).year


def berlin_day(at: dt.datetime) -> str:
    return at.astimezone(ZoneInfo(BERLIN)).strftime("%d.%m.%Y")


def check_steering_limit(year: int, others_that_year: Sequence[Meeting]) -> None:
    """The Lenkungskreis meets at most twice in a calendar year; ``others_that_year`` are its other
    scheduled (not cancelled) meetings that year."""
    active = sorted((m for m in others_that_year if not m.cancelled), key=lambda m: m.starts_at)
    if len(active) >= STEERING_MEETINGS_PER_YEAR:
        days = ", ".join(berlin_day(m.starts_at) for m in active)
        raise OutOfOrder(
            "starts_at",
            f"Der Lenkungskreis tagt höchstens zweimal im Jahr. Für {year} sind schon "
            f"{len(active)} Sitzungen geplant ({days}). Bitte zuerst eine davon absagen oder in ein anderes "
            "Jahr verschieben.",
        )


# ---------------------------------------------------------------- commands


def schedule(
    meeting_id: uuid.UUID,
    spec: MeetingInput,
    area: AreaFacts,
    steering_meetings_that_year: Sequence[Meeting],
    now: dt.datetime,
) -> Result:
    """Plans a new meeting. The date conflict check with political bodies is the caller's (it needs the
    imported calendar); the caller passes the Lenkungskreis' other meetings of the same calendar year."""
    if spec.kind not in MeetingKind:
        raise InvalidInput("kind", "Unbekannte Art der Sitzung.")
    _check_bodies(spec.kind, spec.body_ids, spec.social_area_key)
    _check_area(spec.social_area_key, area)
    title, local = _titles(spec.kind, spec.title, spec.local_title)
    for i, purpose in enumerate(spec.purposes):
        if purpose not in PURPOSES:
            raise InvalidInput(f"purposes[{i}]", f"„{purpose}“ ist kein bekannter Zweck.")
    zone(spec.timezone)
    if spec.ends_at <= spec.starts_at:
        raise InvalidInput("ends_at", "Das Ende muss nach dem Beginn liegen.")
    location = _location(spec.location, spec.format)
    agenda = _agenda(spec.agenda)
    if spec.kind == MeetingKind.NEIGHBOURHOOD_CONFERENCE:
        agenda = conference_agenda(agenda)
    description = long_text(spec.description, "description", DESCRIPTION_MAX)
    if spec.kind == MeetingKind.STEERING_COMMITTEE:
        check_steering_limit(berlin_year(spec.starts_at), steering_meetings_that_year)
    meeting = Meeting(
        id=meeting_id,
        kind=spec.kind,
        body_ids=tuple(spec.body_ids),
        social_area_key=spec.social_area_key or None,
        title=title,
        local_title=local,
        purposes=tuple(dict.fromkeys(spec.purposes)),
        format=spec.format,
        starts_at=spec.starts_at.astimezone(dt.UTC),
        ends_at=spec.ends_at.astimezone(dt.UTC),
        timezone=spec.timezone.strip(),
        location=location,
        location_text=location_text(location, area),
        agenda=agenda,
        description=description,
        public=spec.public,
        override_reason=_reason(spec.override_reason, "override_reason"),
        created_at=now,
        modified_at=now,
    )
    return meeting, _scheduled_events(meeting)


def _scheduled_events(meeting: Meeting) -> list[EventPayload]:
    """``MeetingScheduled``, and for a Stadtteilkonferenz of a Sozialraum ``ConferenceScheduled`` too."""
    events: list[EventPayload] = [
        MeetingScheduled(
            meeting_id=meeting.id,
            kind=meeting.kind.value,
            body_ids=list(meeting.body_ids),
            social_area_key=meeting.social_area_key,
            title=meeting.display_title,
            purposes=list(meeting.purposes),
            format=meeting.format,
            starts_at=meeting.starts_at,
            ends_at=meeting.ends_at,
            timezone=meeting.timezone,
            public=meeting.public,
            sequence=meeting.sequence,
            override_reason=meeting.override_reason,
        )
    ]
    if meeting.kind == MeetingKind.NEIGHBOURHOOD_CONFERENCE and meeting.social_area_key:
        events.append(
            ConferenceScheduled(
                meeting_id=meeting.id,
                social_area_key=meeting.social_area_key,
                display_title=meeting.display_title,
                starts_at=meeting.starts_at,
                ends_at=meeting.ends_at,
                public=meeting.public,
            )
        )
    return events


def _must_be_scheduled(meeting: Meeting, what: str) -> None:
    if meeting.cancelled:
        raise OutOfOrder("status", f"Die Sitzung ist abgesagt: {what} geht nicht mehr. Bitte eine neue Sitzung planen.")


def check_version(meeting: Meeting, expected: int | None) -> None:
    if expected is not None and expected != meeting.version:
        raise StaleVersion(
            "version",
            f"Die Sitzung wurde inzwischen geändert (jetzt Version {meeting.version}, Ihre Version {expected}). "
            "Bitte neu laden und die Änderung noch einmal eingeben.",
        )


def reschedule(
    meeting: Meeting,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    timezone: str,
    steering_meetings_that_year: Sequence[Meeting],
    override_reason: str | None,
    now: dt.datetime,
) -> Result:
    """Moves the meeting; ``sequence`` rises. The Lenkungskreis limit counts the target year."""
    _must_be_scheduled(meeting, "Verschieben")
    zone(timezone)
    if ends_at <= starts_at:
        raise InvalidInput("ends_at", "Das Ende muss nach dem Beginn liegen.")
    if meeting.kind == MeetingKind.STEERING_COMMITTEE:
        others = [m for m in steering_meetings_that_year if m.id != meeting.id]
        check_steering_limit(berlin_year(starts_at), others)
    reason = _reason(override_reason, "override_reason")
    moved = replace(
        meeting,
        starts_at=starts_at.astimezone(dt.UTC),
        ends_at=ends_at.astimezone(dt.UTC),
        timezone=timezone.strip(),
        sequence=meeting.sequence + 1,
        override_reason=reason if reason is not None else meeting.override_reason,
        modified_at=now,
    )
    event = MeetingRescheduled(
        meeting_id=meeting.id,
        starts_at=moved.starts_at,
        ends_at=moved.ends_at,
        timezone=moved.timezone,
        previous_starts_at=meeting.starts_at,
        previous_ends_at=meeting.ends_at,
        sequence=moved.sequence,
        override_reason=reason,
    )
    return moved, [event]


def change(meeting: Meeting, changes: MeetingChanges, area: AreaFacts, now: dt.datetime) -> Result:
    """Title, agenda, place, format, description, publicity; ``sequence`` rises when anything changed.
    A Stadtteilkonferenz keeps the Jahresplan on its agenda whatever the change says."""
    _must_be_scheduled(meeting, "Ändern")
    title, local = _titles(meeting.kind, changes.title, changes.local_title)
    location = _location(changes.location, changes.format)
    agenda = _agenda(changes.agenda)
    if meeting.kind == MeetingKind.NEIGHBOURHOOD_CONFERENCE:
        agenda = conference_agenda(agenda)
    description = long_text(changes.description, "description", DESCRIPTION_MAX)
    changed = replace(
        meeting,
        title=title,
        local_title=local,
        agenda=agenda,
        description=description,
        location=location,
        location_text=location_text(location, area),
        format=changes.format,
        public=changes.public,
    )
    names = [
        n
        for n in ("title", "local_title", "agenda", "description", "location", "format", "public")
        if getattr(changed, n) != getattr(meeting, n)
    ]
    if not names:
        return meeting, []
    changed = replace(changed, sequence=meeting.sequence + 1, modified_at=now)
    return changed, [MeetingChanged(meeting_id=meeting.id, fields=names, sequence=changed.sequence)]


def cancel(meeting: Meeting, reason: str, now: dt.datetime) -> Result:
    if meeting.cancelled:
        raise OutOfOrder("status", "Die Sitzung ist schon abgesagt.")
    text = long_text(reason, "reason", REASON_MAX, required=True)
    cancelled = replace(meeting, status="cancelled", sequence=meeting.sequence + 1, cancel_reason=text, modified_at=now)
    return cancelled, [MeetingCancelled(meeting_id=meeting.id, reason=text, sequence=cancelled.sequence)]


def record_attendance(meeting: Meeting, person_ids: Sequence[uuid.UUID], guests: int, now: dt.datetime) -> Result:
    _must_be_scheduled(meeting, "Anwesenheit erfassen")
    if guests < 0 or guests > GUESTS_MAX:
        raise InvalidInput("guests", f"Bitte eine Zahl von 0 bis {GUESTS_MAX} angeben.")
    ids = tuple(dict.fromkeys(person_ids))
    updated = replace(meeting, attendance=Attendance(ids, guests), modified_at=now)
    return updated, [AttendanceRecorded(meeting_id=meeting.id, person_ids=list(ids), guests=guests)]


def record_minutes(meeting: Meeting, text: str, now: dt.datetime) -> Result:
    _must_be_scheduled(meeting, "Protokoll erfassen")
    minutes = long_text(text, "text", MINUTES_MAX, required=True)
    updated = replace(meeting, minutes=minutes, modified_at=now)
    return updated, [MinutesRecorded(meeting_id=meeting.id, version=meeting.version + 1)]


def raise_need(
    meeting: Meeting,
    need_id: uuid.UUID,
    text: str,
    field_of_action: str,
    residential_area_number: int | None,
    area: AreaFacts,
    now: dt.datetime,
) -> Result:
    """What residents raise at a Stadtteilkonferenz becomes a need of its Sozialraum (``NeedRaised``)."""
    if meeting.kind != MeetingKind.NEIGHBOURHOOD_CONFERENCE or not meeting.social_area_key:
        raise OutOfOrder("kind", "Bedarfe der Bewohner:innen werden bei einer Stadtteilkonferenz erfasst.")
    _must_be_scheduled(meeting, "Bedarfe erfassen")
    need_text = long_text(text, "text", NEED_MAX, required=True)
    if area.fields_of_action and field_of_action not in area.fields_of_action:
        raise InvalidInput("field_of_action", f"„{field_of_action[:80]}“ ist kein Handlungsfeld der Stadt.")
    if not field_of_action.strip():
        raise InvalidInput("field_of_action", "Bitte ein Handlungsfeld wählen.")
    if residential_area_number is not None and residential_area_number not in area.residential_area_numbers:
        raise InvalidInput(
            "residential_area_number",
            f"Der Wohnbereich {residential_area_number} liegt nicht im Sozialraum „{meeting.social_area_key}“.",
        )
    today = now.astimezone(ZoneInfo(BERLIN)).date()
    need = Need(need_id, need_text, field_of_action, residential_area_number, today)
    updated = replace(meeting, needs=(*meeting.needs, need), modified_at=now)
    event = NeedRaised(
        meeting_id=meeting.id,
        need_id=need_id,
        social_area_key=meeting.social_area_key,
        text=need_text,
        field_of_action=field_of_action,
        residential_area_number=residential_area_number,
        raised_on=today,
    )
    return updated, [event]
