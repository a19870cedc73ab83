"""Needs residents raise at a Stadtteilkonferenz: the invitations service announces ``NeedRaised`` on its topic,
planning takes the need in under the same id and announces its own ``NeedRaised``.

The invitations event is produced onto the real broker as the invitations service would (CloudEvents binary
mode, key ``meeting/<id>``, the session's topic prefix); planning runs as a process with its own consumer group.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import asyncpg
import httpx

from quartier_shared.events.envelope import CloudEvent, new_event
from quartier_shared.events.invitations import NeedRaised
from quartier_shared.events.topics import DLQ_SUFFIX, INVITATIONS_MEETINGS, PLANNING_PLANS
from tests.support import planning_cycle as cycle
from tests.support.helpers import eventually
from tests.support.kafka import header, produce, read_topic
from tests.support.stack import Stack

planning = cycle.planning
planning_db = cycle.planning_db
ready = cycle.ready
CONSUMER = "planning.conference-needs"


def conference_need(ready: dict[str, Any], meeting_id: uuid.UUID, **changes: Any) -> NeedRaised:
    data: dict[str, Any] = {
        "meeting_id": meeting_id,
        "need_id": uuid.uuid4(),
        "social_area_key": "westen",
        "text": f"Mehr Sitzbänke am Kurpark {uuid.uuid4().hex[:6]}",
        "field_of_action": ready["field"],
        "residential_area_number": None,
        "raised_on": dt.date.today() - dt.timedelta(days=1),
        **changes,
    }
    return NeedRaised(**data)


async def announce(stack: Stack, event: CloudEvent) -> None:
    await produce(
        stack.env["QUARTIER_KAFKA_BOOTSTRAP"],
        stack.topic_prefix + INVITATIONS_MEETINGS.name,
        event.kafka_value(),
        key=(event.subject or "").encode(),
        headers=event.kafka_headers(),
    )


def invitations_event(payload: NeedRaised) -> CloudEvent:
    return new_event(payload, source="/quartier/invitations")


async def handled(db: asyncpg.Connection, *events: CloudEvent) -> bool:
    count = await db.fetchval(
        "SELECT count(*) FROM inbox WHERE consumer = $1 AND event_id = ANY($2::uuid[])",
        CONSUMER,
        [e.id for e in events],
    )
    return bool(count == len(events))


async def planning_need_events(stack: Stack, need_id: uuid.UUID) -> list[tuple[str, dict[str, Any]]]:
    records = await read_topic(stack.env["QUARTIER_KAFKA_BOOTSTRAP"], stack.topic_prefix + PLANNING_PLANS.name)
    return [
        (str(header(r, "ce_type")), json.loads(r.value or b"{}"))
        for r in records
        if r.key == f"need/{need_id}".encode()
    ]


async def test_a_conference_need_becomes_a_need_of_the_social_area_once(
    stack: Stack, planning: str, ready: dict[str, Any]
) -> None:
    meeting_id = uuid.uuid4()
    number: int = await ready["db"].fetchval(
        "SELECT min(number) FROM registry_residential_areas WHERE social_area_key = 'westen'"
    )
    payload = conference_need(ready, meeting_id, residential_area_number=number)
    first = invitations_event(payload)
    await announce(stack, first)

    async with httpx.AsyncClient(timeout=20) as client:

        async def arrived() -> dict[str, Any] | None:
            response = await client.get(f"{planning}/needs/{payload.need_id}")
            return response.json() if response.status_code == 200 else None

        need = await eventually(arrived, timeout=60)
        assert need["id"] == str(payload.need_id)
        assert (need["source"], need["raised_by"], need["meeting_id"]) == (
            "neighbourhood_conference",
            "Stadtteilkonferenz",
            str(meeting_id),
        )
        assert (need["social_area_key"], need["field_of_action"], need["residential_area_number"]) == (
            "westen",
            ready["field"],
            number,
        )
        assert (need["title"], need["raised_on"], need["status"]) == (
            payload.text,
            payload.raised_on.isoformat(),
            "open",
        )

        # delivered again (same event) and announced again (a new event for the same need): nothing changes
        again = new_event(payload.model_copy(update={"text": "Ein anderer Wortlaut"}), source="/quartier/invitations")
        await announce(stack, first)
        await announce(stack, again)
        await eventually(lambda: handled(ready["db"], first, again), timeout=60)
        same = (await client.get(f"{planning}/needs/{payload.need_id}")).json()
        assert same["title"] == payload.text
        assert [(h["event_type"], h["actor"]) for h in same["history"]] == [
            ("quartier.planning.NeedRaised.v1", "invitations")
        ]
        listed = (
            await client.get(
                f"{planning}/needs", params={"social_area_key": "westen", "source": "neighbourhood_conference"}
            )
        ).json()
        assert [n["id"] for n in listed].count(str(payload.need_id)) == 1

    async def announced() -> list[tuple[str, dict[str, Any]]] | None:
        events = await planning_need_events(stack, payload.need_id)
        return events or None

    events = await eventually(announced, timeout=30)
    assert events == [
        (
            "quartier.planning.NeedRaised.v1",
            {
                "need_id": str(payload.need_id),
                "social_area_key": "westen",
                "source": "neighbourhood_conference",
                "field_of_action": ready["field"],
                "residential_area_number": number,
                "raised_on": payload.raised_on.isoformat(),
                "meeting_id": str(meeting_id),
            },
        )
    ]


async def test_a_need_planning_cannot_take_in_is_dead_lettered_and_the_next_one_flows(
    stack: Stack, planning: str, ready: dict[str, Any]
) -> None:
    meeting_id = uuid.uuid4()  # one key: the bad events and the good one share a partition
    unknown_field = invitations_event(conference_need(ready, meeting_id, field_of_action="Raumfahrt"))
    unknown_area = invitations_event(conference_need(ready, meeting_id, social_area_key="atlantis"))
    other_type = CloudEvent(
        id=uuid.uuid4(),
        source="/quartier/invitations",
        type="quartier.invitations.SomethingNew.v1",  # a type of a newer invitations service
        time=dt.datetime.now(dt.UTC),
        subject=f"meeting/{meeting_id}",
        data={"meeting_id": str(meeting_id), "starts_at": "2031-05-04T18:00:00+02:00"},
    )
    good_payload = conference_need(ready, meeting_id)
    good = invitations_event(good_payload)
    for event in (unknown_field, unknown_area, other_type, good):
        await announce(stack, event)

    async with httpx.AsyncClient(timeout=20) as client:

        async def good_arrived() -> bool:
            return (await client.get(f"{planning}/needs/{good_payload.need_id}")).status_code == 200

        await eventually(good_arrived, timeout=60)
        for bad in (unknown_field, unknown_area):
            missing = await client.get(f"{planning}/needs/{bad.data['need_id']}")
            assert missing.status_code == 404

    dlq = stack.topic_prefix + INVITATIONS_MEETINGS.name + DLQ_SUFFIX

    async def dead_lettered() -> dict[str, Any] | None:
        records = await read_topic(stack.env["QUARTIER_KAFKA_BOOTSTRAP"], dlq)
        by_id = {header(r, "ce_id"): r for r in records if header(r, "dlq_consumer") == CONSUMER}
        wanted = [str(unknown_field.id), str(unknown_area.id)]
        return by_id if all(w in by_id for w in wanted) else None

    by_id = await eventually(dead_lettered, timeout=60)
    field_error = header(by_id[str(unknown_field.id)], "dlq_error") or ""
    area_error = header(by_id[str(unknown_area.id)], "dlq_error") or ""
    assert f"Bedarf {unknown_field.data['need_id']} der Stadtteilkonferenz (Sitzung {meeting_id})" in field_error
    assert "field_of_action: Handlungsfeld „Raumfahrt“ ist nicht bekannt." in field_error
    assert "social_area_key: Sozialraum „atlantis“ ist nicht bekannt." in area_error
    assert header(by_id[str(unknown_field.id)], "dlq_reason") == "failed"
    # the type planning does not know is skipped, recorded as handled, never dead-lettered
    assert str(other_type.id) not in by_id
    assert await handled(ready["db"], other_type)
    assert not await ready["db"].fetchval(
        "SELECT count(*) FROM needs WHERE id = ANY($1::uuid[])",
        [uuid.UUID(unknown_field.data["need_id"]), uuid.UUID(unknown_area.data["need_id"])],
    )
