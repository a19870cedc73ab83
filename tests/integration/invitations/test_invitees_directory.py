"""The invitations service's copy of the registry's directory and contacts: the handlers on the real
database, each test in a rolled-back transaction. Events arrive in any order across partitions and
topics, and replays repeat them: the copy converges, and an erasure is never undone."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import asyncpg
import pytest

from quartier_invitations import consumers as c
from quartier_invitations import db as invitations_db
from quartier_invitations.db.directory import load_directory
from quartier_invitations.settings import InvitationsSettings
from quartier_registry_replica import LIBRARY_MIGRATIONS
from quartier_shared.db import migrate
from quartier_shared.events.contacts import ContactDetailsErased, ContactDetailsSet
from quartier_shared.events.envelope import CloudEvent, EventPayload
from quartier_shared.events.people import (
    ActorChanged,
    ActorRegistered,
    ActorWithdrawn,
    BodyRegistered,
    MembershipEnded,
    MembershipStarted,
    PersonChanged,
    PersonErased,
    PersonRegistered,
)
from tests.support.helpers import pool_as, rolled_back
from tests.support.stack import base_env

T0 = dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC)
HANDLERS: dict[type[EventPayload], Callable[..., Awaitable[None]]] = {
    **c.directory_consumer().handlers,
    **c.contacts_consumer().handlers,
}
TABLES = (
    "registry_actors",
    "registry_bodies",
    "registry_memberships",
    "registry_persons",
    "contacts",
    "erased_contacts",
)


def test_every_payload_type_of_both_topics_has_a_handler() -> None:
    assert set(c.directory_consumer().handlers) == {
        ActorRegistered,
        ActorChanged,
        ActorWithdrawn,
        PersonRegistered,
        PersonChanged,
        PersonErased,
        BodyRegistered,
        MembershipStarted,
        MembershipEnded,
    }
    assert set(c.contacts_consumer().handlers) == {ContactDetailsSet, ContactDetailsErased}
    names = [x.name for x in c.consumers(InvitationsSettings())]
    assert {"invitations.directory", "invitations.contacts"} <= set(names)
    assert len(names) == len(set(names))


@pytest.fixture(scope="module")
async def pool() -> AsyncIterator[asyncpg.Pool]:
    pool = await pool_as(base_env(), "invitations", min_size=1, max_size=2)
    await migrate(pool, "invitations", invitations_db.MIGRATIONS, [LIBRARY_MIGRATIONS])
    yield pool
    await pool.close()


@pytest.fixture
async def conn(pool: asyncpg.Pool) -> AsyncIterator[asyncpg.Connection]:
    async with rolled_back(pool, TABLES) as conn:
        yield conn


async def apply(conn: asyncpg.Connection, payload: EventPayload, minute: int) -> None:
    event = CloudEvent(
        id=uuid.uuid4(),
        source="/quartier/registry",
        type=payload.event_type,
        time=T0 + dt.timedelta(minutes=minute),
        data=payload.model_dump(mode="json"),
    )
    await HANDLERS[type(payload)](conn, event, payload)


async def snapshot(conn: asyncpg.Connection) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for table in TABLES:
        rows = await conn.fetch(f"SELECT * FROM {table}")
        out[table] = sorted((dict(r) for r in rows), key=repr)
    return out


PERSON = uuid.UUID("00000000-0000-4000-8000-000000000001")
BODY = uuid.UUID("00000000-0000-4000-8000-0000000000b1")
COUNCIL = uuid.UUID("00000000-0000-4000-8000-0000000000b2")
KEPT = uuid.UUID("00000000-0000-4000-8000-0000000000c1")
DROPPED = uuid.UUID("00000000-0000-4000-8000-0000000000c2")


def _events() -> list[tuple[int, EventPayload]]:
    return [
        (1, PersonRegistered(person_id=PERSON, lives_in_social_area_key="westen")),
        (2, ContactDetailsSet(person_id=PERSON, name="Ada Beispiel", email="ada@beispiel.example")),
        (3, MembershipStarted(membership_id=KEPT, body_id=COUNCIL, person_id=PERSON, role="member",
                              starts_on=dt.date(2025, 11, 1))),
        (4, MembershipStarted(membership_id=DROPPED, body_id=BODY, person_id=PERSON, role="member",
                              starts_on=dt.date(2026, 1, 1))),
        (5, ContactDetailsSet(person_id=PERSON, name="Ada Beispiel", email="ada.neu@beispiel.example",
                              functions=["Vereinsguide Pelkum"])),
        (6, PersonErased(person_id=PERSON, retained_membership_ids=[KEPT])),
        (7, ContactDetailsErased(person_id=PERSON)),
    ]  # fmt: skip


async def test_contacts_arrive_and_the_newest_wins(conn: asyncpg.Connection) -> None:
    events = _events()[:5]
    for minute, payload in reversed(events):  # the oldest last: it must not overwrite the newest
        await apply(conn, payload, minute)
    row = await conn.fetchrow("SELECT name, email, functions FROM contacts WHERE person_id = $1", PERSON)
    assert dict(row) == {
        "name": "Ada Beispiel",
        "email": "ada.neu@beispiel.example",
        "functions": ["Vereinsguide Pelkum"],
    }
    directory = await load_directory(conn)
    person = directory.persons[PERSON]
    assert (person.name, person.email, person.lives_in_social_area_key) == (
        "Ada Beispiel",
        "ada.neu@beispiel.example",
        "westen",
    )
    assert person.functions == ("Vereinsguide Pelkum",)
    assert {m.id for m in directory.memberships} == {KEPT, DROPPED}


@pytest.mark.parametrize("erasure", [PersonErased, ContactDetailsErased])
async def test_an_erasure_deletes_the_contact_and_is_never_undone(
    conn: asyncpg.Connection, erasure: type[EventPayload]
) -> None:
    for minute, payload in _events()[:5]:
        await apply(conn, payload, minute)
    if erasure is PersonErased:
        await apply(conn, PersonErased(person_id=PERSON, retained_membership_ids=[KEPT]), 6)
    else:
        await apply(conn, ContactDetailsErased(person_id=PERSON), 7)
    assert await conn.fetchval("SELECT count(*) FROM contacts") == 0
    # replays of everything before the erasure bring nothing back
    for minute, payload in _events()[:5]:
        await apply(conn, payload, minute)
    assert await conn.fetchval("SELECT count(*) FROM contacts") == 0
    person = (await load_directory(conn)).persons[PERSON]
    assert person.name is None and person.email is None
    memberships = {r["id"] for r in await conn.fetch("SELECT id FROM registry_memberships")}
    if erasure is PersonErased:
        assert person.erased and person.lives_in_social_area_key is None
        assert memberships == {KEPT}  # only what the registry retains, by id


async def test_any_order_of_the_events_converges(conn: asyncpg.Connection) -> None:
    events = _events()
    states = []
    for order in itertools.islice(itertools.permutations(events), 0, None, 97):
        savepoint = conn.transaction()
        await savepoint.start()
        for minute, payload in order:
            await apply(conn, payload, minute)
        states.append(await snapshot(conn))
        await savepoint.rollback()
    assert len(states) > 10
    first = states[0]
    for state in states[1:]:
        assert _without_times(state) == _without_times(first)
    assert first["contacts"] == []
    assert [r["id"] for r in first["registry_memberships"]] == [KEPT]


def _without_times(state: dict[str, Any]) -> dict[str, Any]:
    return {t: [{k: v for k, v in r.items() if k != "updated_at"} for r in rows] for t, rows in state.items()}


async def test_actors_and_bodies(conn: asyncpg.Connection) -> None:
    actor = uuid.uuid4()
    facts = {"actor_id": actor, "name": "Kita Probe", "actor_type": "kita", "social_area_keys": ["westen"]}
    await apply(conn, ActorChanged(**facts, email="neu@kita.example"), 2)
    await apply(conn, ActorRegistered(**facts, email="alt@kita.example"), 1)
    await apply(conn, BodyRegistered(body_id=BODY, kind="coordination_round", name="KR", display_name="KR Westen",
                                     social_area_key="westen"), 1)  # fmt: skip
    directory = await load_directory(conn)
    assert [(a.name, a.email, a.social_area_keys) for a in directory.actors] == [
        ("Kita Probe", "neu@kita.example", ("westen",))
    ]
    assert [(b.kind, b.name, b.social_area_key) for b in directory.bodies] == [
        ("coordination_round", "KR Westen", "westen")
    ]
    await apply(conn, ActorWithdrawn(actor_id=actor), 3)
    assert (await load_directory(conn)).actors == ()
    await apply(
        conn,
        MembershipEnded(membership_id=KEPT, body_id=BODY, person_id=PERSON, ends_on=dt.date(2026, 6, 30)),
        5,
    )
    await apply(
        conn,
        MembershipStarted(
            membership_id=KEPT, body_id=BODY, person_id=PERSON, role="chair", starts_on=dt.date(2026, 1, 1)
        ),
        4,
    )
    (membership,) = (await load_directory(conn)).memberships
    assert (membership.role, membership.ends_on) == ("chair", dt.date(2026, 6, 30))
