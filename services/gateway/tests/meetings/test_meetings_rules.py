"""The pure rules of the meeting pages: who may read, manage, schedule and override; German dates and names."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st

from quartier_gateway.auth.domain import Principal, Role
from quartier_gateway.meetings.rules import (
    agenda_items,
    answer_counts,
    answer_name,
    conflict_text,
    default_body_ids,
    event_name,
    form_values,
    kind_name,
    location_text,
    may_manage_meeting,
    may_override_conflict,
    may_read_meeting,
    may_schedule,
    meeting_when,
    parse_schedule,
    purpose_name,
    readable,
    schedulable_kinds,
    selectable_bodies,
    visible_area_keys,
)
from quartier_gateway.web.format import german_datetime

COORD = Principal("koordination.westen", "K", Role.AREA_COORDINATOR, social_area_key="westen")
MEMBER = Principal("runde.westen", "M", Role.COORDINATION_MEMBER, social_area_key="westen", actor_id=uuid.uuid4())
PELKUM = Principal("bezirk.pelkum", "B", Role.COUNCIL_MEMBER, district_key="pelkum")
HEESSEN = Principal("bezirk.heessen", "B", Role.COUNCIL_MEMBER, district_key="heessen")
STEERING = Principal("lenkungskreis", "L", Role.STEERING_COMMITTEE)
ADMIN = Principal("admin", "A", Role.ADMIN)
WESTEN = ["mitte", "pelkum", "herringen"]


def test_who_reads_a_meeting():
    for p in (COORD, MEMBER, PELKUM, STEERING, ADMIN):
        assert may_read_meeting(p, "westen", WESTEN), p.username
    assert not may_read_meeting(HEESSEN, "westen", WESTEN)
    assert not may_read_meeting(COORD, "norden", ["bockum-hoevel", "heessen"])
    assert not may_read_meeting(MEMBER, "norden", ["bockum-hoevel", "heessen"])
    assert may_read_meeting(HEESSEN, "norden", ["bockum-hoevel", "heessen"])
    assert not may_read_meeting(None, "westen", WESTEN)
    # city-wide meetings (Lenkungskreis, AK Stadtteilarbeit)
    assert may_read_meeting(COORD, None, []) and may_read_meeting(STEERING, None, [])
    assert not may_read_meeting(PELKUM, None, []) and not may_read_meeting(MEMBER, None, [])


def test_who_manages_and_schedules():
    assert may_manage_meeting(COORD, "westen") and not may_manage_meeting(COORD, "norden")
    assert not may_manage_meeting(COORD, None), "city-wide meetings belong to the steering committee"
    for p in (MEMBER, PELKUM, HEESSEN, None):
        assert not may_manage_meeting(p, "westen")
    assert may_manage_meeting(STEERING, None) and may_manage_meeting(ADMIN, "norden")
    assert may_schedule(COORD, "neighbourhood_conference", "westen")
    assert may_schedule(COORD, "joint", "westen")
    assert not may_schedule(COORD, "steering_committee", None)
    assert not may_schedule(COORD, "neighbourhood_conference", None), "a conference needs its Sozialraum"
    assert not may_schedule(STEERING, "steering_committee", "westen"), "the Lenkungskreis meets city-wide"
    assert may_schedule(STEERING, "steering_committee", None) and may_schedule(ADMIN, "working_group", None)
    assert not may_schedule(ADMIN, "unbekannt", "westen")
    assert schedulable_kinds(COORD) == ["coordination_round", "neighbourhood_conference", "joint"]
    assert len(schedulable_kinds(STEERING)) == 5 and schedulable_kinds(PELKUM) == schedulable_kinds(MEMBER) == []


def test_only_the_steering_committee_and_admins_override_a_conflict():
    assert may_override_conflict(STEERING, "westen") and may_override_conflict(ADMIN, "westen")
    for p in (COORD, MEMBER, PELKUM, None):
        assert not may_override_conflict(p, "westen")


def test_visible_areas_and_readable_meetings():
    areas = {"westen": WESTEN, "norden": ["bockum-hoevel", "heessen"], "pelkum": ["pelkum"]}
    assert visible_area_keys(PELKUM, areas) == ["westen", "pelkum"]
    assert visible_area_keys(COORD, areas) == ["westen"]
    meetings = [{"social_area_key": "westen"}, {"social_area_key": "norden"}, {"social_area_key": None}]
    assert readable(HEESSEN, meetings, areas) == [{"social_area_key": "norden"}]
    assert readable(COORD, meetings, areas) == [{"social_area_key": "westen"}, {"social_area_key": None}]


def test_times_in_berlin():
    # winter (CET, +1) and summer (CEST, +2)
    assert meeting_when("2027-03-12T16:00:00Z", "2027-03-12T18:00:00+00:00") == "12.03.2027, 17:00–19:00 Uhr"
    assert meeting_when("2027-07-01T15:00:00Z", "2027-07-01T17:30:00Z") == "01.07.2027, 17:00–19:30 Uhr"
    assert meeting_when("2027-07-01T20:00:00Z", "2027-07-01T23:00:00Z") == (
        "01.07.2027, 22:00 Uhr bis 02.07.2027, 01:00 Uhr"
    )
    assert meeting_when(None, None) == ""
    assert german_datetime("2027-03-12T16:00:00Z") == "12.03.2027, 17:00 Uhr"
    assert german_datetime("kein Datum") == "kein Datum"
    assert form_values("2027-07-01T15:00:00Z", "2027-07-01T17:30:00Z") == {
        "date": "2027-07-01",
        "start_time": "17:00",
        "end_time": "19:30",
    }


def test_parse_schedule():
    assert parse_schedule("2027-03-12", "17:00", "19:00") == ("2027-03-12T17:00:00", "2027-03-12T19:00:00", {})
    assert parse_schedule("12.03.2027", "17:00", "19:00")[0] == "2027-03-12T17:00:00"
    _, _, errors = parse_schedule("31.02.2027", "25:00", "")
    assert set(errors) == {"date", "start_time", "end_time"}
    _, _, errors = parse_schedule("2027-03-12", "19:00", "19:00")
    assert errors == {"end_time": "Das Ende muss nach dem Beginn liegen."}


def test_agenda_items():
    text = "1. Jahresplan\r\n- Neue Projekte der Stadt\n\n  • Bericht der Bezirksbürgermeisterin  \n2026 im Rückblick"
    assert agenda_items(text) == [
        "Jahresplan",
        "Neue Projekte der Stadt",
        "Bericht der Bezirksbürgermeisterin",
        "2026 im Rückblick",
    ]
    assert agenda_items("") == []


@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), max_size=40)))
def test_agenda_items_never_contain_line_breaks_or_blanks(lines):
    for item in agenda_items("\n".join(lines)):
        assert item and item == item.strip() and "\n" not in item and "\r" not in item


def test_names_in_german():
    assert kind_name("neighbourhood_conference") == "Stadtteilkonferenz"
    assert kind_name("working_group") == "AK Stadtteilarbeit"
    assert purpose_name("prepares_annual_plan") == "bereitet den Jahresplan vor"
    assert answer_name("accept") == "Zusage" and answer_name(None) == "keine Antwort"
    assert event_name("quartier.invitations.MeetingRescheduled.v1") == "Termin verschoben"
    assert event_name("Unbekannt") == "Unbekannt"
    assert answer_counts([{"answer": "accept"}, {"answer": "decline"}, {"answer": None}, {}]) == {
        "accept": 1,
        "decline": 1,
        "open": 2,
    }


def test_places_and_conflicts_in_words():
    assert location_text({"community_centre": True}, "Haus am Park") == "Stadtteilzentrum (Haus am Park)"
    assert location_text({"address": "Musterweg 1", "online_url": "https://x"}) == "Musterweg 1, online"
    assert location_text(None) == "Ort noch offen"
    conflict = {
        "name": "Sitzung der Bezirksvertretung Hamm-Pelkum",
        "organization": "Bezirksvertretung Hamm-Pelkum",
        "starts_at": "2027-03-12T16:00:00Z",
        "ends_at": "2027-03-12T18:00:00Z",
    }
    assert conflict_text(conflict) == "Sitzung der Bezirksvertretung Hamm-Pelkum: 12.03.2027, 17:00–19:00 Uhr"
    assert conflict_text({**conflict, "name": "Ratssitzung", "organization": "Rat der Stadt Hamm"}).startswith(
        "Ratssitzung (Rat der Stadt Hamm): "
    )


BODIES = [
    {"id": "c-w", "kind": "neighbourhood_conference", "social_area_key": "westen"},
    {"id": "r-w", "kind": "coordination_round", "social_area_key": "westen"},
    {"id": "r-n", "kind": "coordination_round", "social_area_key": "norden"},
    {"id": "lk", "kind": "steering_committee", "social_area_key": None},
    {"id": "ak", "kind": "working_group", "social_area_key": None},
    {"id": "bv", "kind": "district_council", "social_area_key": None},
    {"id": "rat", "kind": "council", "social_area_key": None},
]


def test_bodies_of_a_meeting():
    assert default_body_ids("coordination_round", "norden", BODIES) == ["r-n"]
    assert default_body_ids("neighbourhood_conference", "westen", BODIES) == ["c-w"]
    assert default_body_ids("steering_committee", None, BODIES) == ["lk"]
    assert default_body_ids("joint", "westen", BODIES) == []
    assert [b["id"] for b in selectable_bodies(COORD, BODIES, ["westen"])] == ["c-w", "r-w"]
    assert [b["id"] for b in selectable_bodies(STEERING, BODIES, ["westen", "norden"])] == [
        "c-w",
        "r-w",
        "r-n",
        "lk",
        "ak",
    ], "political bodies never meet here"
