"""The registry announces people's contact details on their own compacted topic (the one place personal
data travels), in the same transaction as the person's change, and erases them there."""

from __future__ import annotations

import json
import uuid

import asyncpg
import httpx
import yaml
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from quartier_registry.domain.people import stable_id
from quartier_shared.events.topics import REGISTRY_CONTACTS, REGISTRY_DIRECTORY
from tests.support.helpers import eventually
from tests.support.kafka import header, read_topic
from tests.support.stack import ROOT, Stack

SET = "quartier.registry.ContactDetailsSet.v1"
ERASED = "quartier.registry.ContactDetailsErased.v1"


def _api(stack: Stack) -> str:
    return f"{stack.url('registry')}/api/v1"


async def _contacts(stack: Stack) -> list:
    return await read_topic(stack.env["QUARTIER_KAFKA_BOOTSTRAP"], stack.topic_prefix + REGISTRY_CONTACTS.name)


async def test_the_demo_people_s_contact_details_are_on_the_broker(stack: Stack) -> None:
    doc = yaml.safe_load((ROOT / "services/registry/data/demo-people.yaml").read_text(encoding="utf-8"))
    expected = {
        f"person/{stable_id('demo/person/' + p['key'])}": (f"{p['given_name']} {p['family_name']}", p["email"])
        for p in doc["persons"]
    }

    async def all_there() -> dict | None:
        found = {}
        for record in await _contacts(stack):
            if header(record, "ce_type") == SET:
                data = json.loads(record.value)
                found[record.key.decode()] = (data["name"], data["email"])
        return found if set(expected) <= set(found) else None

    found = await eventually(all_there, timeout=60)
    assert {k: found[k] for k in expected} == expected
    # a function the invitation rules read travels with the contact details
    records = await _contacts(stack)
    head = f"person/{stable_id('demo/person/buergeramt-pelkum')}".encode()
    (record,) = [r for r in records if r.key == head and header(r, "ce_type") == SET][:1]
    assert json.loads(record.value)["functions"] == ["Leitung Bürgeramt Pelkum"]
    # the topic keeps only the newest record per person (compaction), so an erasure really erases
    admin = AIOKafkaAdminClient(bootstrap_servers=stack.env["QUARTIER_KAFKA_BOOTSTRAP"])
    await admin.start()
    try:
        (described,) = await admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, stack.topic_prefix + REGISTRY_CONTACTS.name)]
        )
    finally:
        await admin.close()
    configs = {c[0]: c[1] for c in described.resources[0][4]}
    assert configs["cleanup.policy"] == "compact"


async def test_a_change_is_announced_and_an_erasure_erases_the_contact_details(
    stack: Stack, registry_db: asyncpg.Connection
) -> None:
    tag = uuid.uuid4().hex[:8]
    person = {
        "given_name": f"Kontakt{tag}",
        "family_name": f"Probekamp{tag}",
        "email": f"kontakt.{tag}@beispiel.example",
        "functions": ["Vereinsguide Heessen"],
    }
    async with httpx.AsyncClient() as client:
        created = await client.post(f"{_api(stack)}/persons", json=person, headers={"X-Quartier-Actor": "test"})
        assert created.status_code == 201, created.text
        person_id = created.json()["id"]
        changed = await client.put(
            f"{_api(stack)}/persons/{person_id}", json={**person, "email": f"neu.{tag}@beispiel.example"}
        )
        assert changed.status_code == 200, changed.text
        # a refused change stores nothing and announces nothing
        before = await registry_db.fetchval("SELECT count(*) FROM outbox WHERE topic = $1", REGISTRY_CONTACTS.name)
        refused = await client.put(f"{_api(stack)}/persons/{person_id}", json={**person, "email": "kaputt@"})
        assert refused.status_code == 422
        after = await registry_db.fetchval("SELECT count(*) FROM outbox WHERE topic = $1", REGISTRY_CONTACTS.name)
        assert after == before

        key = f"person/{person_id}".encode()

        async def both_set() -> list | None:
            mine = [r for r in await _contacts(stack) if r.key == key]
            return mine if len(mine) >= 2 else None

        records = await eventually(both_set)
        assert [header(r, "ce_type") for r in records] == [SET, SET]
        assert [json.loads(r.value) for r in records] == [
            {
                "person_id": person_id,
                "name": f"Kontakt{tag} Probekamp{tag}",
                "email": f"kontakt.{tag}@beispiel.example",
                "salutation": None,
                "functions": ["Vereinsguide Heessen"],
            },
            {
                "person_id": person_id,
                "name": f"Kontakt{tag} Probekamp{tag}",
                "email": f"neu.{tag}@beispiel.example",
                "salutation": None,
                "functions": ["Vereinsguide Heessen"],
            },
        ]
        # the directory topic still carries no name
        bootstrap = stack.env["QUARTIER_KAFKA_BOOTSTRAP"]
        directory = await read_topic(bootstrap, stack.topic_prefix + REGISTRY_DIRECTORY.name)
        assert not [r for r in directory if f"Probekamp{tag}".encode() in (r.value or b"")]

        erased = await client.post(f"{_api(stack)}/persons/{person_id}/erase", headers={"X-Quartier-Actor": "dsb"})
        assert erased.status_code == 200, erased.text

    async def erased_announced() -> list | None:
        mine = [r for r in await _contacts(stack) if r.key == key]
        return mine if mine and header(mine[-1], "ce_type") == ERASED else None

    records = await eventually(erased_announced)
    assert json.loads(records[-1].value) == {"person_id": person_id}
    # the outbox keeps no contact details of the erased person (only the erasure itself)
    rows = await registry_db.fetch(
        "SELECT event_type, payload::text AS payload FROM outbox WHERE partition_key = $1 AND topic = $2",
        f"person/{person_id}",
        REGISTRY_CONTACTS.name,
    )
    assert [r["event_type"] for r in rows] == [ERASED]
    everything = await registry_db.fetchval("SELECT string_agg(payload::text, ' ') FROM outbox")
    assert f"Probekamp{tag}" not in everything and f"neu.{tag}" not in everything
