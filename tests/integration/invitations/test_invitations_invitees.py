"""Invitee lists through the real stack: the registry's demo data → its events (directory and contacts
topics) → the invitations service's own copy → the rules → GET /meetings/{id}/invitees; manual changes;
an erasure in the registry removing the contact details; sending, reschedule, cancel and reminders
queuing the mails of the delivery part."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

import asyncpg
import httpx
import pytest
import yaml

from quartier_registry.domain.people import stable_id
from tests.support.helpers import connect_as, eventually, pool_as
from tests.support.smtp import SmtpSink, mail_stack, smtp_sink  # noqa: F401 (fixtures)
from tests.support.stack import ROOT, Stack

STAFF = {"X-Quartier-Actor": "koordination-test"}
DAY = dt.date(2027, 3, 10)

HAMM = yaml.safe_load((ROOT / "services/registry/data/hamm.yaml").read_text(encoding="utf-8"))
DEMO = yaml.safe_load((ROOT / "services/registry/data/demo-people.yaml").read_text(encoding="utf-8"))
DISTRICT_NAMES = {d["key"]: d["name"] for d in HAMM["stadtbezirke"]}
AREAS = {a["key"]: a for a in HAMM["sozialraeume"]}


# ---------------------------------------------------------------- what the demo data says (read independently)


def area_name(key: str) -> str:
    return str(AREAS[key]["name"])


def districts_of(area: str) -> list[str]:
    out: list[str] = []
    for number in sorted(AREAS[area]["wohnbereiche"]):
        district = HAMM["wohnbereiche"][number][1]
        if district not in out:
            out.append(district)
    return out


def residential_areas_of(area: str) -> set[int]:
    return set(AREAS[area]["wohnbereiche"])


def name(person: dict[str, Any]) -> str:
    return f"{person['given_name']} {person['family_name']}"


def active(membership: dict[str, Any]) -> bool:
    starts = dt.date.fromisoformat(str(membership["starts_on"]))
    ends = dt.date.fromisoformat(str(membership["ends_on"])) if membership.get("ends_on") else None
    return starts <= DAY and (ends is None or DAY <= ends)


def holders(body: str, roles: set[str] | None = None) -> list[dict[str, Any]]:
    return [
        p
        for p in DEMO["persons"]
        for m in p.get("memberships", [])
        if m["body"] == body and active(m) and (roles is None or m["role"] in roles)
    ]


def demo_person(key: str) -> dict[str, Any]:
    return next(p for p in DEMO["persons"] if p["key"] == key)


# ---------------------------------------------------------------- helpers


@pytest.fixture
def invitations(mail_stack: Stack) -> str:  # noqa: F811
    return f"{mail_stack.url('invitations')}/api/v1"


async def create_meeting(
    client: httpx.AsyncClient,
    api: str,
    kind: str,
    area: str | None,
    body: str,
    purposes: list[str] | None = None,
    hour: int = 18,
) -> dict[str, Any]:
    starts = dt.datetime.combine(DAY, dt.time(hour, 0))
    payload = {
        "kind": kind,
        "body_ids": [str(stable_id(f"body/{body}"))],
        "social_area_key": area,
        "title": "Stadtteilkonferenz" if kind == "neighbourhood_conference" else f"Sitzung {uuid.uuid4().hex[:6]}",
        "purposes": purposes or [],
        "format": "in_person",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + dt.timedelta(hours=2)).isoformat(),
        "timezone": "Europe/Berlin",
        "location": {"community_centre": True},
        "agenda": ["Begrüßung"],
        "description": "Test",
        "public": kind == "neighbourhood_conference",
        "override_reason": "Test ohne politischen Kalender",
    }
    response = await client.post(f"{api}/meetings", json=payload, headers=STAFF)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def invitees_when(
    client: httpx.AsyncClient,
    api: str,
    meeting_id: str,
    names: set[str],
    timeout: float = 60,
    settled: Callable[[dict[str, Any]], bool] = lambda doc: True,
) -> dict[str, Any]:
    """The invitee list once every one of ``names`` is on it with a name and ``settled`` holds (the copy is
    built from events of several topics and partitions, which arrive in any order)."""

    async def check() -> dict[str, Any] | None:
        response = await client.get(f"{api}/meetings/{meeting_id}/invitees")
        assert response.status_code == 200, response.text
        doc = dict(response.json())
        listed = {i["name"] for i in doc["computed"]}
        return doc if names <= listed and settled(doc) else None

    return await eventually(check, timeout=timeout)


def reasons_by_name(doc: dict[str, Any], part: str = "computed") -> dict[str, list[str]]:
    return {i["name"]: i["reasons"] for i in doc[part]}


# ---------------------------------------------------------------- the rules through the stack


@pytest.mark.parametrize("area", ["westen", "norden", "pelkum"])
async def test_conference_invitees_follow_the_rules_for_every_district_of_the_area(invitations: str, area: str) -> None:
    districts = districts_of(area)
    assert len(districts) == {"westen": 3, "norden": 2, "pelkum": 1}[area]
    mayors = [p for d in districts for p in holders(f"district_council/{d}", {"chair"})]
    council = [(p, d) for d in districts for p in holders(f"district_council/{d}", {"member", "deputy"})]
    (coordinator,) = holders(f"coordination_round/{area}", {"chair"})
    round_members = holders(f"coordination_round/{area}", {"chair", "deputy", "member", "advisory"})
    expected = {name(p) for p in [*mayors, *round_members]} | {name(p) for p, _ in council}
    lives_here = residential_areas_of(area)
    local = [
        a for a in DEMO["actors"] if a["type"] != "other" and (a["social_areas"] == "all" or area in a["social_areas"])
    ]
    residents = {name(p) for p, _ in council if p.get("residential_area") in lives_here}

    def settled(doc: dict[str, Any]) -> bool:
        reasons = reasons_by_name(doc)
        return (
            all(i["email"] for i in doc["computed"])
            and {a["name"] for a in local} <= set(reasons)
            and all(f"wohnt im {area_name(area)}" in reasons[n] for n in residents)
            and len(doc["signatories"]) == 1 + len(districts)
        )

    async with httpx.AsyncClient(timeout=30) as client:
        meeting = await create_meeting(
            client, invitations, "neighbourhood_conference", area, f"neighbourhood_conference/{area}"
        )
        doc = await invitees_when(client, invitations, meeting["id"], expected, settled=settled)
    assert doc["public_announcement"] is True
    assert [(s["name"], s["role"]) for s in doc["signatories"]] == [
        (name(coordinator), f"Stadtteilkoordination, {area_name(area)}"),
        *[
            (name(p), f"Bezirksbürgermeister:in, Bezirksvertretung {DISTRICT_NAMES[d]}")
            for d in districts
            for p in holders(f"district_council/{d}", {"chair"})
        ],
    ]
    reasons = reasons_by_name(doc)
    for district in districts:
        (mayor,) = holders(f"district_council/{district}", {"chair"})
        assert (
            reasons[name(mayor)][0]
            == f"Bezirksbürgermeister:in, Bezirksvertretung {DISTRICT_NAMES[district]} (lädt mit ein)"
        )
    marked = 0
    for person, district in council:
        got = reasons[name(person)]
        assert got[0] == f"Mitglied der Bezirksvertretung {DISTRICT_NAMES[district]}", got
        if person.get("residential_area") in lives_here:
            assert f"wohnt im {area_name(area)}" in got
            marked += 1
        else:
            assert not [r for r in got if r.startswith("wohnt im")]
    assert marked >= 1  # the demo data has council members living in every one of these areas
    for person in round_members:
        assert any("Koordinierungsrunde" in r for r in reasons[name(person)])
    # the councils of other districts are not invited
    others = {name(p) for d in DISTRICT_NAMES if d not in districts for p in holders(f"district_council/{d}")}
    others -= {name(p) for p in round_members}
    assert not others & set(reasons)
    # institutions of the area, written to at their own address
    institutions = {i["name"]: i for i in doc["computed"] if i["actor_id"]}
    assert {a["name"] for a in local} == set(institutions)
    for actor in local:
        assert institutions[actor["name"]]["email"] == actor["email"]
    # the contact details arrived: everyone found by a person rule has an e-mail address
    assert all(i["email"] for i in doc["computed"])


async def test_a_westen_round_preparing_the_annual_plan(invitations: str) -> None:
    districts = districts_of("westen")
    heads = [demo_person(f"buergeramt-{d}") for d in districts]
    guides = [demo_person(f"vereinsguide-{d}") for d in districts]
    mayors = [p for d in districts for p in holders(f"district_council/{d}", {"chair"})]
    async with httpx.AsyncClient(timeout=30) as client:
        plain = await create_meeting(client, invitations, "coordination_round", "westen", "coordination_round/westen")
        preparing = await create_meeting(
            client,
            invitations,
            "coordination_round",
            "westen",
            "coordination_round/westen",
            ["prepares_annual_plan"],
            14,
        )
        wanted = {name(p) for p in [*heads, *guides]}
        plain_doc = await invitees_when(client, invitations, plain["id"], wanted)
        doc = await invitees_when(client, invitations, preparing["id"], wanted | {name(p) for p in mayors})
    reasons = reasons_by_name(doc)
    for person, district in [*zip(heads, districts, strict=True), *zip(guides, districts, strict=True)]:
        (function,) = person["functions"]
        assert (
            f"{function}: der Stadtbezirk {DISTRICT_NAMES[district]} gehört zum Sozialraum Hammer Westen"
            in reasons[name(person)]
        )
    for mayor, district in zip(mayors, districts, strict=True):
        body = f"Bezirksvertretung {DISTRICT_NAMES[district]}"
        assert reasons[name(mayor)] == [f"Bezirksbürgermeister:in, {body}: die Sitzung bereitet den Jahresplan vor"]
    # without that purpose the district mayors are not invited (their guest role does not count)
    assert not {name(p) for p in mayors} & set(reasons_by_name(plain_doc))
    assert plain_doc["signatories"] == [] and plain_doc["public_announcement"] is False


# ---------------------------------------------------------------- manual changes


async def test_manual_changes_are_kept_beside_the_computed_list(invitations: str) -> None:
    office = demo_person("stadtteilbuero-pelkum")
    guest = demo_person("vereinsguide-uentrop")
    office_id = str(stable_id(f"demo/person/{office['key']}"))
    guest_id = str(stable_id(f"demo/person/{guest['key']}"))
    async with httpx.AsyncClient(timeout=30) as client:
        meeting = await create_meeting(client, invitations, "coordination_round", "pelkum", "coordination_round/pelkum")
        url = f"{invitations}/meetings/{meeting['id']}/invitees"
        await invitees_when(client, invitations, meeting["id"], {name(office)})
        removed = await client.post(f"{url}/{office_id}/remove", json={"reason": "vertreten"}, headers=STAFF)
        assert removed.status_code == 200, removed.text
        added = await client.post(url, json={"person_id": guest_id, "reason": "berichtet"}, headers=STAFF)
        assert added.status_code == 201, added.text
        doc = (await client.get(url)).json()
        # bad input and unknown meetings
        empty = await client.post(url, json={"person_id": guest_id, "reason": "  "}, headers=STAFF)
        assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "reason"
        stranger = await client.post(url, json={"person_id": str(uuid.uuid4()), "reason": "x"}, headers=STAFF)
        assert stranger.status_code == 422 and stranger.json()["errors"][0]["field"] == "person_id"
        not_listed = await client.post(
            f"{url}/{stable_id('demo/person/bezirksbuergermeister-uentrop')}/remove", json={"reason": "x"}
        )
        assert not_listed.status_code == 422
        unknown = await client.get(f"{invitations}/meetings/{uuid.uuid4()}/invitees")
        assert unknown.status_code == 404
    # the computed list still shows the removed invitee; the final one does not
    assert office_id in {i["person_id"] for i in doc["computed"]}
    assert office_id not in {i["person_id"] for i in doc["final"]}
    assert [(r["person_id"], r["name"], r["reason"], r["actor"]) for r in doc["removed"]] == [
        (office_id, name(office), "vertreten", "koordination-test")
    ]
    assert [(a["person_id"], a["name"], a["reason"]) for a in doc["added"]] == [(guest_id, name(guest), "berichtet")]
    (entry,) = [i for i in doc["final"] if i["person_id"] == guest_id]
    assert entry["manual"] is True and entry["reasons"] == ["von Hand hinzugefügt: berichtet"]
    assert entry["email"] == guest["email"]


# ---------------------------------------------------------------- erasure


async def test_an_erasure_in_the_registry_removes_the_contact_and_the_name(invitations: str, stack: Stack) -> None:
    registry = f"{stack.url('registry')}/api/v1"
    tag = uuid.uuid4().hex[:8]
    person = {
        "given_name": f"Edda{tag}",
        "family_name": f"Löschkamp{tag}",
        "email": f"edda.{tag}@beispiel.example",
        "residential_area_number": 41,
    }
    conn: asyncpg.Connection = await connect_as(stack.env, "invitations")
    try:
        async with httpx.AsyncClient(timeout=30) as client:
            created = await client.post(f"{registry}/persons", json=person, headers=STAFF)
            assert created.status_code == 201, created.text
            person_id = created.json()["id"]
            joined = await client.post(
                f"{registry}/bodies/{stable_id('body/district_council/pelkum')}/memberships",
                json={"person_id": person_id, "role": "member", "starts_on": "2026-01-01"},
            )
            assert joined.status_code == 201, joined.text
            full = f"Edda{tag} Löschkamp{tag}"
            conference = await create_meeting(
                client, invitations, "neighbourhood_conference", "pelkum", "neighbourhood_conference/pelkum", hour=10
            )
            expected = ["Mitglied der Bezirksvertretung Hamm-Pelkum", "wohnt im Sozialraum Pelkum"]

            async def both_reasons() -> list[str] | None:
                # the person, their contact details and their membership arrive as separate events
                doc = await invitees_when(client, invitations, conference["id"], {full})
                reasons = reasons_by_name(doc)[full]
                return reasons if reasons == expected else None

            assert await eventually(both_reasons) == expected
            other = await create_meeting(client, invitations, "coordination_round", "mitte", "coordination_round/mitte")
            added = await client.post(
                f"{invitations}/meetings/{other['id']}/invitees",
                json={"person_id": person_id, "reason": "Gast"},
                headers=STAFF,
            )
            assert added.status_code == 201, added.text
            assert await conn.fetchval("SELECT name FROM contacts WHERE person_id = $1", uuid.UUID(person_id)) == full

            erased = await client.post(f"{registry}/persons/{person_id}/erase", headers={"X-Quartier-Actor": "dsb"})
            assert erased.status_code == 200, erased.text

            async def contact_gone() -> bool:
                return (
                    await conn.fetchval("SELECT count(*) FROM contacts WHERE person_id = $1", uuid.UUID(person_id)) == 0
                )

            await eventually(contact_gone)

            async def off_the_list() -> dict[str, Any] | None:
                doc = (await client.get(f"{invitations}/meetings/{conference['id']}/invitees")).json()
                return None if person_id in {i["person_id"] for i in doc["computed"]} else doc

            await eventually(off_the_list)
            manual = (await client.get(f"{invitations}/meetings/{other['id']}/invitees")).json()
        # the manual change keeps the id, not the name; the erased person is on no final list
        assert [(a["person_id"], a["name"]) for a in manual["added"]] == [(person_id, "(Daten gelöscht)")]
        assert person_id not in {i["person_id"] for i in manual["final"]}
        names = await conn.fetchval(
            "SELECT count(*) FROM contacts WHERE name LIKE $1 OR email LIKE $2", f"%{tag}%", f"%{tag}%"
        )
        assert names == 0
        assert await conn.fetchval("SELECT erased FROM registry_persons WHERE id = $1", uuid.UUID(person_id))
    finally:
        await conn.close()


# ---------------------------------------------------------------- sending


async def test_send_queues_the_invitations_and_changes_follow(
    invitations: str,
    mail_stack: Stack,  # noqa: F811
    smtp_sink: SmtpSink,  # noqa: F811
) -> None:
    async with httpx.AsyncClient(timeout=30) as client:
        meeting = await create_meeting(
            client, invitations, "coordination_round", "norden", "coordination_round/norden", ["prepares_conference"]
        )
        everyone = {name(p) for d in districts_of("norden") for p in holders(f"district_council/{d}", {"chair"})}
        everyone |= {name(p) for p in holders("coordination_round/norden", {"chair", "deputy", "member", "advisory"})}
        everyone |= {
            name(demo_person(f"{f}-{d}")) for f in ("buergeramt", "vereinsguide") for d in districts_of("norden")
        }
        doc = await invitees_when(client, invitations, meeting["id"], everyone)
        final = doc["final"]
        sent = await client.post(f"{invitations}/meetings/{meeting['id']}/send", headers=STAFF)
        assert sent.status_code == 200, sent.text
        assert sent.json() == {"queued": len(final), "not_reachable": []}
        again = await client.post(f"{invitations}/meetings/{meeting['id']}/send", headers=STAFF)
        assert again.json()["queued"] == 0
        deliveries = (await client.get(f"{invitations}/deliveries", params={"meeting_id": meeting["id"]})).json()
        assert sorted((d["to"], d["kind"], d["sequence"]) for d in deliveries) == sorted(
            (i["email"], "invitation", 0) for i in final
        )
        # a real mail reaches the SMTP server
        coordinator = holders("coordination_round/norden", {"chair"})[0]
        mail = smtp_sink.wait_for(coordinator["email"])[0]
        assert mail.message["To"].addresses[0].addr_spec == coordinator["email"]
        listed = (await client.get(f"{invitations}/meetings/{meeting['id']}/invitees")).json()
        assert all(i["invited"] for i in listed["final"])

        moved = await client.put(
            f"{invitations}/meetings/{meeting['id']}/schedule",
            json={"starts_at": "2027-03-11T18:00:00", "ends_at": "2027-03-11T20:00:00", "timezone": "Europe/Berlin"},
            headers=STAFF,
        )
        assert moved.status_code == 200, moved.text
        # the invited got an update for the new date; sending again invites nobody twice
        resent = await client.post(f"{invitations}/meetings/{meeting['id']}/send", headers=STAFF)
        assert resent.json()["queued"] == 0
        cancelled = await client.post(
            f"{invitations}/meetings/{meeting['id']}/cancel", json={"reason": "Raum nicht verfügbar"}, headers=STAFF
        )
        assert cancelled.status_code == 200, cancelled.text
        deliveries = (await client.get(f"{invitations}/deliveries", params={"meeting_id": meeting["id"]})).json()
        refused = await client.post(f"{invitations}/meetings/{meeting['id']}/send", headers=STAFF)
        assert refused.status_code == 409 and "abgesagt" in refused.json()["detail"]
    kinds: dict[tuple[str, int], set[str]] = {}
    for d in deliveries:
        kinds.setdefault((d["kind"], d["sequence"]), set()).add(d["to"])
    emails = {i["email"] for i in final}
    assert kinds == {("invitation", 0): emails, ("update", 1): emails, ("cancellation", 2): emails}


async def test_reminders_go_out_once_per_invitee(invitations: str, mail_stack: Stack) -> None:  # noqa: F811
    from quartier_invitations.service import invitees as service

    async with httpx.AsyncClient(timeout=30) as client:
        meeting = await create_meeting(
            client, invitations, "coordination_round", "heessen", "coordination_round/heessen"
        )
        members = {name(p) for p in holders("coordination_round/heessen", {"chair", "deputy", "member", "advisory"})}
        doc = await invitees_when(client, invitations, meeting["id"], members)
        sent = (await client.post(f"{invitations}/meetings/{meeting['id']}/send", headers=STAFF)).json()
        assert sent["queued"] == len(doc["final"]) > 0

        async def reminders() -> list[str]:
            rows = (await client.get(f"{invitations}/deliveries", params={"meeting_id": meeting["id"]})).json()
            return sorted(d["to"] for d in rows if d["kind"] == "reminder")

        pool = await pool_as(mail_stack.env, "invitations", min_size=1, max_size=2)
        try:
            starts = dt.datetime.fromisoformat(meeting["starts_at"])
            await service.send_reminders(pool, 3, now=starts - dt.timedelta(days=4))
            too_early = await reminders()
            due = await service.send_reminders(pool, 3, now=starts - dt.timedelta(days=2))
            await service.send_reminders(pool, 3, now=starts - dt.timedelta(days=1))
            await service.send_reminders(pool, 3, now=starts - dt.timedelta(days=2))
        finally:
            await pool.close()
        after = await reminders()
    assert too_early == []
    assert due >= len(doc["final"])
    assert after == sorted(i["email"] for i in doc["final"])  # once each, however often the check runs
