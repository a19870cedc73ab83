"""The date conflict check of a Stadtteilkonferenz against the political calendar, imported from the tests'
own OParl 1.1 server on loopback (tests/support/oparl_server.py) and its iCalendar feed.

Concerned are the Rat and the Bezirksvertretungen of the Sozialraum's districts (Westen: Mitte, Pelkum,
Herringen). The import follows the lists page by page; cancelled meetings never conflict; an override
with a reason is accepted; a source that is down or hangs leaves the API answering with the last data.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.integration.invitations.test_invitations_meetings import (
    BERLIN,
    HEADERS,
    bodies,
    invitations,
    meeting_body,
    post,
    territory,
)
from tests.support.oparl_server import FeedEvent, OParlServer, PoliticalSession
from tests.support.schemas import OParlCheck, check_oparl_list, needs_oparl_schemas, oparl_validator

__all__ = ["bodies", "invitations", "territory"]  # fixtures shared with the meetings' tests


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> dt.datetime:
    return dt.datetime(2027, month, day, hour, minute, tzinfo=BERLIN)


SESSIONS = [
    PoliticalSession("bv-pelkum-1", "bv-pelkum", at(12, 17), at(12, 19), "12. Sitzung der Bezirksvertretung Pelkum"),
    PoliticalSession("rat-1", "rat", at(15, 16), at(15, 20), "Sitzung des Rates"),
    PoliticalSession("bv-pelkum-2", "bv-pelkum", at(19, 17), at(19, 19), "13. Sitzung (entfällt)", cancelled=True),
    PoliticalSession("bv-uentrop-1", "bv-uentrop", at(22, 17), at(22, 19), "Sitzung der BV Uentrop"),
    PoliticalSession("sport-1", "ausschuss-sport", at(24, 17), at(24, 19), "Sportausschuss"),
    PoliticalSession("bv-heessen-1", "bv-heessen", at(26, 17), None, "Sitzung der BV Heessen (ohne Ende)"),
    PoliticalSession("bv-mitte-1", "bv-mitte", at(29, 18), at(29, 21), "Sitzung der BV Hamm-Mitte"),
]
FEED = [
    FeedEvent("bv-herringen-1@ris", "Bezirksvertretung Herringen", at(2, 17, month=4), at(2, 19, month=4)),
    FeedEvent(
        "bv-herringen-2@ris", "Bezirksvertretung Herringen", at(9, 17, month=4), at(9, 19, month=4), cancelled=True
    ),
]


@pytest.fixture(scope="module")
def oparl() -> Iterator[OParlServer]:
    server = OParlServer(meetings=list(SESSIONS), feed=list(FEED)).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
async def calendar(territory: str, oparl: OParlServer) -> str:
    """The calendar imported from the loopback sources; returns the API base."""
    oparl.failing = False
    oparl.release()
    async with httpx.AsyncClient(timeout=60) as client:
        response = await client.post(f"{territory}/political-calendar/refresh", headers=HEADERS)
    assert response.status_code == 200, response.text
    assert [(r["source"], r["ok"], r["count"]) for r in response.json()["results"]] == [
        ("oparl", True, len(SESSIONS)),
        ("ical", True, len(FEED)),
    ]
    return territory


def conference(
    bodies: dict[tuple[str, str | None], str], area: str, start: dt.datetime, hours: float = 2, **changes: Any
) -> dict[str, Any]:
    return meeting_body(
        bodies,
        area=area,
        starts_at=start.isoformat(),
        ends_at=(start + dt.timedelta(hours=hours)).isoformat(),
        **changes,
    )


# ---------------------------------------------------------------- the loopback server itself


@needs_oparl_schemas
async def test_the_loopback_council_system_serves_valid_oparl(oparl: OParlServer) -> None:
    check: OParlCheck = oparl_validator()
    async with httpx.AsyncClient(timeout=10) as client:
        system = (await client.get(oparl.system_url)).json()
        check("System", system)
        bodies_page = (await client.get(system["body"])).json()
        check_oparl_list(check, "Body", bodies_page)
        (body,) = bodies_page["data"]
        seen: list[dict[str, Any]] = []
        url: str | None = body["meeting"]
        while url:
            page = (await client.get(url)).json()
            check_oparl_list(check, "Meeting", page)
            seen += page["data"]
            url = page["links"].get("next")
        assert len(seen) == len(SESSIONS) and any(m["cancelled"] for m in seen)
        orgs = (await client.get(body["organization"])).json()
        check_oparl_list(check, "Organization", orgs)


# ---------------------------------------------------------------- import and check


async def test_the_import_follows_every_page_and_keeps_cancelled_meetings(calendar: str) -> None:
    async with httpx.AsyncClient(timeout=30) as client:
        response = await client.get(f"{calendar}/political-calendar", params={"from": "2027-03-01", "to": "2027-05-01"})
        listed = (await client.get(f"{calendar}/political-calendar/sources")).json()
    assert response.status_code == 200
    meetings = response.json()
    assert {m["source"] for m in meetings} == {"oparl", "ical"}
    by_name = {m["name"]: m for m in meetings}
    assert len([m for m in meetings if m["source"] == "oparl"]) == len(SESSIONS)
    assert by_name["13. Sitzung (entfällt)"]["cancelled"] is True
    assert by_name["12. Sitzung der Bezirksvertretung Pelkum"]["organization"] == "Bezirksvertretung Pelkum"
    assert by_name["Sitzung des Rates"]["classification"] == "Rat"
    sources = {s["source"]: s for s in listed}
    assert sources["oparl"]["last_error"] is None and sources["oparl"]["meeting_count"] == len(SESSIONS)


async def test_an_overlap_with_a_concerned_district_council_is_refused_naming_the_meeting(
    calendar: str, bodies: dict[tuple[str, str | None], str]
) -> None:
    async with httpx.AsyncClient(timeout=30) as client:
        refused = await post(client, f"{calendar}/meetings", conference(bodies, "westen", at(12, 18)), status=409)
        assert refused["detail"] == (
            "Die Stadtteilkonferenz überschneidet sich mit der Sitzung der Bezirksvertretung Pelkum am 12.03.2027, "
            "17:00–19:00 Uhr. Bitte einen anderen Termin wählen oder die Überschneidung mit Begründung zulassen."
        )
        (conflict,) = refused["conflicts"]
        assert conflict["organization"] == "Bezirksvertretung Pelkum" and conflict["source"] == "oparl"
        assert conflict["name"] == "12. Sitzung der Bezirksvertretung Pelkum"

        live = await client.get(
            f"{calendar}/conflicts",
            params={"social_area_key": "westen", "starts_at": "2027-03-12T18:00", "ends_at": "2027-03-12T20:00"},
        )
        assert live.status_code == 200 and live.json()["conflicts"] == refused["conflicts"]
        # touching is not overlapping: 19:00 start after a session ending 19:00
        touching = await client.get(
            f"{calendar}/conflicts",
            params={"social_area_key": "westen", "starts_at": "2027-03-12T19:00", "ends_at": "2027-03-12T21:00"},
        )
        assert touching.json()["conflicts"] == []
        # Hamm-Mitte is Westen's district too; "Bezirksvertretung Hamm-Mitte" matches with the city's name
        mitte = await post(client, f"{calendar}/meetings", conference(bodies, "westen", at(29, 20)), status=409)
        assert "Bezirksvertretung Hamm-Mitte am 29.03.2027, 18:00–21:00 Uhr" in mitte["detail"]


async def test_the_council_concerns_every_area_other_councils_only_their_districts(
    calendar: str, bodies: dict[tuple[str, str | None], str]
) -> None:
    async with httpx.AsyncClient(timeout=30) as client:
        rat = await post(client, f"{calendar}/meetings", conference(bodies, "norden", at(15, 18)), status=409)
        assert "Sitzung des Rates der Stadt Hamm am 15.03.2027, 16:00–20:00 Uhr" in rat["detail"]
        # Uentrop's council does not concern Westen, but Uentrop
        await post(client, f"{calendar}/meetings", conference(bodies, "westen", at(22, 17)))
        await post(client, f"{calendar}/meetings", conference(bodies, "uentrop", at(22, 17)), status=409)
        # a committee concerns nobody
        await post(client, f"{calendar}/meetings", conference(bodies, "westen", at(24, 17)))
        # a session without end is taken to last three hours
        heessen = await post(client, f"{calendar}/meetings", conference(bodies, "norden", at(26, 19, 30)), status=409)
        assert "17:00–20:00 Uhr" in heessen["detail"]
        await post(client, f"{calendar}/meetings", conference(bodies, "norden", at(26, 20)))
        # only conferences are checked
        round_ = meeting_body(
            bodies,
            kind="coordination_round",
            area="westen",
            title="Koordinierungsrunde",
            starts_at=at(12, 17).isoformat(),
            ends_at=at(12, 19).isoformat(),
        )
        await post(client, f"{calendar}/meetings", round_)


async def test_a_cancelled_council_meeting_is_ignored(calendar: str, bodies: dict[tuple[str, str | None], str]) -> None:
    async with httpx.AsyncClient(timeout=30) as client:
        await post(client, f"{calendar}/meetings", conference(bodies, "westen", at(19, 17, 30)))
        await post(client, f"{calendar}/meetings", conference(bodies, "westen", at(9, 17, month=4)))


async def test_the_ical_feed_is_checked_as_well(calendar: str, bodies: dict[tuple[str, str | None], str]) -> None:
    async with httpx.AsyncClient(timeout=30) as client:
        refused = await post(
            client, f"{calendar}/meetings", conference(bodies, "westen", at(2, 18, month=4)), status=409
        )
    (conflict,) = refused["conflicts"]
    assert (conflict["organization"], conflict["source"]) == ("Bezirksvertretung Herringen", "ical")
    assert "Bezirksvertretung Herringen am 02.04.2027" in refused["detail"]


async def test_an_override_with_a_reason_is_accepted_and_kept(
    calendar: str, bodies: dict[tuple[str, str | None], str]
) -> None:
    reason = "Mit der Bezirksbürgermeisterin abgestimmt: BV tagt nur kurz."
    async with httpx.AsyncClient(timeout=30) as client:
        blank = conference(bodies, "westen", at(12, 18), override_reason="   ")
        await post(client, f"{calendar}/meetings", blank, status=409)
        doc = await post(
            client, f"{calendar}/meetings", conference(bodies, "westen", at(12, 18), override_reason=reason)
        )
        assert doc["override_reason"] == reason

        other = await post(client, f"{calendar}/meetings", conference(bodies, "westen", at(13, 18)))
        url = f"{calendar}/meetings/{other['id']}/schedule"
        into = {"starts_at": at(15, 17).isoformat(), "ends_at": at(15, 19).isoformat()}
        refused = await client.put(url, json=into, headers=HEADERS)
        assert refused.status_code == 409 and "Rates der Stadt Hamm" in refused.json()["detail"]
        assert refused.json()["conflicts"][0]["organization"] == "Rat der Stadt Hamm"
        moved = await client.put(url, json=into | {"override_reason": reason}, headers=HEADERS)
        assert moved.status_code == 200 and moved.json()["sequence"] == 1


async def test_a_source_that_is_down_leaves_the_last_data(
    calendar: str, oparl: OParlServer, bodies: dict[tuple[str, str | None], str]
) -> None:
    oparl.failing = True
    try:
        async with httpx.AsyncClient(timeout=60) as client:
            response = await client.post(f"{calendar}/political-calendar/refresh", headers=HEADERS)
            assert response.status_code == 200
            results = {r["source"]: r for r in response.json()["results"]}
            assert results["oparl"]["ok"] is False and "503" in results["oparl"]["error"]
            sources = {s["source"]: s for s in response.json()["sources"]}
            assert "503" in sources["oparl"]["last_error"] and sources["oparl"]["meeting_count"] == len(SESSIONS)

            kept = (await client.get(f"{calendar}/political-calendar", params={"from": "2027-03-01"})).json()
            assert len([m for m in kept if m["source"] == "oparl"]) == len(SESSIONS)
            await post(client, f"{calendar}/meetings", conference(bodies, "westen", at(12, 18)), status=409)
            metrics = (await client.get(calendar.removesuffix("/api/v1") + "/metrics")).text
            assert 'quartier_political_calendar_imports_total{outcome="error",source="oparl"}' in metrics
    finally:
        oparl.failing = False


async def test_a_source_that_hangs_never_blocks_the_api(
    calendar: str, oparl: OParlServer, bodies: dict[tuple[str, str | None], str]
) -> None:
    oparl.hold()
    try:
        async with httpx.AsyncClient(timeout=60) as client:
            refresh = asyncio.create_task(client.post(f"{calendar}/political-calendar/refresh", headers=HEADERS))
            assert await asyncio.to_thread(oparl.holding_now.wait, 30), "the import never reached the source"
            # while the source holds the import's request, the API answers from the last data
            live = await client.get(
                f"{calendar}/conflicts",
                params={"social_area_key": "westen", "starts_at": "2027-03-12T18:00", "ends_at": "2027-03-12T20:00"},
            )
            assert live.status_code == 200 and len(live.json()["conflicts"]) == 1
            await post(client, f"{calendar}/meetings", conference(bodies, "westen", at(12, 18)), status=409)
            assert (await client.get(f"{calendar}/meetings", params={"social_area_key": "westen"})).status_code == 200
            assert not oparl._release.is_set(), "the source was still hanging while the API answered"
            response = await refresh
        assert response.status_code == 200
        results = {r["source"]: r for r in response.json()["results"]}
        assert results["oparl"]["ok"] is False and "Timeout" in results["oparl"]["error"]
    finally:
        oparl.release()
    async with httpx.AsyncClient(timeout=30) as client:
        kept = (await client.get(f"{calendar}/political-calendar", params={"from": "2027-03-01"})).json()
    assert len([m for m in kept if m["source"] == "oparl"]) == len(SESSIONS)
