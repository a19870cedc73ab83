"""The date conflict rules as pure functions: the overlap predicate (Hypothesis), which bodies concern a
Sozialraum, cancelled meetings, the German message, and reading OParl and iCalendar sources."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st
from icalendar import Calendar, Event

from quartier_invitations.domain import conflicts as c
from quartier_invitations.domain.calendar import (
    CalendarFormatError,
    ical_meetings,
    oparl_meeting,
    oparl_organization,
)
from quartier_invitations.domain.conflicts import District, PoliticalMeeting

BERLIN = c.BERLIN
WESTEN = [District("mitte", "Hamm-Mitte"), District("pelkum", "Hamm-Pelkum"), District("herringen", "Hamm-Herringen")]
NORDEN = [District("bockum-hoevel", "Hamm-Bockum-Hövel"), District("heessen", "Hamm-Heessen")]


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2027, 3, day, hour, minute, tzinfo=BERLIN).astimezone(dt.UTC)


def political(
    organization: str,
    start: dt.datetime,
    end: dt.datetime | None,
    *,
    cancelled: bool = False,
    classification: str | None = None,
) -> PoliticalMeeting:
    return PoliticalMeeting(
        "oparl", f"id-{organization}-{start}", "Sitzung", organization, classification, start, end, cancelled, None
    )


# ---------------------------------------------------------------- the overlap predicate

instants = st.datetimes(min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2040, 1, 1), timezones=st.just(dt.UTC))
durations = st.timedeltas(min_value=dt.timedelta(minutes=1), max_value=dt.timedelta(hours=30))


@given(instants, durations, instants, durations)
def test_overlap_is_symmetric_and_means_a_shared_instant(
    a_start: dt.datetime, a_len: dt.timedelta, b_start: dt.datetime, b_len: dt.timedelta
) -> None:
    a_end, b_end = a_start + a_len, b_start + b_len
    result = c.overlaps(a_start, a_end, b_start, b_end)
    assert result == c.overlaps(b_start, b_end, a_start, a_end)
    # [a_start, a_end) and [b_start, b_end) share an instant iff the later start is before the earlier end
    assert result == (max(a_start, b_start) < min(a_end, b_end))


@given(instants, durations, durations)
def test_touching_intervals_do_not_overlap_and_an_interval_overlaps_itself(
    start: dt.datetime, first: dt.timedelta, second: dt.timedelta
) -> None:
    middle = start + first
    assert not c.overlaps(start, middle, middle, middle + second)
    assert c.overlaps(start, middle, start, middle)


@given(instants, durations, st.lists(st.tuples(instants, durations, st.booleans()), max_size=12))
def test_conflicts_are_exactly_the_overlapping_not_cancelled_concerned_meetings(
    start: dt.datetime, length: dt.timedelta, others: list[tuple[dt.datetime, dt.timedelta, bool]]
) -> None:
    calendar = [political("Bezirksvertretung Pelkum", s, s + d, cancelled=x) for s, d, x in others]
    found = c.conflicts(start, start + length, calendar, WESTEN, "Hamm")
    expected = [
        m
        for m in calendar
        if not m.cancelled and c.overlaps(start, start + length, m.starts_at, m.ends_at or m.starts_at)
    ]
    assert sorted(f.meeting.external_id for f in found) == sorted(m.external_id for m in expected)
    assert [f.meeting.starts_at for f in found] == sorted(f.meeting.starts_at for f in found)


# ---------------------------------------------------------------- concerned bodies


@pytest.mark.parametrize(
    ("name", "classification", "concerned"),
    [
        ("Rat der Stadt Hamm", None, True),
        ("Rat", None, True),
        ("Stadtrat", None, True),
        ("Gremium XY", "Rat", True),
        ("Ratsausschuss für Finanzen", None, False),
        ("Haupt- und Finanzausschuss", "Ausschuss", False),
        ("Bezirksvertretung Pelkum", None, True),
        ("Bezirksvertretung Hamm-Pelkum", None, True),
        ("BV Herringen", None, True),
        ("Bezirksvertretung Hamm Mitte", None, True),
        ("Bezirksvertretung Uentrop", None, False),
        ("Bezirksvertretung Heessen", None, False),
        ("Sportausschuss", None, False),
    ],
)
def test_which_bodies_concern_westen(name: str, classification: str | None, concerned: bool) -> None:
    meeting = political(name, at(12, 17), at(12, 19), classification=classification)
    assert (c.concerned_body(meeting, WESTEN, "Hamm") is not None) == concerned


def test_umlauts_and_city_prefixes_match_norden() -> None:
    assert c.district_of_council("Bezirksvertretung Bockum-Hövel", NORDEN, "Hamm") == NORDEN[0]
    assert c.district_of_council("Bezirksvertretung Hamm-Bockum-Hoevel", NORDEN, "Hamm") == NORDEN[0]
    assert c.district_of_council("Bezirksvertretung Heessen", NORDEN, "Hamm") == NORDEN[1]
    assert c.district_of_council("Bezirksvertretung Pelkum", NORDEN, "Hamm") is None


def test_a_cancelled_meeting_never_conflicts_and_a_missing_end_means_three_hours() -> None:
    cancelled = political("Bezirksvertretung Pelkum", at(12, 17), at(12, 19), cancelled=True)
    open_end = political("Rat der Stadt Hamm", at(13, 17), None)
    assert c.conflicts(at(12, 18), at(12, 20), [cancelled], WESTEN, "Hamm") == []
    assert len(c.conflicts(at(13, 19, 59), at(13, 21), [open_end], WESTEN, "Hamm")) == 1
    assert c.conflicts(at(13, 20), at(13, 21), [open_end], WESTEN, "Hamm") == []


def test_the_message_names_the_colliding_meeting() -> None:
    found = c.conflicts(
        at(12, 18), at(12, 20), [political("Bezirksvertretung Pelkum", at(12, 17), at(12, 19))], WESTEN, "Hamm"
    )
    assert c.message("Die Stadtteilkonferenz", found).startswith(
        "Die Stadtteilkonferenz überschneidet sich mit der Sitzung der Bezirksvertretung Pelkum am 12.03.2027, "
        "17:00–19:00 Uhr."
    )
    two = c.conflicts(
        at(12, 10),
        at(13, 22),
        [political("Rat der Stadt Hamm", at(13, 17), at(13, 19)), political("BV Mitte", at(12, 17), at(12, 19))],
        WESTEN,
        "Hamm",
    )
    text = c.message("Die Stadtteilkonferenz", two)
    assert "der Sitzung der BV Mitte am 12.03.2027, 17:00–19:00 Uhr und der Sitzung des Rates der Stadt Hamm" in text


# ---------------------------------------------------------------- reading the sources


def test_an_oparl_meeting_is_read_with_its_organisation() -> None:
    orgs = dict(
        filter(
            None,
            [
                oparl_organization({"id": "https://ris/org/1", "name": "Bezirksvertretung Pelkum"}),
                oparl_organization({"id": "https://ris/org/2", "name": "Rat", "classification": "Rat"}),
            ],
        )
    )
    meeting = oparl_meeting(
        {
            "id": "https://ris/meeting/1",
            "type": "https://schema.oparl.org/1.1/Meeting",
            "name": "Sitzung",
            "start": "2027-03-12T17:00:00+01:00",
            "end": "2027-03-12T19:00:00+01:00",
            "cancelled": True,
            "organization": ["https://ris/org/1", "https://ris/org/2"],
        },
        orgs,
    )
    assert meeting is not None
    assert (meeting.organization, meeting.candidates, meeting.cancelled) == (
        "Bezirksvertretung Pelkum",
        ("Rat",),
        True,
    )
    assert meeting.starts_at == at(12, 17)
    assert oparl_meeting({"id": "x", "start": "2027-03-12T17:00:00+01:00", "deleted": True}, orgs) is None
    assert oparl_meeting({"id": "x"}, orgs) is None
    assert oparl_meeting({"id": "x", "start": "kein Datum"}, orgs) is None


def test_ical_events_are_read_with_categories_status_and_whole_days() -> None:
    calendar = Calendar()
    calendar.add("prodid", "-//t//")
    calendar.add("version", "2.0")
    timed = Event()
    timed.add("uid", "1@ris")
    timed.add("summary", "Sitzung")
    timed.add("dtstart", dt.datetime(2027, 3, 12, 17, 0))  # floating: Berlin time
    timed.add("dtend", dt.datetime(2027, 3, 12, 19, 0))
    timed.add("categories", ["Bezirksvertretung Pelkum"])
    timed.add("status", "CANCELLED")
    calendar.add_component(timed)
    day = Event()
    day.add("uid", "2@ris")
    day.add("summary", "Rat der Stadt Hamm")
    day.add("dtstart", dt.date(2027, 3, 15))
    calendar.add_component(day)
    first, second = ical_meetings(calendar.to_ical())
    assert (first.organization, first.cancelled, first.starts_at) == ("Bezirksvertretung Pelkum", True, at(12, 17))
    assert (second.organization, second.starts_at, second.ends_at) == ("Rat der Stadt Hamm", at(15, 0), at(16, 0))
    with pytest.raises(CalendarFormatError):
        ical_meetings(b"<html>kein Kalender</html>")
