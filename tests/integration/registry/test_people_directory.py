"""Actors, people, bodies and memberships through the registry's API, on the real database and broker."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import asyncpg
import httpx
import yaml

from quartier_registry.domain.people import stable_id
from quartier_shared.events.topics import REGISTRY_DIRECTORY
from tests.support.helpers import eventually
from tests.support.kafka import header, read_topic
from tests.support.stack import ROOT, Stack

BODY_COUNTS = {
    "council": 1,
    "steering_committee": 1,
    "working_group": 1,
    "coordination_round": 9,
    "neighbourhood_conference": 9,
    "district_council": 7,
}


DEMO_PEOPLE = {
    str(stable_id(f"demo/person/{p['key']}"))
    for p in yaml.safe_load((ROOT / "services/registry/data/demo-people.yaml").read_text(encoding="utf-8"))["persons"]
}


def _api(stack: Stack) -> str:
    return f"{stack.url('registry')}/api/v1"


async def _bodies(client: httpx.AsyncClient, stack: Stack) -> list[dict]:
    response = await client.get(f"{_api(stack)}/bodies")
    assert response.status_code == 200, response.text
    return response.json()


def _body(bodies: list[dict], kind: str, key: str | None = None) -> dict:
    return next(
        b for b in bodies if b["kind"] == kind and (key is None or key in (b["social_area_key"], b["district_key"]))
    )


async def _new_person(client: httpx.AsyncClient, stack: Stack, **fields: object) -> dict:
    tag = uuid.uuid4().hex[:8]
    payload = {
        "given_name": f"Zora{tag}",
        "family_name": f"Erfundenkamp{tag}",
        "email": f"zora.{tag}@beispiel.example",
        "phone": f"0170 {int(tag, 16) % 10**7:07d}",
        "functions": [f"Vereinsguide Testbezirk {tag}"],
        "residential_area_number": 42,
    }
    payload.update(fields)
    response = await client.post(f"{_api(stack)}/persons", json=payload, headers={"X-Quartier-Actor": "test"})
    assert response.status_code == 201, response.text
    return response.json()


async def test_every_body_exists_once_after_start(stack: Stack, registry_db: asyncpg.Connection) -> None:
    async with httpx.AsyncClient() as client:
        bodies = await _bodies(client, stack)
    counts: dict[str, int] = {}
    for body in bodies:
        counts[body["kind"]] = counts.get(body["kind"], 0) + 1
    assert counts == BODY_COUNTS
    assert len({b["id"] for b in bodies}) == 28
    pelkum = _body(bodies, "neighbourhood_conference", "pelkum")
    assert pelkum["display_name"] == "Wir in Pelkum – Stadtteilkonferenz Pelkum"
    assert all("Stadtteilkonferenz" in b["display_name"] for b in bodies if b["kind"] == "neighbourhood_conference")
    # announced once each, although the registry may have started more than once on this database
    announced = await registry_db.fetchval(
        "SELECT count(DISTINCT partition_key) FROM outbox WHERE event_type = 'quartier.registry.BodyRegistered.v1'"
    )
    assert announced == 28


async def test_demo_people_sit_in_every_body(stack: Stack) -> None:
    async with httpx.AsyncClient() as client:
        bodies = await _bodies(client, stack)
    for body in bodies:
        active = [m for m in body["members"] if m["active"] and m["person_id"] in DEMO_PEOPLE]
        assert active, f"{body['display_name']} hat keine Mitglieder"
    for body in (b for b in bodies if b["kind"] == "district_council"):
        chairs = [m for m in body["members"] if m["active"] and m["role"] == "chair"]
        assert len(chairs) == 1 and chairs[0]["is_district_mayor"], body["display_name"]
        demo_members = [m for m in body["members"] if m["person_id"] in DEMO_PEOPLE and m["role"] != "chair"]
        assert 2 <= len(demo_members) <= 3, body["display_name"]
        assert not any(m["is_district_mayor"] for m in body["members"] if m["role"] != "chair")
    for body in (b for b in bodies if b["kind"] == "coordination_round"):
        assert any(m["role"] == "chair" and m["active"] for m in body["members"]), body["display_name"]
    # district council members of Pelkum who live in the part of their district that belongs to Westen
    pelkum = _body(bodies, "district_council", "pelkum")
    assert any(m["lives_in_social_area_key"] == "westen" for m in pelkum["members"])
    heessen = _body(bodies, "district_council", "heessen")
    assert any(m["lives_in_social_area_key"] == "norden" for m in heessen["members"])
    # history: the former area coordinator of Uentrop is still there, ended
    uentrop = _body(bodies, "coordination_round", "uentrop")
    ended_chairs = [m for m in uentrop["members"] if m["role"] == "chair" and not m["active"]]
    assert ended_chairs and ended_chairs[0]["ends_on"] == "2024-06-30"


async def test_actors_are_registered_changed_and_withdrawn(stack: Stack, registry_db: asyncpg.Connection) -> None:
    tag = uuid.uuid4().hex[:6]
    actor = {
        "name": f"Kita Probegarten {tag}",
        "type": "kita",
        "social_area_keys": ["norden"],
        "address": {"street": "Probeweg 1", "postcode": "59075", "city": "Hamm", "residential_area_number": 62},
        "email": f"kita-{tag}@beispiel.example",
        "phone": "02381 555-0001",
    }
    async with httpx.AsyncClient() as client:
        created = await client.post(
            f"{_api(stack)}/actors", json=actor, headers={"X-Quartier-Actor": "sachbearbeitung"}
        )
        assert created.status_code == 201, created.text
        actor_id = created.json()["id"]
        assert created.json()["type_label"] == "Kita"
        changed = await client.put(
            f"{_api(stack)}/actors/{actor_id}", json={**actor, "social_area_keys": ["norden", "heessen"]}
        )
        assert changed.status_code == 200, changed.text
        assert changed.json()["social_area_keys"] == ["norden", "heessen"]
        withdrawn = await client.post(f"{_api(stack)}/actors/{actor_id}/withdraw")
        assert withdrawn.status_code == 200 and withdrawn.json()["withdrawn"]
        again = await client.post(f"{_api(stack)}/actors/{actor_id}/withdraw")
        assert again.status_code == 422
        listed = (await client.get(f"{_api(stack)}/actors")).json()
        assert any(a["id"] == actor_id and a["withdrawn"] for a in listed)
        types = {a["type"] for a in listed}
        assert {"city_service", "provider", "school", "kita", "neighbourhood_office"} <= types
    rows = await registry_db.fetch(
        "SELECT event_type, actor FROM directory_audit WHERE aggregate = $1 ORDER BY id", f"actor/{actor_id}"
    )
    assert [r["event_type"].split(".")[2] for r in rows] == ["ActorRegistered", "ActorChanged", "ActorWithdrawn"]
    assert rows[0]["actor"] == "sachbearbeitung"
    outbox = await registry_db.fetchval(
        "SELECT count(*) FROM outbox WHERE partition_key = $1 AND topic = $2",
        f"actor/{actor_id}",
        "quartier.registry.directory",
    )
    assert outbox == 3


async def test_bad_input_is_refused_with_the_field_named_and_stores_nothing(
    stack: Stack, registry_db: asyncpg.Connection
) -> None:
    async with httpx.AsyncClient() as client:
        bodies = await _bodies(client, stack)
        person = await _new_person(client, stack)
        council = _body(bodies, "district_council", "herringen")
        before = await registry_db.fetchval("SELECT count(*) FROM outbox")
        memberships_before = await registry_db.fetchval("SELECT count(*) FROM memberships")

        async def refused(method: str, path: str, payload: dict, field: str, text: str) -> None:
            response = await client.request(method, f"{_api(stack)}{path}", json=payload)
            assert response.status_code == 422, response.text
            problem = response.json()
            (error,) = problem["errors"]
            assert error["field"] == field, problem
            assert text in problem["detail"], problem

        await refused(
            "POST",
            f"/bodies/{council['id']}/memberships",
            {"person_id": person["id"], "role": "member", "starts_on": "2026-03-01", "ends_on": "2026-02-01"},
            "ends_on",
            "Das Ende (01.02.2026) liegt vor dem Beginn (01.03.2026).",
        )
        await refused(
            "POST",
            f"/bodies/{council['id']}/memberships",
            {"person_id": person["id"], "role": "chair", "starts_on": "2026-03-01"},
            "role",
            "schon einen Vorsitz",
        )
        base = {"given_name": "Ida", "family_name": "Beispielbrink"}
        await refused("POST", "/persons", {**base, "email": "ida(at)beispiel.example"}, "email", "keine gültige E-Mail")
        await refused("POST", "/persons", {**base, "residential_area_number": 99}, "residential_area_number", "99")
        await refused(
            "PUT", f"/persons/{person['id']}", {**base, "email": "kaputt@"}, "email", "keine gültige E-Mail-Adresse"
        )
        await refused(
            "POST",
            "/actors",
            {"name": "Verein X", "type": "association", "social_area_keys": ["atlantis"]},
            "social_area_keys",
            "Sozialraum „atlantis“ ist nicht bekannt.",
        )
        await refused(
            "POST",
            f"/bodies/{council['id']}/memberships",
            {"person_id": person["id"], "role": "member", "starts_on": "2026-13-01"},
            "starts_on",
            "Feld „starts_on“: Bitte ein gültiges Datum angeben (JJJJ-MM-TT).",
        )
        await refused("POST", "/persons", {"family_name": "Beispielbrink"}, "given_name", "Pflichtangabe fehlt.")
        unknown_body = await client.post(
            f"{_api(stack)}/bodies/{uuid.uuid4()}/memberships",
            json={"person_id": person["id"], "role": "member", "starts_on": "2026-03-01"},
        )
        assert unknown_body.status_code == 404
        assert await registry_db.fetchval("SELECT count(*) FROM outbox") == before
        assert await registry_db.fetchval("SELECT count(*) FROM memberships") == memberships_before


async def test_a_membership_starts_and_ends_and_its_history_is_kept(stack: Stack, registry_db) -> None:
    async with httpx.AsyncClient() as client:
        bodies = await _bodies(client, stack)
        person = await _new_person(client, stack)
        ak = _body(bodies, "working_group")
        started = await client.post(
            f"{_api(stack)}/bodies/{ak['id']}/memberships",
            json={"person_id": person["id"], "role": "guest", "starts_on": "2026-01-01"},
            headers={"X-Quartier-Actor": "test"},
        )
        assert started.status_code == 201, started.text
        membership_id = started.json()["id"]
        too_early = await client.post(f"{_api(stack)}/memberships/{membership_id}/end", json={"ends_on": "2025-12-31"})
        assert too_early.status_code == 422
        assert too_early.json()["errors"][0]["field"] == "ends_on"
        ended = await client.post(f"{_api(stack)}/memberships/{membership_id}/end", json={"ends_on": "2026-02-28"})
        assert ended.status_code == 200, ended.text
        assert ended.json()["ends_on"] == "2026-02-28"
        ak = _body(await _bodies(client, stack), "working_group")
        (mine,) = [m for m in ak["members"] if m["membership_id"] == membership_id]
        assert mine["ends_on"] == "2026-02-28" and not mine["active"]
        shown = (await client.get(f"{_api(stack)}/persons/{person['id']}")).json()
        assert [m["id"] for m in shown["memberships"]] == [membership_id]
    assert await registry_db.fetchval("SELECT count(*) FROM memberships WHERE id = $1", uuid.UUID(membership_id)) == 1


async def test_a_new_district_mayor_after_the_old_one_ended(stack: Stack) -> None:
    async with httpx.AsyncClient() as client:
        bodies = await _bodies(client, stack)
        council = _body(bodies, "district_council", "rhynern")
        (old,) = [m for m in council["members"] if m["role"] == "chair" and m["active"]]
        successor = await _new_person(client, stack, residential_area_number=31)
        begun = dt.date.fromisoformat(old["starts_on"])
        ends_on, starts_on = begun + dt.timedelta(days=1), begun + dt.timedelta(days=2)
        ended = await client.post(
            f"{_api(stack)}/memberships/{old['membership_id']}/end", json={"ends_on": ends_on.isoformat()}
        )
        assert ended.status_code == 200, ended.text
        started = await client.post(
            f"{_api(stack)}/bodies/{council['id']}/memberships",
            json={"person_id": successor["id"], "role": "chair", "starts_on": starts_on.isoformat()},
        )
        assert started.status_code == 201, started.text
        assert started.json()["is_district_mayor"] is True
        shown = (await client.get(f"{_api(stack)}/persons/{successor['id']}")).json()
        assert shown["is_district_mayor"] is True
        overlapping = await client.post(
            f"{_api(stack)}/bodies/{council['id']}/memberships",
            json={"person_id": old["person_id"], "role": "chair", "starts_on": ends_on.isoformat()},
        )
        assert overlapping.status_code == 422


async def test_the_export_holds_every_field_seeded_for_a_person(stack: Stack) -> None:
    async with httpx.AsyncClient() as client:
        bodies = await _bodies(client, stack)
        actors = (await client.get(f"{_api(stack)}/actors")).json()
        organisation = next(a for a in actors if a["type"] == "provider" and not a["withdrawn"])
        person = await _new_person(
            client, stack, actor_id=organisation["id"], functions=["Vereinsguide Pelkum", "Leitung Bürgeramt Pelkum"]
        )
        council = _body(bodies, "district_council", "pelkum")
        await client.post(
            f"{_api(stack)}/bodies/{council['id']}/memberships",
            json={"person_id": person["id"], "role": "member", "starts_on": "2026-01-01"},
        )
        response = await client.get(f"{_api(stack)}/persons/{person['id']}/export")
    assert response.status_code == 200, response.text
    export = response.json()
    for field in (
        "id",
        "given_name",
        "family_name",
        "email",
        "phone",
        "actor_id",
        "functions",
        "residential_area_number",
    ):
        assert export["person"][field] == person[field], field
    assert export["person"]["lives_in_social_area_key"] == "westen"
    assert export["person"]["residential_area_name"] == "Daberg & Lohausenholz"
    assert export["organisation"]["name"] == organisation["name"]
    (membership,) = export["memberships"]
    assert membership["body_name"] == "Bezirksvertretung Hamm-Pelkum"
    assert membership["role"] == "member" and membership["starts_on"] == "2026-01-01"
    assert [a["event_type"].split(".")[2] for a in export["audit"]] == ["PersonRegistered", "MembershipStarted"]
    assert all(a["actor"] and a["changed_at"] for a in export["audit"])


async def _text_columns(conn: asyncpg.Connection) -> list[tuple[str, str]]:
    rows = await conn.fetch(
        """SELECT table_name, column_name FROM information_schema.columns
           WHERE table_schema = 'registry'
             AND data_type IN ('text', 'character varying', 'jsonb', 'json', 'ARRAY')
           ORDER BY table_name, column_name"""
    )
    return [(r["table_name"], r["column_name"]) for r in rows]


async def _traces(conn: asyncpg.Connection, values: list[str]) -> list[str]:
    found = []
    for table, column in await _text_columns(conn):
        for value in values:
            hit = await conn.fetchval(
                f'SELECT count(*) FROM registry."{table}" WHERE strpos(lower("{column}"::text), lower($1)) > 0',
                value,
            )
            if hit:
                found.append(f"{table}.{column} ∋ {value}")
    return found


async def test_erasure_leaves_no_trace_and_announces_person_erased(
    stack: Stack, registry_db: asyncpg.Connection
) -> None:
    async with httpx.AsyncClient() as client:
        bodies = await _bodies(client, stack)
        person = await _new_person(client, stack)
        personal = [
            person["given_name"],
            person["family_name"],
            person["email"],
            person["phone"],
            person["functions"][0],
        ]
        # the person also acted under their own e-mail address (e.g. as the logged-in user)
        mandate = await client.post(
            f"{_api(stack)}/bodies/{_body(bodies, 'district_council', 'mitte')['id']}/memberships",
            json={"person_id": person["id"], "role": "member", "starts_on": "2025-11-01"},
            headers={"X-Quartier-Actor": person["email"]},
        )
        guest = await client.post(
            f"{_api(stack)}/bodies/{_body(bodies, 'coordination_round', 'westen')['id']}/memberships",
            json={"person_id": person["id"], "role": "guest", "starts_on": "2026-01-01"},
        )
        assert mandate.status_code == guest.status_code == 201
        assert await _traces(registry_db, personal)  # the scan finds the data before the erasure

        erased = await client.post(
            f"{_api(stack)}/persons/{person['id']}/erase", headers={"X-Quartier-Actor": "datenschutz"}
        )
        assert erased.status_code == 200, erased.text
        assert erased.json()["retained_membership_ids"] == [mandate.json()["id"]]

        assert await _traces(registry_db, personal) == []
        rows = await registry_db.fetch(
            "SELECT id, retention_reason FROM memberships WHERE person_id = $1", uuid.UUID(person["id"])
        )
        assert [str(r["id"]) for r in rows] == [mandate.json()["id"]]
        assert "Bezirksvertretung" in rows[0]["retention_reason"]
        assert (await client.get(f"{_api(stack)}/persons/{person['id']}")).status_code == 410
        assert (await client.post(f"{_api(stack)}/persons/{person['id']}/erase")).status_code == 410
        assert person["id"] not in [p["id"] for p in (await client.get(f"{_api(stack)}/persons")).json()]
        council = _body(await _bodies(client, stack), "district_council", "mitte")
        (kept,) = [m for m in council["members"] if m["person_id"] == person["id"]]
        assert kept["erased"] and kept["given_name"] is None and kept["retention_reason"]

    topic = stack.topic_prefix + REGISTRY_DIRECTORY.name

    async def announced() -> list:
        records = await read_topic(stack.env["QUARTIER_KAFKA_BOOTSTRAP"], topic)
        return [r for r in records if r.key == f"person/{person['id']}".encode()]

    async def erased_announced() -> list | None:
        records = await announced()
        return records if any(header(r, "ce_type") == "quartier.registry.PersonErased.v1" for r in records) else None

    records = await eventually(erased_announced)
    assert [header(r, "ce_type") for r in records] == [
        "quartier.registry.PersonRegistered.v1",
        "quartier.registry.PersonErased.v1",
    ]
    erased_event = json.loads(records[-1].value)
    assert erased_event == {"person_id": person["id"], "retained_membership_ids": [mandate.json()["id"]]}
    everything = b"".join(r.value or b"" for r in await read_topic(stack.env["QUARTIER_KAFKA_BOOTSTRAP"], topic))
    for value in personal:
        assert value.encode() not in everything


async def test_demo_data_is_loaded_once(stack: Stack, registry_db: asyncpg.Connection) -> None:
    counts = await registry_db.fetchrow(
        """SELECT (SELECT count(*) FROM persons) AS persons, (SELECT count(*) FROM memberships) AS memberships,
                  (SELECT count(*) FROM outbox) AS events"""
    )
    from quartier_registry.service import people as service
    from tests.support.helpers import pool_as

    pool = await pool_as(stack.env, "registry", min_size=1, max_size=2)
    try:
        assert await service.load_demo_data(pool) == 0
        assert await service.ensure_bodies(pool) == 0
    finally:
        await pool.close()
    again = await registry_db.fetchrow(
        """SELECT (SELECT count(*) FROM persons) AS persons, (SELECT count(*) FROM memberships) AS memberships,
                  (SELECT count(*) FROM outbox) AS events"""
    )
    assert dict(again) == dict(counts)


async def test_directory_events_carry_no_personal_data(stack: Stack, registry_db: asyncpg.Connection) -> None:
    doc = yaml.safe_load((ROOT / "services/registry/data/demo-people.yaml").read_text(encoding="utf-8"))
    personal = [v for p in doc["persons"] for v in (p["family_name"], p["email"], p["phone"])]
    # Every event the registry ever announced on the directory topic is in its outbox.
    rows = await registry_db.fetch(
        "SELECT event_type, partition_key, payload::text AS payload FROM outbox WHERE topic = $1",
        REGISTRY_DIRECTORY.name,
    )
    types = {r["event_type"].split(".")[2] for r in rows}
    assert {"ActorRegistered", "PersonRegistered", "BodyRegistered", "MembershipStarted"} <= types
    assert len({r["partition_key"] for r in rows if r["event_type"].endswith("BodyRegistered.v1")}) == 28
    payloads = "\n".join(r["payload"] for r in rows)
    assert [v for v in personal if v in payloads] == []
    # actors are organisations: their names travel
    assert "Amt für Soziales, Wohnen und Pflege" in payloads
    # and what reached the broker in this session says the same
    topic = stack.topic_prefix + REGISTRY_DIRECTORY.name
    records = await eventually(lambda: read_topic(stack.env["QUARTIER_KAFKA_BOOTSTRAP"], topic))
    values = b"\n".join(r.value or b"" for r in records).decode()
    assert [v for v in personal if v in values] == []


async def test_a_neighbourhood_conference_gets_a_local_title(stack: Stack) -> None:
    title = f"Treffpunkt Heessen {uuid.uuid4().hex[:4]}"
    async with httpx.AsyncClient() as client:
        bodies = await _bodies(client, stack)
        conference = _body(bodies, "neighbourhood_conference", "heessen")
        response = await client.put(f"{_api(stack)}/bodies/{conference['id']}/local-title", json={"local_title": title})
        assert response.status_code == 200, response.text
        assert response.json()["display_name"] == f"{title} – Stadtteilkonferenz Heessen"
        council = _body(bodies, "council")
        refused = await client.put(f"{_api(stack)}/bodies/{council['id']}/local-title", json={"local_title": title})
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["field"] == "local_title"
