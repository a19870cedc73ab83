"""Meetings as pure rules: input checks, the Stadtteilkonferenz' title and agenda, the Lenkungskreis' two
meetings a year, reschedule/change/cancel raising the sequence, needs, and the document round trip."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import replace
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quartier_invitations.db.meetings import from_document, to_document
from quartier_invitations.domain import meetings as m
from quartier_invitations.domain.meetings import (
    AreaFacts,
    InvalidInput,
    Location,
    Meeting,
    MeetingChanges,
    MeetingInput,
    MeetingKind,
    OutOfOrder,
    StaleVersion,
)
from quartier_shared.events.invitations import (
    ConferenceScheduled,
    MeetingCancelled,
    MeetingChanged,
    MeetingRescheduled,
    MeetingScheduled,
    NeedRaised,
)

BERLIN = ZoneInfo("Europe/Berlin")
NOW = dt.datetime(2027, 1, 10, 9, tzinfo=dt.UTC)
BODY = uuid.UUID(int=7)
WESTEN = AreaFacts(
    known=True,
    community_centre_name="Stadtteilzentrum an der Wilhelmstraße",
    residential_area_numbers=frozenset({14, 15, 42, 52}),
    fields_of_action=("Quartiersmanagement", "Familienarbeit"),
)


def spec(**changes: object) -> MeetingInput:
    start = dt.datetime(2027, 3, 12, 18, tzinfo=BERLIN)
    base = MeetingInput(
        kind=MeetingKind.NEIGHBOURHOOD_CONFERENCE,
        body_ids=(BODY,),
        social_area_key="westen",
        title="",
        local_title="Wir im Westen",
        purposes=(),
        format="in_person",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        timezone="Europe/Berlin",
        location=Location(community_centre=True),
        agenda=("Begrüßung",),
        description="",
        public=True,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def conference(**changes: object) -> Meeting:
    meeting, _ = m.schedule(uuid.uuid4(), spec(**changes), WESTEN, [], NOW)
    return meeting


def steering(start: dt.datetime) -> Meeting:
    meeting, _ = m.schedule(
        uuid.uuid4(),
        spec(
            kind=MeetingKind.STEERING_COMMITTEE,
            social_area_key=None,
            title="Lenkungskreis",
            local_title=None,
            starts_at=start,
            ends_at=start + dt.timedelta(hours=2),
        ),
        AreaFacts(known=False),
        [],
        NOW,
    )
    return meeting


# ---------------------------------------------------------------- conference


def test_a_conference_carries_the_word_and_its_local_title_and_the_annual_plan() -> None:
    meeting, events = m.schedule(uuid.uuid4(), spec(), WESTEN, [], NOW)
    assert meeting.display_title == "Stadtteilkonferenz – Wir im Westen"
    assert meeting.agenda == ("Jahresplan", "Begrüßung")
    assert meeting.location_text == "Stadtteilzentrum an der Wilhelmstraße"
    assert [type(e) for e in events] == [MeetingScheduled, ConferenceScheduled]
    assert meeting.uid == f"{meeting.id}@quartier" and meeting.sequence == 0


@pytest.mark.parametrize(
    ("title", "local", "expected"),
    [
        ("", None, "Stadtteilkonferenz"),
        ("Stadtteilkonferenz", "Wir in Pelkum", "Stadtteilkonferenz – Wir in Pelkum"),
        ("Frühjahr", None, "Stadtteilkonferenz – Frühjahr"),
        ("2. Stadtteilkonferenz Westen", "Wir im Westen", "2. Stadtteilkonferenz Westen – Wir im Westen"),
        ("stadtteilkonferenz wir in pelkum", "Wir in Pelkum", "stadtteilkonferenz wir in pelkum"),
    ],
)
def test_the_display_title_always_holds_the_word(title: str, local: str | None, expected: str) -> None:
    assert m.display_title(MeetingKind.NEIGHBOURHOOD_CONFERENCE, title, local) == expected


def test_other_kinds_keep_their_title() -> None:
    assert m.display_title(MeetingKind.COORDINATION_ROUND, "Koordinierungsrunde", None) == "Koordinierungsrunde"


def test_an_agenda_that_names_the_annual_plan_is_kept_as_it_is() -> None:
    meeting = conference(agenda=("Begrüßung", "Jahresplan 2028: Entwurf"))
    assert meeting.agenda == ("Begrüßung", "Jahresplan 2028: Entwurf")


def test_a_change_cannot_take_the_annual_plan_off_and_raises_the_sequence() -> None:
    meeting = conference()
    changes = MeetingChanges("Neu", None, ("Spielplatz",), "", Location(community_centre=True), "in_person", True)
    changed, events = m.change(meeting, changes, WESTEN, NOW)
    assert changed.agenda == ("Jahresplan", "Spielplatz")
    assert changed.sequence == 1
    (event,) = events
    assert isinstance(event, MeetingChanged) and set(event.fields) == {"title", "local_title", "agenda"}
    same, none = m.change(changed, changes, WESTEN, NOW)
    assert same == changed and none == []


@given(
    st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), max_size=40), max_size=8)
)
def test_every_conference_agenda_holds_the_annual_plan(items: list[str]) -> None:
    try:
        meeting = conference(agenda=tuple(items))
    except InvalidInput:
        return
    assert m.has_annual_plan(meeting.agenda)


# ---------------------------------------------------------------- steering committee


def test_the_third_steering_committee_meeting_in_a_year_is_refused() -> None:
    march, september = (
        steering(dt.datetime(2027, 3, 1, 15, tzinfo=BERLIN)),
        steering(dt.datetime(2027, 9, 1, 15, tzinfo=BERLIN)),
    )
    start = dt.datetime(2027, 11, 1, 15, tzinfo=BERLIN)
    third = spec(
        kind=MeetingKind.STEERING_COMMITTEE,
        social_area_key=None,
        title="LK",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
    )
    with pytest.raises(OutOfOrder, match="höchstens zweimal im Jahr") as refused:
        m.schedule(uuid.uuid4(), third, AreaFacts(known=False), [march, september], NOW)
    assert "01.03.2027, 01.09.2027" in refused.value.message
    cancelled, _ = m.cancel(march, "abgesagt", NOW)
    m.schedule(uuid.uuid4(), third, AreaFacts(known=False), [cancelled, september], NOW)


def test_moving_a_steering_meeting_within_its_year_is_not_a_third_one() -> None:
    march, september = (
        steering(dt.datetime(2027, 3, 1, 15, tzinfo=BERLIN)),
        steering(dt.datetime(2027, 9, 1, 15, tzinfo=BERLIN)),
    )
    moved, _ = m.reschedule(
        march,
        dt.datetime(2027, 4, 1, 13, tzinfo=dt.UTC),
        dt.datetime(2027, 4, 1, 15, tzinfo=dt.UTC),
        "Europe/Berlin",
        [march, september],
        None,
        NOW,
    )
    assert moved.sequence == 1


def test_the_year_is_counted_in_berlin() -> None:
    # 31.12.2027 23:30 UTC is already 2028 in Berlin
    assert m.berlin_year(dt.datetime(2027, 12, 31, 23, 30, tzinfo=dt.UTC)) == 2028


# ---------------------------------------------------------------- input


@pytest.mark.parametrize(
    ("field", "changes"),
    [
        ("title", {"kind": MeetingKind.COORDINATION_ROUND, "title": "Sitzung\r\nBcc: x@example.org"}),
        ("title", {"title": "A\x00B"}),
        ("title", {"kind": MeetingKind.COORDINATION_ROUND, "title": "   "}),
        ("title", {"title": "x" * 201}),
        ("local_title", {"local_title": "Wir\u2028im Westen"}),
        ("description", {"description": "x" * 10_000}),
        ("description", {"description": "a\x00b"}),
        ("agenda[0]", {"agenda": ("a\nb",)}),
        ("location.online_url", {"format": "hybrid", "location": Location(True, None, "ftp://x")}),
        ("location.online_url", {"format": "online", "location": Location()}),
        ("location.address", {"location": Location(False, None, None)}),
        ("location.address", {"location": Location(True, "Straße 1", None)}),
        ("body_ids", {"body_ids": ()}),
        ("body_ids", {"body_ids": (BODY, BODY)}),
        ("body_ids", {"kind": MeetingKind.JOINT}),
        ("body_ids", {"body_ids": (BODY, uuid.uuid4())}),
        ("social_area_key", {"social_area_key": None}),
        ("timezone", {"timezone": "Mond/Krater"}),
        ("purposes[0]", {"purposes": ("feiern",)}),
    ],
)
def test_bad_input_is_refused_naming_the_field(field: str, changes: dict[str, object]) -> None:
    with pytest.raises(InvalidInput) as refused:
        m.schedule(uuid.uuid4(), spec(**changes), WESTEN, [], NOW)
    assert refused.value.field == field


def test_an_unknown_area_is_refused() -> None:
    with pytest.raises(InvalidInput, match="nicht bekannt"):
        m.schedule(uuid.uuid4(), spec(social_area_key="atlantis"), AreaFacts(known=False), [], NOW)


def test_times_end_after_start_in_a_known_zone() -> None:
    start = dt.datetime(2027, 3, 28, 1, 30)  # the night the clocks go forward in Berlin
    begin, end = m.resolve_times(start, start + dt.timedelta(hours=2), "Europe/Berlin")
    assert begin == dt.datetime(2027, 3, 28, 0, 30, tzinfo=dt.UTC)
    assert end - begin == dt.timedelta(hours=1)  # 03:30 CEST is one real hour after 01:30 CET
    with pytest.raises(InvalidInput, match="Ende") as refused:
        m.resolve_times(start, start, "Europe/Berlin")
    assert refused.value.field == "ends_at"
    with pytest.raises(InvalidInput) as zone:
        m.resolve_times(start, start + dt.timedelta(hours=1), "Europe/Hamm")
    assert zone.value.field == "timezone"
    with pytest.raises(InvalidInput, match="24 Stunden"):
        m.resolve_times(start, start + dt.timedelta(days=2), "UTC")


def test_a_join_meeting_of_several_bodies() -> None:
    joint, _ = m.schedule(
        uuid.uuid4(),
        spec(kind=MeetingKind.JOINT, body_ids=(BODY, uuid.uuid4()), title="KR Westen und Pelkum", local_title=None),
        WESTEN,
        [],
        NOW,
    )
    assert len(joint.body_ids) == 2 and joint.agenda == ("Begrüßung",)


# ---------------------------------------------------------------- reschedule, cancel, needs


def test_reschedule_and_cancel_raise_the_sequence_and_a_cancelled_meeting_stays_cancelled() -> None:
    meeting = conference()
    start = dt.datetime(2027, 3, 19, 17, tzinfo=dt.UTC)
    moved, events = m.reschedule(meeting, start, start + dt.timedelta(hours=2), "Europe/Berlin", [], None, NOW)
    (event,) = events
    assert isinstance(event, MeetingRescheduled) and event.sequence == 1 == moved.sequence
    assert event.previous_starts_at == meeting.starts_at
    cancelled, events = m.cancel(moved, "Saal belegt", NOW)
    assert cancelled.status == "cancelled" and cancelled.sequence == 2
    assert isinstance(events[0], MeetingCancelled)
    with pytest.raises(OutOfOrder, match="schon abgesagt"):
        m.cancel(cancelled, "noch mal", NOW)
    with pytest.raises(OutOfOrder, match="abgesagt"):
        m.reschedule(cancelled, start, start + dt.timedelta(hours=1), "UTC", [], None, NOW)
    with pytest.raises(InvalidInput):
        m.cancel(moved, "  ", NOW)


def test_a_stale_version_is_refused() -> None:
    meeting = replace(conference(), version=3)
    m.check_version(meeting, None)
    m.check_version(meeting, 3)
    with pytest.raises(StaleVersion, match="Version 3"):
        m.check_version(meeting, 2)


def test_a_need_of_the_conference_becomes_need_raised() -> None:
    meeting = conference()
    need_id = uuid.uuid4()
    updated, (event,) = m.raise_need(meeting, need_id, "Mehr Bänke", "Quartiersmanagement", 42, WESTEN, NOW)
    assert isinstance(event, NeedRaised)
    assert (event.need_id, event.social_area_key, event.raised_on) == (need_id, "westen", dt.date(2027, 1, 10))
    assert updated.needs[0].need_id == need_id
    with pytest.raises(InvalidInput) as wrong:
        m.raise_need(meeting, need_id, "x", "Quartiersmanagement", 71, WESTEN, NOW)
    assert wrong.value.field == "residential_area_number"
    with pytest.raises(InvalidInput) as field:
        m.raise_need(meeting, need_id, "x", "Raumfahrt", None, WESTEN, NOW)
    assert field.value.field == "field_of_action"
    round_ = conference(kind=MeetingKind.COORDINATION_ROUND, title="KR")
    with pytest.raises(OutOfOrder, match="Stadtteilkonferenz"):
        m.raise_need(round_, need_id, "x", "Quartiersmanagement", None, WESTEN, NOW)


def test_the_document_round_trips() -> None:
    meeting = conference()
    meeting, _ = m.record_attendance(meeting, [uuid.uuid4()], 5, NOW)
    meeting, _ = m.record_minutes(meeting, "Zeile 1\nZeile 2", NOW)
    meeting, _ = m.raise_need(meeting, uuid.uuid4(), "Bänke", "Familienarbeit", None, WESTEN, NOW)
    assert from_document(to_document(meeting)) == meeting
