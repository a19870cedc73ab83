"""Meetings through the invitations service's API, on the real database and broker: the Stadtteilkonferenz'
title and agenda rules, the Lenkungskreis' two meetings a year, bad input, rescheduling with a rising
SEQUENCE, the events on the broker, attendance, minutes, residents' needs arriving in planning, and the
public iCalendar feed and next conference.

The helpers and fixtures here are shared with tests/integration/invitations/test_invitations_conflicts.py and
tests/integration/invitations/test_invitations_oparl_export.py.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import uuid
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from icalendar import Calendar

from quartier_shared.events.topics import INVITATIONS_MEETINGS
from tests.support.helpers import eventually
from tests.support.kafka import header, read_topic
from tests.support.oparl_server import OParlServer
from tests.support.stack import Stack

HEADERS = {"X-Quartier-Actor": "koordination-westen"}
BERLIN = ZoneInfo("Europe/Berlin")


# ---------------------------------------------------------------- fixtures and helpers (shared)


def invitations_env(server: OParlServer) -> dict[str, str]:
    """Invitations importing from the loopback council system; the background import runs once at start,
    the tests refresh explicitly."""
    return {
        "QUARTIER_OPARL_SYSTEM_URL": server.system_url,
        "QUARTIER_POLITICAL_ICAL_URL": server.ical_url,
        "QUARTIER_POLITICAL_CALENDAR_INTERVAL_SECONDS": "3600",
        "QUARTIER_POLITICAL_CALENDAR_TIMEOUT_SECONDS": "3",
        "QUARTIER_POLITICAL_CALENDAR_IMPORT_TIMEOUT_SECONDS": "10",
    }


@pytest.fixture(scope="module")
def oparl() -> Iterator[OParlServer]:
    server = OParlServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def invitations(stack: Stack, oparl: OParlServer) -> str:
    stack.start("invitations", invitations_env(oparl))
    return f"{stack.url('invitations')}/api/v1"


async def _territory_known(api: str) -> bool:
    async with httpx.AsyncClient(timeout=10) as client:
        for key in ("westen", "norden", "pelkum", "uentrop"):
            response = await client.get(
                f"{api}/conflicts",
                params={"social_area_key": key, "starts_at": "2030-01-01T10:00", "ends_at": "2030-01-01T11:00"},
            )
            if response.status_code != 200:
                return False
    return True


@pytest.fixture(scope="module")
async def territory(invitations: str) -> str:
    """Invitations knows the Hamm territory (from the registry's events); returns the API base."""
    await eventually(lambda: _territory_known(invitations), timeout=60)
    return invitations


@pytest.fixture(scope="module")
async def bodies(stack: Stack) -> dict[tuple[str, str | None], str]:
    """(kind, social area key or district key) → the registry's body id."""
    async with httpx.AsyncClient(timeout=30) as client:
        response = await client.get(f"{stack.url('registry')}/api/v1/bodies")
    assert response.status_code == 200, response.text
    return {(b["kind"], b["social_area_key"] or b["district_key"]): b["id"] for b in response.json()}


def berlin(year: int, month: int, day: int, hour: int, minute: int = 0) -> str:
    return dt.datetime(year, month, day, hour, minute, tzinfo=BERLIN).isoformat()


def free_year() -> int:
    """A calendar year no other run of this test database used (the Lenkungskreis counts per year)."""
    return random.randint(2200, 2999)


def meeting_body(
    bodies: dict[tuple[str, str | None], str],
    kind: str = "neighbourhood_conference",
    area: str | None = "westen",
    **changes: Any,
) -> dict[str, Any]:
    body_kind = {"joint": "coordination_round"}.get(kind, kind)
    key = area if body_kind in ("neighbourhood_conference", "coordination_round") else None
    start = dt.datetime(2031, 5, 5, 18, 0)
    return {
        "kind": kind,
        "body_ids": [bodies[(body_kind, key)]],
        "social_area_key": area,
        "title": "",
        "local_title": None,
        "purposes": [],
        "format": "in_person",
        "starts_at": start.isoformat(),
        "ends_at": (start + dt.timedelta(hours=2)).isoformat(),
        "timezone": "Europe/Berlin",
        "location": {"community_centre": True, "address": None, "online_url": None},
        "agenda": ["Begrüßung", "Neues aus dem Quartier"],
        "description": "Alle Bewohner:innen sind eingeladen.",
        "public": True,
        "override_reason": None,
        **changes,
    }


async def post(client: httpx.AsyncClient, url: str, body: dict[str, Any], status: int = 201) -> dict[str, Any]:
    response = await client.post(url, json=body, headers=HEADERS)
    assert response.status_code == status, response.text
    doc: dict[str, Any] = response.json()
    return doc


async def meeting_events(stack: Stack, meeting_id: str) -> list[tuple[str, dict[str, Any]]]:
    records = await read_topic(stack.env["QUARTIER_KAFKA_BOOTSTRAP"], stack.topic_prefix + INVITATIONS_MEETINGS.name)
    return [
        (str(header(r, "ce_type")).split(".")[2], json.loads(r.value or b"{}"))
        for r in records
        if r.key == f"meeting/{meeting_id}".encode()
    ]


# ---------------------------------------------------------------- the Stadtteilkonferenz' rules


async def test_a_conference_carries_its_word_its_local_title_and_the_annual_plan(
    territory: str, bodies: dict[tuple[str, str | None], str]
) -> None:
    async with httpx.AsyncClient(timeout=30) as client:
        doc = await post(
            client,
            f"{territory}/meetings",
            meeting_body(
                bodies,
                area="pelkum",
                local_title="Wir in Pelkum",
                starts_at="2031-02-03T18:00:00",
                ends_at="2031-02-03T20:00:00",
            ),
        )
        assert doc["display_title"] == "Stadtteilkonferenz – Wir in Pelkum"
        assert doc["agenda"] == ["Jahresplan", "Begrüßung", "Neues aus dem Quartier"]
        assert doc["location_text"] == "Casino"  # the Stadtteilzentrum of Pelkum, from the registry's events
        assert (doc["status"], doc["sequence"], doc["version"]) == ("scheduled", 0, 1)
        assert doc["uid"] == f"{doc['id']}@quartier"

        change = {
            "title": "Frühjahrstreffen",
            "local_title": "Wir in Pelkum",
            "agenda": ["Spielplatz am Kanal"],
            "description": "",
            "location": {"community_centre": False, "address": "Kamener Straße 1, 59077 Hamm"},
            "format": "in_person",
            "public": True,
        }
        response = await client.put(f"{territory}/meetings/{doc['id']}", json=change, headers=HEADERS)
        assert response.status_code == 200, response.text
        changed = response.json()
        # the Jahresplan cannot be taken off; the word stays in the title
        assert changed["agenda"] == ["Jahresplan", "Spielplatz am Kanal"]
        assert changed["display_title"] == "Stadtteilkonferenz – Frühjahrstreffen – Wir in Pelkum"
        assert changed["location_text"] == "Kamener Straße 1, 59077 Hamm"
        assert (changed["sequence"], changed["version"]) == (1, 2)

        got = (await client.get(f"{territory}/meetings/{doc['id']}")).json()
        assert [h["event_type"].split(".")[2] for h in got["history"]] == [
            "MeetingScheduled",
            "ConferenceScheduled",
            "MeetingChanged",
        ]
        assert {h["actor"] for h in got["history"]} == {"koordination-westen"}


async def test_the_steering_committee_meets_at_most_twice_a_year(
    territory: str, bodies: dict[tuple[str, str | None], str]
) -> None:
    year = free_year()

    def steering(month: int) -> dict[str, Any]:
        return meeting_body(
            bodies,
            kind="steering_committee",
            area=None,
            title="Lenkungskreis Stadtteilarbeit",
            starts_at=f"{year}-{month:02d}-10T15:00:00",
            ends_at=f"{year}-{month:02d}-10T17:00:00",
            public=False,
        )

    async with httpx.AsyncClient(timeout=30) as client:
        first = await post(client, f"{territory}/meetings", steering(3))
        await post(client, f"{territory}/meetings", steering(9))
        refused = await post(client, f"{territory}/meetings", steering(11), status=409)
        assert "höchstens zweimal im Jahr" in refused["detail"]
        assert f"10.03.{year}" in refused["detail"] and f"10.09.{year}" in refused["detail"]
        # the next year counts on its own
        await post(
            client,
            f"{territory}/meetings",
            steering(1) | {"starts_at": f"{year + 1}-01-20T15:00:00", "ends_at": f"{year + 1}-01-20T17:00:00"},
        )
        # moving that one into the full year is refused as well
        nxt = (
            await client.get(
                f"{territory}/meetings",
                params={"kind": "steering_committee", "from": f"{year + 1}-01-01", "to": f"{year + 1}-12-31"},
            )
        ).json()
        (moving,) = nxt
        response = await client.put(
            f"{territory}/meetings/{moving['id']}/schedule",
            json={"starts_at": f"{year}-12-01T15:00:00", "ends_at": f"{year}-12-01T17:00:00"},
            headers=HEADERS,
        )
        assert response.status_code == 409 and "höchstens zweimal" in response.json()["detail"]
        # a cancelled meeting does not count
        await post(client, f"{territory}/meetings/{first['id']}/cancel", {"reason": "Terminverschiebung"}, status=200)
        await post(client, f"{territory}/meetings", steering(11))


BAD_INPUT = [
    ("ends_at", {"starts_at": "2031-05-05T18:00:00", "ends_at": "2031-05-05T17:00:00"}),
    ("ends_at", {"starts_at": "2031-05-05T18:00:00", "ends_at": "2031-05-05T18:00:00"}),
    ("timezone", {"timezone": "Mars/Olympus_Mons"}),
    ("timezone", {"timezone": "../../etc/passwd"}),
    ("title", {"kind": "coordination_round", "title": "Sitzung\r\nBcc: alle@example.org"}),
    ("title", {"title": "Stadtteilkonferenz\nX"}),
    ("title", {"title": "Stadtteil\x00konferenz"}),
    ("local_title", {"local_title": "Wir\rin Pelkum"}),
    ("description", {"description": "x" * 10_000}),
    ("description", {"description": "Text mit \x00 NUL"}),
    ("agenda[1]", {"agenda": ["Begrüßung", "Punkt\nzwei"]}),
    ("location.online_url", {"format": "online", "location": {"online_url": None}}),
    ("location.online_url", {"format": "online", "location": {"online_url": "javascript:alert(1)"}}),
    ("location.address", {"location": {"community_centre": False, "address": None}}),
    ("body_ids", {"kind": "joint"}),
    ("body_ids", {"body_ids": []}),
    ("social_area_key", {"social_area_key": "atlantis"}),
    ("social_area_key", {"social_area_key": None}),
]


@pytest.mark.parametrize(("field", "changes"), BAD_INPUT, ids=[f"{f}-{i}" for i, (f, _) in enumerate(BAD_INPUT)])
async def test_bad_input_is_refused_naming_the_field(
    territory: str, bodies: dict[tuple[str, str | None], str], field: str, changes: dict[str, Any]
) -> None:
    body = meeting_body(bodies) | changes
    async with httpx.AsyncClient(timeout=30) as client:
        before = len((await client.get(f"{territory}/meetings")).json())
        response = await client.post(f"{territory}/meetings", json=body, headers=HEADERS)
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == field, response.json()
        assert len((await client.get(f"{territory}/meetings")).json()) == before


async def test_times_without_offset_are_read_in_the_meeting_time_zone(
    territory: str, bodies: dict[tuple[str, str | None], str]
) -> None:
    async with httpx.AsyncClient(timeout=30) as client:
        summer = await post(
            client,
            f"{territory}/meetings",
            meeting_body(
                bodies,
                kind="coordination_round",
                title="Koordinierungsrunde",
                public=False,
                starts_at="2031-07-01T18:00:00",
                ends_at="2031-07-01T20:00:00",
            ),
        )
        assert summer["starts_at"] == "2031-07-01T16:00:00+00:00"
        other_zone = await post(
            client,
            f"{territory}/meetings",
            meeting_body(
                bodies,
                kind="coordination_round",
                title="Koordinierungsrunde",
                public=False,
                timezone="America/New_York",
                starts_at="2031-07-01T18:00:00",
                ends_at="2031-07-01T20:00:00",
            ),
        )
        assert other_zone["starts_at"] == "2031-07-01T22:00:00+00:00"
        with_offset = await post(
            client,
            f"{territory}/meetings",
            meeting_body(
                bodies,
                kind="coordination_round",
                title="Koordinierungsrunde",
                public=False,
                timezone="Asia/Tokyo",
                starts_at="2031-07-01T18:00:00+02:00",
                ends_at="2031-07-01T20:00:00+02:00",
            ),
        )
        assert with_offset["starts_at"] == "2031-07-01T16:00:00+00:00"


# ---------------------------------------------------------------- reschedule, cancel, events


async def test_rescheduling_raises_the_sequence_and_every_step_is_an_event_on_the_broker(
    stack: Stack, territory: str, bodies: dict[tuple[str, str | None], str]
) -> None:
    async with httpx.AsyncClient(timeout=30) as client:
        doc = await post(
            client,
            f"{territory}/meetings",
            meeting_body(bodies, area="norden", starts_at="2031-09-01T18:00:00", ends_at="2031-09-01T20:00:00"),
        )
        url = f"{territory}/meetings/{doc['id']}"
        moved = await client.put(
            f"{url}/schedule",
            json={"starts_at": "2031-09-08T18:00:00", "ends_at": "2031-09-08T20:30:00"},
            headers=HEADERS | {"If-Match": '"1"'},
        )
        assert moved.status_code == 200, moved.text
        assert (moved.json()["sequence"], moved.json()["version"]) == (1, 2)
        assert moved.json()["starts_at"] == "2031-09-08T16:00:00+00:00"
        stale = await client.put(
            f"{url}/schedule",
            json={"starts_at": "2031-09-09T18:00:00", "ends_at": "2031-09-09T20:00:00"},
            headers=HEADERS | {"If-Match": "1"},
        )
        assert stale.status_code == 409 and "Version 2" in stale.json()["detail"]

        await post(client, f"{url}/attendance", {"person_ids": [str(uuid.uuid4())], "guests": 12}, status=200)
        minutes = await client.put(
            f"{url}/minutes", json={"text": "Protokoll:\nJahresplan vorgestellt."}, headers=HEADERS
        )
        assert minutes.status_code == 200 and minutes.json()["minutes"].startswith("Protokoll:")

        cancelled = await post(client, f"{url}/cancel", {"reason": "Saal nicht verfügbar"}, status=200)
        assert (cancelled["status"], cancelled["sequence"]) == ("cancelled", 2)
        again = await post(client, f"{url}/cancel", {"reason": "doppelt"}, status=409)
        assert "schon abgesagt" in again["detail"]
        late = await client.put(
            f"{url}/schedule",
            json={"starts_at": "2031-09-10T18:00:00", "ends_at": "2031-09-10T20:00:00"},
            headers=HEADERS,
        )
        assert late.status_code == 409 and "abgesagt" in late.json()["detail"]
        unknown = await client.get(f"{territory}/meetings/{uuid.uuid4()}")
        assert unknown.status_code == 404

    events = await eventually(lambda: _all_events(stack, doc["id"], 6))
    assert [t for t, _ in events] == [
        "MeetingScheduled",
        "ConferenceScheduled",
        "MeetingRescheduled",
        "AttendanceRecorded",
        "MinutesRecorded",
        "MeetingCancelled",
    ]
    payloads = dict(events)
    assert payloads["MeetingScheduled"]["kind"] == "neighbourhood_conference"
    assert payloads["ConferenceScheduled"]["social_area_key"] == "norden"
    assert payloads["MeetingRescheduled"]["sequence"] == 1
    assert payloads["MeetingRescheduled"]["previous_starts_at"].startswith("2031-09-01T16:00:00")
    assert payloads["MeetingCancelled"] == {"meeting_id": doc["id"], "reason": "Saal nicht verfügbar", "sequence": 2}
    assert payloads["AttendanceRecorded"]["guests"] == 12
    assert "text" not in payloads["MinutesRecorded"]


async def _all_events(stack: Stack, meeting_id: str, count: int) -> list[tuple[str, dict[str, Any]]] | None:
    events = await meeting_events(stack, meeting_id)
    return events if len(events) >= count else None


# ---------------------------------------------------------------- residents' needs


async def test_needs_are_recorded_only_at_a_conference_and_in_its_area(
    territory: str, bodies: dict[tuple[str, str | None], str]
) -> None:
    async with httpx.AsyncClient(timeout=30) as client:
        round_ = await post(
            client,
            f"{territory}/meetings",
            meeting_body(bodies, kind="coordination_round", title="Koordinierungsrunde", public=False),
        )
        refused = await post(
            client,
            f"{territory}/meetings/{round_['id']}/needs",
            {"text": "Mehr Bänke", "field_of_action": "Quartiersmanagement"},
            status=409,
        )
        assert "Stadtteilkonferenz" in refused["detail"]
        conference = await post(client, f"{territory}/meetings", meeting_body(bodies))
        wrong_area = await post(
            client,
            f"{territory}/meetings/{conference['id']}/needs",
            {"text": "Mehr Bänke", "field_of_action": "Quartiersmanagement", "residential_area_number": 71},
            status=422,
        )
        assert wrong_area["errors"][0]["field"] == "residential_area_number"
        wrong_field = await post(
            client,
            f"{territory}/meetings/{conference['id']}/needs",
            {"text": "Mehr Bänke", "field_of_action": "Raumfahrt"},
            status=422,
        )
        assert wrong_field["errors"][0]["field"] == "field_of_action"


async def test_conference_needs_arrive_in_planning(
    stack: Stack, territory: str, bodies: dict[tuple[str, str | None], str]
) -> None:
    """A need residents raise at a Westen Stadtteilkonferenz becomes a need of Westen in planning."""
    text = f"Ein sicherer Schulweg an der Wilhelmstraße ({uuid.uuid4().hex[:8]})"
    async with httpx.AsyncClient(timeout=30) as client:
        conference = await post(client, f"{territory}/meetings", meeting_body(bodies, area="westen"))
        doc = await post(
            client,
            f"{territory}/meetings/{conference['id']}/needs",
            {"text": text, "field_of_action": "Kinder- und Jugendarbeit", "residential_area_number": 42},
        )
        need_id = doc["need_id"]
        assert [n["need_id"] for n in doc["needs"]] == [need_id]
        assert doc["needs"][0]["residential_area_number"] == 42

        async def in_planning() -> dict[str, Any] | None:
            response = await client.get(f"{stack.url('planning')}/api/v1/needs", params={"social_area_key": "westen"})
            assert response.status_code == 200, response.text
            return next((n for n in response.json() if n["id"] == need_id), None)

        need = await eventually(in_planning, timeout=30)
    assert need["source"] == "neighbourhood_conference"
    assert need["field_of_action"] == "Kinder- und Jugendarbeit"
    assert need["residential_area_number"] == 42
    assert text in json.dumps(need, ensure_ascii=False)


# ---------------------------------------------------------------- public feed and next conference


async def test_the_public_feed_has_one_vevent_per_public_meeting_and_the_next_conference_is_announced(
    stack: Stack, territory: str, bodies: dict[tuple[str, str | None], str]
) -> None:
    base = stack.url("invitations")
    now = dt.datetime.now(BERLIN).replace(microsecond=0)
    soon = now + dt.timedelta(days=30)
    async with httpx.AsyncClient(timeout=30) as client:
        created = [
            await post(
                client,
                f"{territory}/meetings",
                meeting_body(
                    bodies,
                    area="herringen",
                    local_title=f"Treffen {i}",
                    public=public,
                    starts_at=(soon + dt.timedelta(days=i)).isoformat(),
                    ends_at=(soon + dt.timedelta(days=i, hours=2)).isoformat(),
                ),
            )
            for i, public in enumerate((True, True, False))
        ]
        cancelled = created[1]
        await post(client, f"{territory}/meetings/{cancelled['id']}/cancel", {"reason": "Ausfall"}, status=200)

        response = await client.get(f"{base}/ical/herringen.ics")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/calendar")
        calendar = Calendar.from_ical(response.content)
        events = calendar.walk("VEVENT")
        listed = (await client.get(f"{territory}/meetings", params={"social_area_key": "herringen"})).json()
        public = {m["uid"]: m for m in listed if m["public"]}
        uids = [str(e["UID"]) for e in events]
        assert sorted(uids) == sorted(public), "exactly one VEVENT per public meeting"
        assert created[2]["uid"] not in uids
        by_uid = {str(e["UID"]): e for e in events}
        assert str(by_uid[cancelled["uid"]]["STATUS"]) == "CANCELLED"
        assert int(by_uid[cancelled["uid"]]["SEQUENCE"]) == 1
        assert str(by_uid[created[0]["uid"]]["SUMMARY"]) == "Stadtteilkonferenz – Treffen 0"
        assert by_uid[created[0]["uid"]].decoded("DTSTART") == dt.datetime.fromisoformat(created[0]["starts_at"])

        upcoming = sorted(
            (
                m
                for m in listed
                if m["public"]
                and m["kind"] == "neighbourhood_conference"
                and m["status"] == "scheduled"
                and dt.datetime.fromisoformat(m["ends_at"]) > dt.datetime.now(dt.UTC)
            ),
            key=lambda m: (m["starts_at"], m["id"]),
        )
        nxt = await client.get(f"{base}/api/v1/public/social-areas/herringen/next-conference")
        assert nxt.status_code == 200
        assert nxt.json()["id"] == upcoming[0]["id"]
        assert "minutes" not in nxt.json() and "attendance" not in nxt.json()

        assert (await client.get(f"{base}/ical/atlantis.ics")).status_code == 404
        none = await client.get(f"{base}/api/v1/public/social-areas/atlantis/next-conference")
        assert none.status_code == 404
