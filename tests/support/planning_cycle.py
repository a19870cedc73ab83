"""The planning service in the stack, for the tests of several services that drive a Jahresplan: its API
address, its database, a ready replica, a free year, a measure, a new or presented plan, and its events on
the broker. The fixtures are made known to every test in tests/conftest.py."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import asyncpg
import httpx
import pytest

from quartier_shared.events.topics import PLANNING_PLANS
from tests.support.helpers import connect_as, eventually
from tests.support.kafka import header, read_topic
from tests.support.stack import Stack

HEADERS = {"X-Quartier-Actor": "koordination-westen"}


@pytest.fixture(scope="module")
def planning(stack: Stack) -> Iterator[str]:
    """Planning as the session's stack runs it (started again if an earlier test stopped it)."""
    stack.start("planning")
    yield f"{stack.url('planning')}/api/v1"


@pytest.fixture
async def planning_db(env: dict[str, str]) -> AsyncIterator[asyncpg.Connection]:
    conn = await connect_as(env, "planning")
    yield conn
    await conn.close()


@pytest.fixture
async def ready(stack: Stack, planning: str, planning_db: asyncpg.Connection) -> dict[str, Any]:
    """Waits until planning's copy holds the territory and the actors; returns what the tests use."""
    async with httpx.AsyncClient() as client:
        actors = (await client.get(f"{stack.url('registry')}/api/v1/actors")).json()
    actor_ids = [a["id"] for a in actors if not a["withdrawn"]][:2]
    assert len(actor_ids) == 2

    async def copied() -> bool:
        areas = await planning_db.fetchval("SELECT count(*) FROM registry_residential_areas")
        vocab = await planning_db.fetchval("SELECT count(*) FROM registry_vocabularies WHERE name = 'fields_of_action'")
        known = await planning_db.fetchval(
            "SELECT count(*) FROM registry_actors WHERE id = ANY($1::uuid[])",
            [uuid.UUID(a) for a in actor_ids],
        )
        return bool(areas and vocab and known == 2)

    await eventually(copied, timeout=60)
    fields = json.loads(
        await planning_db.fetchval("SELECT terms::text FROM registry_vocabularies WHERE name = 'fields_of_action'")
    )
    return {"actors": actor_ids, "field": fields[0], "db": planning_db}


async def free_year(ready: dict[str, Any], area: str) -> int:
    """A year without plans of ``area`` in it or the year after (the database outlives test runs)."""
    year: int = await ready["db"].fetchval(
        """SELECT y FROM generate_series(2031, 2098) y
           WHERE NOT EXISTS (SELECT 1 FROM plans WHERE social_area_key = $1 AND year IN (y, y + 1))
           ORDER BY random() LIMIT 1""",
        area,
    )
    return year


def measure(ready: dict[str, Any], year: int, **changes: Any) -> dict[str, Any]:
    return {
        "title": "Elterncafé",
        "description": "Wöchentliches Treffen im Stadtteilzentrum",
        "field_of_action": ready["field"],
        "responsible_actor_id": ready["actors"][0],
        "partner_actor_ids": [ready["actors"][1]],
        "starts_on": f"{year}-02-01",
        "ends_on": f"{year}-11-30",
        "at_community_centre": True,
        "target_groups": ["Familien mit kleinen Kindern"],
        "planned_indicators": ["20 Familien erreicht"],
        **changes,
    }


async def new_plan(client: httpx.AsyncClient, api: str, area: str, year: int) -> dict[str, Any]:
    response = await client.post(f"{api}/plans", json={"social_area_key": area, "year": year}, headers=HEADERS)
    assert response.status_code == 201, response.text
    return response.json()


async def presented_plan(
    client: httpx.AsyncClient, api: str, ready: dict[str, Any], area: str, year: int
) -> tuple[str, str, dict[str, Any]]:
    plan = await new_plan(client, api, area, year)
    added = await client.post(f"{api}/plans/{plan['id']}/measures", json=measure(ready, year), headers=HEADERS)
    assert added.status_code == 201, added.text
    presented = await client.post(f"{api}/plans/{plan['id']}/present", headers=HEADERS)
    assert presented.status_code == 200, presented.text
    return plan["id"], added.json()["measure_id"], presented.json()


async def plan_events(stack: Stack, area: str, year: int) -> list[tuple[str, dict[str, Any]]]:
    records = await read_topic(stack.env["QUARTIER_KAFKA_BOOTSTRAP"], stack.topic_prefix + PLANNING_PLANS.name)
    return [
        (str(header(r, "ce_type")), json.loads(r.value or b"{}"))
        for r in records
        if r.key == f"plan/{area}/{year}".encode()
    ]
