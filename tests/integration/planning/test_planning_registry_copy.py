"""Planning learns the registry's territory, actors, bodies and memberships from Kafka only, and forgets
an erased person: the real registry and planning processes on the real broker and database."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest

from quartier_registry_replica import queries as copy
from quartier_shared.events.topics import REGISTRY_DIRECTORY
from tests.support.helpers import connect_as, eventually
from tests.support.kafka import header, produce, read_topic
from tests.support.stack import Stack


@pytest.fixture
async def planning(stack: Stack) -> Stack:
    stack.start("planning")  # a running instance is kept
    return stack


@pytest.fixture
async def planning_db(env: dict[str, str]) -> AsyncIterator[asyncpg.Connection]:
    conn = await connect_as(env, "planning")
    yield conn
    await conn.close()


def _api(stack: Stack) -> str:
    return f"{stack.url('registry')}/api/v1"


async def _registry_state(client: httpx.AsyncClient, stack: Stack) -> dict:
    bodies = (await client.get(f"{_api(stack)}/bodies")).json()
    actors = (await client.get(f"{_api(stack)}/actors")).json()
    persons = (await client.get(f"{_api(stack)}/persons")).json()
    areas = (await client.get(f"{_api(stack)}/social-areas")).json()
    return {
        "social_areas": {a["key"]: a["community_centre"]["name"] for a in areas},
        "residential_areas": {r["number"]: a["key"] for a in areas for r in a["residential_areas"]},
        "bodies": {b["id"]: (b["kind"], b["social_area_key"], b["district_key"]) for b in bodies},
        "actors": {a["id"]: a["withdrawn"] for a in actors},
        "persons": {p["id"] for p in persons},
        "memberships": {
            m["membership_id"]: (b["id"], m["person_id"], m["role"], m["starts_on"], m["ends_on"])
            for b in bodies
            for m in b["members"]
        },
    }


async def _copy_state(conn: asyncpg.Connection) -> dict:
    areas = await conn.fetch("SELECT key, community_centre_name FROM registry_social_areas")
    residential = await conn.fetch("SELECT number, social_area_key FROM registry_residential_areas")
    bodies = await conn.fetch("SELECT id, kind, social_area_key, district_key FROM registry_bodies")
    actors = await conn.fetch("SELECT id, withdrawn FROM registry_actors")
    persons = await conn.fetch("SELECT id FROM registry_persons WHERE NOT erased")
    memberships = await conn.fetch(
        "SELECT id, body_id, person_id, role, starts_on, ends_on FROM registry_memberships WHERE role IS NOT NULL"
    )
    return {
        "social_areas": {r["key"]: r["community_centre_name"] for r in areas},
        "residential_areas": {r["number"]: r["social_area_key"] for r in residential},
        "bodies": {str(r["id"]): (r["kind"], r["social_area_key"], r["district_key"]) for r in bodies},
        "actors": {str(r["id"]): r["withdrawn"] for r in actors},
        "persons": {str(r["id"]) for r in persons},
        "memberships": {
            str(r["id"]): (
                str(r["body_id"]),
                str(r["person_id"]),
                r["role"],
                r["starts_on"].isoformat(),
                r["ends_on"].isoformat() if r["ends_on"] else None,
            )
            for r in memberships
        },
    }


async def test_planning_copies_the_registry_from_events(planning: Stack, planning_db: asyncpg.Connection) -> None:
    async with httpx.AsyncClient() as client:

        async def same() -> dict | None:
            registry = await _registry_state(client, planning)
            mine = await _copy_state(planning_db)
            return mine if mine == registry else None

        state = await eventually(same, timeout=60)
    assert len(state["social_areas"]) == 9
    assert len(state["residential_areas"]) == 27
    assert len(state["bodies"]) == 28
    assert state["actors"] and state["memberships"]
    assert await planning_db.fetchval("SELECT count(*) FROM registry_districts") == 7
    async with httpx.AsyncClient() as client:
        vocabularies = (await client.get(f"{_api(planning)}/vocabularies")).json()
    assert await copy.fields_of_action(planning_db) == vocabularies["fields_of_action"]
    westen = await copy.social_area(planning_db, "westen")
    assert westen is not None and westen["district_keys"] == ["mitte", "pelkum", "herringen"]
    norden = await copy.social_area(planning_db, "norden")
    assert norden is not None and norden["district_keys"] == ["bockum-hoevel", "heessen"]
    for district in ("mitte", "pelkum", "herringen", "bockum-hoevel", "heessen", "uentrop", "rhynern"):
        council = await copy.district_council_of(planning_db, district)
        assert council is not None and council["kind"] == "district_council"
        assert await copy.members_of(planning_db, council["id"])
    actor_id = next(iter(state["actors"]))
    assert await copy.actor_exists(planning_db, uuid.UUID(actor_id), include_withdrawn=True)
    # no personal data in planning's schema: people are ids, a social area and flags
    columns = {
        r["column_name"]
        for r in await planning_db.fetch(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'planning'"
            " AND table_name = 'registry_persons'"
        )
    }
    assert columns == {
        "id",
        "actor_id",
        "lives_in_social_area_key",
        "erased",
        "retained_membership_ids",
        "updated_at",
    }


async def test_a_moved_residential_area_reaches_planning(planning: Stack, planning_db: asyncpg.Connection) -> None:
    async def westen_districts() -> list[str]:
        area = await copy.social_area(planning_db, "westen")
        return area["district_keys"] if area else []

    tag = uuid.uuid4().hex[:8]
    async with httpx.AsyncClient() as client:
        # a resident of Wohnbereich 52: the replica knows their Sozialraum only, never the Wohnbereich
        created = await client.post(
            f"{_api(planning)}/persons",
            json={
                "given_name": f"Wim{tag}",
                "family_name": f"Umzugsprobe{tag}",
                "email": f"wim.{tag}@beispiel.example",
                "residential_area_number": 52,
            },
        )
        assert created.status_code == 201, created.text
        pid = uuid.UUID(created.json()["id"])

        async def lives_in() -> str | None:
            value = await planning_db.fetchval(
                "SELECT lives_in_social_area_key FROM registry_persons WHERE id = $1", pid
            )
            return None if value is None else str(value)

        await eventually(lambda: _is(lives_in, "westen"), timeout=30)
        await eventually(lambda: _is(westen_districts, ["mitte", "pelkum", "herringen"]), timeout=60)
        moved = await client.post(f"{_api(planning)}/residential-areas/52/move", json={"social_area_key": "herringen"})
        assert moved.status_code == 200, moved.text
        await eventually(lambda: _is(westen_districts, ["mitte", "pelkum"]))
        herringen = await copy.social_area(planning_db, "herringen")
        assert herringen is not None and 52 in [r["number"] for r in herringen["residential_areas"]]
        await eventually(lambda: _is(lives_in, "herringen"))  # the move is followed for the people too
        back = await client.post(f"{_api(planning)}/residential-areas/52/move", json={"social_area_key": "westen"})
        assert back.status_code == 200, back.text
        await eventually(lambda: _is(westen_districts, ["mitte", "pelkum", "herringen"]))
        await eventually(lambda: _is(lives_in, "westen"))
        # the resident was only needed here (a Stadtteilkonferenz of Westen would invite them)
        erased = await client.post(f"{_api(planning)}/persons/{pid}/erase")
        assert erased.status_code == 200, erased.text


async def _is(check, expected) -> bool:  # type: ignore[no-untyped-def]
    return bool(await check() == expected)


async def _duplicates(client: httpx.AsyncClient, stack: Stack) -> float:
    text = (await client.get(f"{stack.url('planning')}/metrics")).text
    for line in text.splitlines():
        if line.startswith("quartier_events_duplicate_total") and 'consumer="planning.directory"' in line:
            return float(line.rsplit(" ", 1)[1])
    return 0.0


async def test_an_erased_person_leaves_planning_and_a_repeated_event_has_one_effect(
    planning: Stack, planning_db: asyncpg.Connection
) -> None:
    tag = uuid.uuid4().hex[:8]
    async with httpx.AsyncClient() as client:
        bodies = (await client.get(f"{_api(planning)}/bodies")).json()
        council = next(b for b in bodies if b["kind"] == "district_council" and b["district_key"] == "mitte")
        round_ = next(b for b in bodies if b["kind"] == "coordination_round" and b["social_area_key"] == "westen")
        created = await client.post(
            f"{_api(planning)}/persons",
            json={
                "given_name": f"Zora{tag}",
                "family_name": f"Erfundenkamp{tag}",
                "email": f"zora.{tag}@beispiel.example",
                "residential_area_number": 42,
            },
        )
        assert created.status_code == 201, created.text
        person_id = created.json()["id"]
        mandate = await client.post(
            f"{_api(planning)}/bodies/{council['id']}/memberships",
            json={"person_id": person_id, "role": "member", "starts_on": "2025-11-01"},
        )
        guest = await client.post(
            f"{_api(planning)}/bodies/{round_['id']}/memberships",
            json={"person_id": person_id, "role": "guest", "starts_on": "2026-01-01"},
        )
        assert mandate.status_code == guest.status_code == 201
        pid = uuid.UUID(person_id)

        async def memberships() -> set[str]:
            rows = await planning_db.fetch("SELECT id FROM registry_memberships WHERE person_id = $1", pid)
            return {str(r["id"]) for r in rows}

        async def both_arrived() -> bool:
            lives = await planning_db.fetchval(
                "SELECT lives_in_social_area_key FROM registry_persons WHERE id = $1", pid
            )
            return lives == "westen" and await memberships() == {mandate.json()["id"], guest.json()["id"]}

        await eventually(both_arrived, timeout=30)
        assert await copy.is_member(planning_db, uuid.UUID(round_["id"]), pid)

        erased = await client.post(f"{_api(planning)}/persons/{person_id}/erase")
        assert erased.status_code == 200, erased.text
        assert erased.json()["retained_membership_ids"] == [mandate.json()["id"]]

        async def forgotten() -> bool:
            row = await planning_db.fetchrow(
                "SELECT erased, lives_in_social_area_key FROM registry_persons WHERE id = $1", pid
            )
            return bool(row and row["erased"] and row["lives_in_social_area_key"] is None) and (
                await memberships() == {mandate.json()["id"]}
            )

        await eventually(forgotten, timeout=30)
        (kept,) = [m for m in await copy.members_of(planning_db, uuid.UUID(council["id"])) if m["person_id"] == pid]
        assert kept["erased"]
        assert not await copy.is_member(planning_db, uuid.UUID(round_["id"]), pid)

        # the registry's events about this person and the dropped membership, delivered once more
        bootstrap = planning.env["QUARTIER_KAFKA_BOOTSTRAP"]
        topic = planning.topic_prefix + REGISTRY_DIRECTORY.name
        keys = {f"person/{person_id}".encode(), f"membership/{guest.json()['id']}".encode()}
        records = [r for r in await read_topic(bootstrap, topic) if r.key in keys]
        types = sorted(header(r, "ce_type") or "" for r in records)
        assert types == [
            "quartier.registry.MembershipStarted.v1",
            "quartier.registry.PersonErased.v1",
            "quartier.registry.PersonRegistered.v1",
        ]
        before = await _duplicates(client, planning)
        for r in records:
            await produce(bootstrap, topic, r.value, key=r.key, headers=list(r.headers))

        async def skipped() -> bool:
            return await _duplicates(client, planning) >= before + len(records)

        await eventually(skipped, timeout=30)
    assert await memberships() == {mandate.json()["id"]}
    for r in records:
        event_id = uuid.UUID(header(r, "ce_id") or "")
        assert await planning_db.fetchval("SELECT count(*) FROM inbox WHERE event_id = $1", event_id) == 1
    row = await planning_db.fetchrow("SELECT * FROM registry_persons WHERE id = $1", pid)
    assert row["erased"] and row["lives_in_social_area_key"] is None
    assert json.dumps(dict(row), default=str).find(tag) == -1
