"""Date conflicts with political bodies' meetings. Pure, no I/O.

The political calendar (the Rat's and the Bezirksvertretungen's meetings) is imported from the city's
council information system (OParl 1.1 ``Meeting`` objects) and from an iCalendar feed
(``service.calendar``). A Stadtteilkonferenz must not overlap a meeting of a **concerned** body:

- the **Rat** (city council): an organisation whose OParl ``classification`` is „Rat“, or whose name is
  „Rat“, „Stadtrat“, „Rat der Stadt …“ or „Rat <Stadt>“ (committees such as „Ratsausschuss …“ are not);
- the **Bezirksvertretung of one of the Sozialraum's Stadtbezirke**: a name „Bezirksvertretung <Bezirk>“
  (also „BV <Bezirk>“), where <Bezirk> is the district's name with or without the city prefix
  („Bezirksvertretung Pelkum“ and „Bezirksvertretung Hamm-Pelkum“ both match the district
  „Hamm-Pelkum“ with key ``pelkum``), or the district's key.

Names are compared after folding case, umlauts (ä → ae, ß → ss) and punctuation to single spaces. For
iCalendar entries (which know no organisation) the categories, the organiser's name and the summary are
tried in this order. Cancelled meetings (OParl ``cancelled: true``, iCalendar ``STATUS:CANCELLED``) never
conflict. A meeting without an end is taken to last three hours. Two meetings overlap when each starts
before the other ends (half-open intervals: one ending at 17:00 and one starting at 17:00 do not).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")
DEFAULT_DURATION = dt.timedelta(hours=3)

Source = Literal["oparl", "ical"]


@dataclass(frozen=True)
class PoliticalMeeting:
    """One imported meeting of a political body (times in UTC)."""

    source: Source
    external_id: str
    name: str
    organization: str  # the body's name as the source gives it
    classification: str | None
    starts_at: dt.datetime
    ends_at: dt.datetime | None
    cancelled: bool
    url: str | None
    candidates: tuple[str, ...] = ()  # further names to match (iCalendar: categories, organiser, summary)

    @property
    def effective_end(self) -> dt.datetime:
        return (
            self.ends_at
            if self.ends_at is not None and self.ends_at > self.starts_at
            else (self.starts_at + DEFAULT_DURATION)
        )


@dataclass(frozen=True)
class District:
    key: str
    name: str


def overlaps(a_start: dt.datetime, a_end: dt.datetime, b_start: dt.datetime, b_end: dt.datetime) -> bool:
    """Half-open intervals [start, end) overlap."""
    return a_start < b_end and b_start < a_end


def fold(text: str) -> str:
    """„Bezirksvertretung Hamm-Bockum-Hövel“ → „bezirksvertretung hamm bockum hoevel“."""
    lowered = text.casefold()
    for umlaut, spelled in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        lowered = lowered.replace(umlaut, spelled)
    ascii_text = unicodedata.normalize("NFKD", lowered).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", " ", ascii_text).strip()


def _without_city(name: str, city: str) -> str:
    city_folded = fold(city)
    if city_folded and name.startswith(city_folded + " "):
        return name[len(city_folded) + 1 :]
    return name


def is_council(name: str, classification: str | None, city: str) -> bool:
    if classification is not None and fold(classification) == "rat":
        return True
    folded = fold(name)
    city_folded = fold(city)
    return folded in (
        "rat",
        "stadtrat",
        f"rat {city_folded}".strip(),
        f"stadtrat {city_folded}".strip(),
    ) or folded.startswith("rat der stadt")


def district_of_council(name: str, districts: Sequence[District], city: str) -> District | None:
    """The district whose Bezirksvertretung ``name`` is, or None."""
    folded = fold(name)
    for prefix in ("bezirksvertretung ", "bv "):
        if folded.startswith(prefix):
            rest = _without_city(folded[len(prefix) :], city)
            break
    else:
        return None
    for district in districts:
        aliases = {_without_city(fold(district.name), city), fold(district.name), fold(district.key)}
        if rest in aliases:
            return district
    return None


def concerned_body(meeting: PoliticalMeeting, districts: Sequence[District], city: str) -> str | None:
    """The name of the concerned body the meeting belongs to (Rat or one of the districts' Bezirksvertretung),
    or None when the meeting is of no concern for the Sozialraum."""
    for name in (meeting.organization, *meeting.candidates):
        if not name:
            continue
        if is_council(name, meeting.classification if name == meeting.organization else None, city):
            return name
        if district_of_council(name, districts, city) is not None:
            return name
    return None


@dataclass(frozen=True)
class Conflict:
    meeting: PoliticalMeeting
    body: str

    def document(self) -> dict[str, object]:
        return {
            "name": self.meeting.name,
            "organization": self.body,
            "starts_at": self.meeting.starts_at.isoformat(),
            "ends_at": self.meeting.effective_end.isoformat(),
            "source": self.meeting.source,
            "url": self.meeting.url,
        }


def conflicts(
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    calendar: Iterable[PoliticalMeeting],
    districts: Sequence[District],
    city: str,
) -> list[Conflict]:
    """The concerned, not cancelled political meetings overlapping [starts_at, ends_at), by start."""
    found = [
        Conflict(m, body)
        for m in calendar
        if not m.cancelled
        and overlaps(starts_at, ends_at, m.starts_at, m.effective_end)
        and (body := concerned_body(m, districts, city)) is not None
    ]
    return sorted(found, key=lambda c: (c.meeting.starts_at, c.body))


def _clock(at: dt.datetime) -> str:
    return at.astimezone(BERLIN).strftime("%H:%M")


def describe(conflict: Conflict) -> str:
    m = conflict.meeting
    start, end = m.starts_at.astimezone(BERLIN), m.effective_end.astimezone(BERLIN)
    day = start.strftime("%d.%m.%Y")
    if end.date() == start.date():
        return f"der Sitzung {_of(conflict.body)} am {day}, {_clock(start)}–{_clock(end)} Uhr"
    return f"der Sitzung {_of(conflict.body)} vom {day}, {_clock(start)} Uhr bis {end.strftime('%d.%m.%Y, %H:%M')} Uhr"


def _of(body: str) -> str:
    """„der Bezirksvertretung Pelkum“, „des Rates der Stadt Hamm“."""
    if body.startswith("Rat"):
        return "des Rates" + body[3:]
    if body.startswith("Stadtrat"):
        return "des Stadtrates" + body[8:]
    return f"der {body}"


def message(what: str, found: Sequence[Conflict]) -> str:
    """„Die Stadtteilkonferenz überschneidet sich mit der Sitzung der Bezirksvertretung Pelkum am 12.03.2027,
    17:00–19:00 Uhr.“"""
    parts = [describe(c) for c in found]
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " und " + parts[-1]
    return (
        f"{what} überschneidet sich mit {listed}. Bitte einen anderen Termin wählen oder die Überschneidung "
        "mit Begründung zulassen."
    )
