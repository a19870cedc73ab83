"""Bodies of another city, and the chair rule under concurrent requests."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import uuid

import asyncpg
import httpx

from tests.support.city import get_once_up, registry_of_another_city
from tests.support.stack import Stack


async def test_another_city_gets_the_bodies_of_its_own_territory(stack: Stack) -> None:
    with registry_of_another_city(stack, "musterstadt-people-") as service:
        bodies = get_once_up(service, "/api/v1/bodies").json()
        names = sorted(b["display_name"] for b in bodies)
        assert names == sorted(
            [
                "Rat der Stadt Musterstadt",
                "Lenkungskreis Stadtteilarbeit",
                "AK Stadtteilarbeit",
                "Koordinierungsrunde Altstadt",
                "Koordinierungsrunde Auenviertel",
                "Stadtteilkonferenz Altstadt",
                "Stadtteilkonferenz Auenviertel",
                "Bezirksvertretung Musterstadt-Nord",
                "Bezirksvertretung Musterstadt-Süd",
            ]
        )
        # Hamm's demo people are not loaded into another city.
        assert all(b["members"] == [] for b in bodies)
        assert httpx.get(f"{service.url}/api/v1/persons", timeout=5).json() == []


async def test_two_chairs_asked_for_at_the_same_time_give_one_chair(
    stack: Stack, registry_db: asyncpg.Connection
) -> None:
    api = f"{stack.url('registry')}/api/v1"
    year = random.randint(1000, 1990)  # a period before any demo chair, new on every run
    async with httpx.AsyncClient(timeout=10) as client:
        body = next(b for b in (await client.get(f"{api}/bodies")).json() if b["kind"] == "steering_committee")
        people = []
        for i in range(4):
            created = await client.post(
                f"{api}/persons", json={"given_name": f"Test{i}", "family_name": f"Parallelkamp{uuid.uuid4().hex[:6]}"}
            )
            assert created.status_code == 201, created.text
            people.append(created.json()["id"])
        responses = await asyncio.gather(
            *(
                client.post(
                    f"{api}/bodies/{body['id']}/memberships",
                    json={"person_id": p, "role": "chair", "starts_on": f"{year}-01-01", "ends_on": f"{year}-12-31"},
                )
                for p in people
            )
        )
    assert sorted(r.status_code for r in responses) == [201, 422, 422, 422], [r.text for r in responses]
    chairs = await registry_db.fetchval(
        """SELECT count(*) FROM memberships
           WHERE body_id = $1 AND role = 'chair' AND starts_on <= $3 AND coalesce(ends_on, 'infinity') >= $2""",
        uuid.UUID(body["id"]),
        dt.date(year, 1, 1),
        dt.date(year, 12, 31),
    )
    assert chairs == 1
