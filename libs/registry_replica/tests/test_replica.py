"""The registry replica: the handlers on a real database, each test in a rolled-back transaction, once in each
schema of a service that holds a replica (the SQL names no schema: the search_path decides).

The events are applied in orders Kafka may deliver them (across partitions any order, replays from the
beginning) and the replica must converge on the same state; an older event never overwrites a newer one.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest

from quartier_registry_replica import LIBRARY_MIGRATIONS, MIGRATIONS
from quartier_registry_replica import handlers as h
from quartier_registry_replica import queries as copy
from quartier_shared.db import collect_migrations
from quartier_shared.events.envelope import CloudEvent, EventPayload
from quartier_shared.events.offers import (
    OfferChanged,
    OfferConfirmed,
    OfferDataV1,
    OfferRegistered,
    OffersMerged,
    OfferWithdrawn,
    PlaceV1,
)
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
from quartier_shared.events.territory import (
    CommunityCentreRenamed,
    DistrictRegistered,
    ResidentialAreaMoved,
    ResidentialAreaRegistered,
    SocialAreaRegistered,
    VocabularyPublished,
)
from tests.support.helpers import pool_as, rolled_back
from tests.support.stack import base_env

# Runs against a real Postgres schema (the test database of `make test`).
pytestmark = pytest.mark.db

HANDLERS = {**h.TERRITORY, **h.DIRECTORY, **h.OFFERS}
TABLES = (
    "registry_districts",
    "registry_social_areas",
    "registry_residential_areas",
    "registry_vocabularies",
    "registry_actors",
    "registry_bodies",
    "registry_memberships",
    "registry_persons",
    "registry_offers",
)


def test_every_payload_type_of_the_three_topics_has_a_handler() -> None:
    assert set(h.TERRITORY) == {
        DistrictRegistered,
        SocialAreaRegistered,
        ResidentialAreaRegistered,
        CommunityCentreRenamed,
        ResidentialAreaMoved,
        VocabularyPublished,
    }
    assert set(h.DIRECTORY) == {
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
    assert set(h.OFFERS) == {OfferRegistered, OfferChanged, OfferConfirmed, OfferWithdrawn, OffersMerged}


def test_the_migration_names_no_schema() -> None:
    for path in MIGRATIONS.glob("*.sql"):
        sql = path.read_text(encoding="utf-8").lower()
        for schema in ("planning.", "invitations.", "reporting.", "public."):
            assert schema not in sql, path


async def _apply_migrations(conn: asyncpg.Connection) -> None:
    # the library's migrations as a service applies them, under their own source name, each once
    await conn.execute(
        """CREATE TABLE IF NOT EXISTS schema_migrations (source text NOT NULL, version text NOT NULL,
           applied_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (source, version))"""
    )
    source, _ = LIBRARY_MIGRATIONS
    for m in collect_migrations(LIBRARY_MIGRATIONS):
        if not await conn.fetchval(
            "SELECT true FROM schema_migrations WHERE source = $1 AND version = $2", source, m.version
        ):
            await conn.execute(m.sql)
            await conn.execute("INSERT INTO schema_migrations (source, version) VALUES ($1, $2)", source, m.version)


@pytest.fixture(scope="module", params=["planning", "invitations", "reporting"])
async def pool(request: pytest.FixtureRequest) -> AsyncIterator[asyncpg.Pool]:
    # Needs the local Postgres of `make test`; base_env() says so clearly when it is missing.
    pool = await pool_as(base_env(), request.param, min_size=1, max_size=2)
    async with pool.acquire() as conn:
        await conn.execute("SELECT pg_advisory_lock(hashtext('registry_replica tests'))")
        try:
            await _apply_migrations(conn)
        finally:
            await conn.execute("SELECT pg_advisory_unlock(hashtext('registry_replica tests'))")
    yield pool
    await pool.close()


@pytest.fixture
async def conn(pool: asyncpg.Pool) -> AsyncIterator[asyncpg.Connection]:
    async with rolled_back(pool, TABLES) as conn:
        yield conn


T0 = dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC)


async def apply(conn: asyncpg.Connection, payload: EventPayload, minute: int) -> None:
    event = CloudEvent(
        id=uuid.uuid4(),
        source="/quartier/registry",
        type=payload.event_type,
        time=T0 + dt.timedelta(minutes=minute),
        data=payload.model_dump(mode="json"),
    )
    await HANDLERS[type(payload)](conn, event, payload)


async def apply_all(conn: asyncpg.Connection, events: list[tuple[int, EventPayload]]) -> None:
    for minute, payload in events:
        await apply(conn, payload, minute)


async def snapshot(conn: asyncpg.Connection) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for table, order in (
        ("registry_districts", "key"),
        ("registry_social_areas", "key"),
        ("registry_residential_areas", "number"),
        ("registry_vocabularies", "name"),
        ("registry_actors", "id"),
        ("registry_bodies", "id"),
        ("registry_memberships", "id"),
        ("registry_persons", "id"),
    ):
        out[table] = [dict(r) for r in await conn.fetch(f"SELECT * FROM {table} ORDER BY {order}")]
    return out


TERRITORY: list[tuple[int, EventPayload]] = [
    (0, DistrictRegistered(city="Hamm", district_key="mitte", name="Hamm-Mitte")),
    (0, DistrictRegistered(city="Hamm", district_key="pelkum", name="Hamm-Pelkum")),
    (0, DistrictRegistered(city="Hamm", district_key="herringen", name="Hamm-Herringen")),
    (0, SocialAreaRegistered(city="Hamm", social_area_key="westen", name="Westen", community_centre_name="Alt")),
    (0, SocialAreaRegistered(city="Hamm", social_area_key="herringen", name="Herringen", community_centre_name="HdJ")),
    (0, ResidentialAreaRegistered(city="Hamm", number=14, name="A", district_key="mitte", social_area_key="westen")),
    (0, ResidentialAreaRegistered(city="Hamm", number=42, name="B", district_key="pelkum", social_area_key="westen")),
    (
        0,
        ResidentialAreaRegistered(city="Hamm", number=52, name="C", district_key="herringen", social_area_key="westen"),
    ),
    (0, VocabularyPublished(city="Hamm", vocabulary="fields_of_action", terms=["Bildung", "Wohnen"])),
    (1, ResidentialAreaMoved(city="Hamm", number=52, from_social_area_key="westen", to_social_area_key="herringen")),
    (2, CommunityCentreRenamed(city="Hamm", social_area_key="westen", old_name="Alt", new_name="Neu")),
]


async def test_territory_with_districts_derived_from_residential_areas(conn: asyncpg.Connection) -> None:
    await apply_all(conn, TERRITORY)
    westen = await copy.social_area(conn, "westen")
    assert westen is not None
    assert westen["district_keys"] == ["mitte", "pelkum"]
    assert westen["community_centre_name"] == "Neu"
    assert [r["number"] for r in westen["residential_areas"]] == [14, 42]
    herringen = await copy.social_area(conn, "herringen")
    assert herringen is not None and herringen["districts"] == [{"key": "herringen", "name": "Hamm-Herringen"}]
    assert await copy.social_area(conn, "atlantis") is None
    assert await copy.fields_of_action(conn) == ["Bildung", "Wohnen"]
    assert await copy.vocabulary(conn, "steering_goals") == []


async def test_a_replay_of_the_territory_converges(conn: asyncpg.Connection) -> None:
    await apply_all(conn, TERRITORY)
    once = await snapshot(conn)
    # the same events again (a replay), and the older ones once more after the newer ones
    await apply_all(conn, TERRITORY)
    await apply_all(conn, list(reversed(TERRITORY)))
    assert await snapshot(conn) == once


ACTOR = uuid.uuid4()


def _actor(cls: type[ActorRegistered] | type[ActorChanged], areas: list[str]) -> EventPayload:
    return cls(actor_id=ACTOR, name="Kita Probegarten", actor_type="kita", social_area_keys=areas)


async def test_actors_registered_changed_and_withdrawn(conn: asyncpg.Connection) -> None:
    await apply(conn, _actor(ActorRegistered, ["norden"]), 0)
    assert await copy.actor_exists(conn, ACTOR)
    await apply(conn, _actor(ActorChanged, ["norden", "heessen"]), 1)
    await apply(conn, ActorWithdrawn(actor_id=ACTOR), 2)
    # a stale change delivered late neither revives nor rewrites the actor
    await apply(conn, _actor(ActorChanged, ["mitte"]), 1)
    assert not await copy.actor_exists(conn, ACTOR)
    assert await copy.actor_exists(conn, ACTOR, include_withdrawn=True)
    actor = await copy.actor(conn, ACTOR)
    assert actor is not None and actor["social_area_keys"] == ["norden", "heessen"] and actor["withdrawn"]
    assert not await copy.actor_exists(conn, uuid.uuid4(), include_withdrawn=True)


COUNCIL = uuid.uuid4()
ROUND = uuid.uuid4()
PERSON = uuid.uuid4()
MANDATE = uuid.uuid4()
GUEST = uuid.uuid4()

DIRECTORY: list[tuple[int, EventPayload]] = [
    (
        0,
        BodyRegistered(
            body_id=COUNCIL,
            kind="district_council",
            name="Bezirksvertretung Hamm-Mitte",
            display_name="Bezirksvertretung Hamm-Mitte",
            district_key="mitte",
        ),
    ),
    (
        0,
        BodyRegistered(
            body_id=ROUND,
            kind="coordination_round",
            name="Koordinierungsrunde Westen",
            display_name="Koordinierungsrunde Westen",
            social_area_key="westen",
        ),
    ),
    (1, PersonRegistered(person_id=PERSON, lives_in_social_area_key="westen")),
    (
        2,
        MembershipStarted(
            membership_id=MANDATE,
            body_id=COUNCIL,
            person_id=PERSON,
            role="member",
            starts_on=dt.date(2025, 11, 1),
        ),
    ),
    (
        2,
        MembershipStarted(
            membership_id=GUEST, body_id=ROUND, person_id=PERSON, role="guest", starts_on=dt.date(2026, 1, 1)
        ),
    ),
    (3, MembershipEnded(membership_id=GUEST, body_id=ROUND, person_id=PERSON, ends_on=dt.date(2026, 2, 28))),
    (4, PersonChanged(person_id=PERSON, lives_in_social_area_key="westen", changed_fields=["email"])),
]
ERASED = (5, PersonErased(person_id=PERSON, retained_membership_ids=[MANDATE]))


async def test_bodies_and_members(conn: asyncpg.Connection) -> None:
    await apply_all(conn, DIRECTORY)
    council = await copy.district_council_of(conn, "mitte")
    assert council is not None and council["id"] == COUNCIL
    assert await copy.district_council_of(conn, "pelkum") is None
    (member,) = await copy.members_of(conn, COUNCIL)
    assert member["person_id"] == PERSON and member["role"] == "member"
    assert member["lives_in_social_area_key"] == "westen" and not member["erased"]
    (guest,) = await copy.members_of(conn, ROUND)
    assert guest["ends_on"] == dt.date(2026, 2, 28)
    assert await copy.members_of(conn, ROUND, on=dt.date(2026, 3, 1)) == []
    assert await copy.is_member(conn, ROUND, PERSON, on=dt.date(2026, 2, 28))
    # a late duplicate of the start does not undo the end
    await apply(conn, DIRECTORY[4][1], 2)
    (guest,) = await copy.members_of(conn, ROUND)
    assert guest["ends_on"] == dt.date(2026, 2, 28)


async def test_erasure_drops_the_person_and_the_memberships_the_registry_dropped(conn: asyncpg.Connection) -> None:
    await apply_all(conn, [*DIRECTORY, ERASED])
    person = await conn.fetchrow("SELECT * FROM registry_persons WHERE id = $1", PERSON)
    assert person["erased"] and person["lives_in_social_area_key"] is None and person["actor_id"] is None
    ids = {r["id"] for r in await conn.fetch("SELECT id FROM registry_memberships WHERE person_id = $1", PERSON)}
    assert ids == {MANDATE}
    (kept,) = await copy.members_of(conn, COUNCIL)
    assert kept["erased"] and kept["lives_in_social_area_key"] is None
    erased_once = await snapshot(conn)
    # the events before the erasure, delivered again or late (other partitions), bring nothing back
    await apply_all(conn, DIRECTORY)
    await apply_all(conn, [ERASED])
    assert await snapshot(conn) == erased_once


async def test_erasure_overtaking_the_membership_events_converges(conn: asyncpg.Connection) -> None:
    # persons and memberships travel on different partitions: the erasure may arrive first
    bodies, person, memberships = DIRECTORY[:2], DIRECTORY[2:3], DIRECTORY[3:6]
    await apply_all(conn, [*bodies, *person, ERASED, *memberships, DIRECTORY[6]])
    overtaken = await snapshot(conn)
    await conn.execute("DELETE FROM registry_memberships; DELETE FROM registry_persons")
    await apply_all(conn, [*DIRECTORY, ERASED])
    assert await snapshot(conn) == overtaken
    ids = {r["id"] for r in await conn.fetch("SELECT id FROM registry_memberships")}
    assert ids == {MANDATE}


OFFER = uuid.uuid4()
KEPT = uuid.uuid4()


def _offer_data() -> OfferDataV1:
    return OfferDataV1(
        title="Schachtreff",
        description="Schach für Kinder",
        provider_actor_id=ACTOR,
        field_of_action="Bildung",
        place=PlaceV1(kind="community_centre", social_area_key="westen"),
        free_of_charge=True,
        contact_office="Stadtteilbüro",
        last_confirmed_on=dt.date(2026, 1, 1),
    )


OFFERS: list[tuple[int, EventPayload]] = [
    (0, OfferRegistered(offer_id=OFFER, offer=_offer_data())),
    (0, OfferRegistered(offer_id=KEPT, offer=_offer_data())),
    (1, OfferChanged(offer_id=OFFER, offer=_offer_data(), changed_fields=["title"])),
    (2, OfferConfirmed(offer_id=KEPT, confirmed_on=dt.date(2026, 2, 1))),
    (3, OfferWithdrawn(offer_id=OFFER, reason="Dopplung", merged_into=KEPT)),
    (
        3,
        OffersMerged(
            pair_id=uuid.uuid4(),
            offer_id=min(OFFER, KEPT),
            other_offer_id=max(OFFER, KEPT),
            kept_offer_id=KEPT,
            withdrawn_offer_id=OFFER,
        ),
    ),
]


async def offers(conn: asyncpg.Connection) -> dict[uuid.UUID, tuple[bool, uuid.UUID | None]]:
    rows = await conn.fetch("SELECT id, withdrawn, merged_into FROM registry_offers")
    return {r["id"]: (r["withdrawn"], r["merged_into"]) for r in rows}


async def test_offers_known_and_withdrawn_converge_in_any_order(conn: asyncpg.Connection) -> None:
    await apply_all(conn, OFFERS)
    assert await offers(conn) == {OFFER: (True, KEPT), KEPT: (False, None)}
    once = await offers(conn)
    # replayed, and the merge (keyed by the pair, another partition) overtaking the offer's own events
    await apply_all(conn, list(reversed(OFFERS)))
    await apply_all(conn, OFFERS)
    assert await offers(conn) == once
    await conn.execute("DELETE FROM registry_offers")
    await apply_all(conn, [OFFERS[5], *OFFERS[:5]])
    assert await offers(conn) == once


# ---------------------------------------------------------------- the cases where the former copies differed


async def test_an_older_territory_event_never_overwrites_a_newer_one(conn: asyncpg.Connection) -> None:
    # (reporting's former copy took whatever came last)
    await apply(
        conn, SocialAreaRegistered(city="Hamm", social_area_key="westen", name="Westen", community_centre_name="Neu"), 5
    )
    await apply(conn, CommunityCentreRenamed(city="Hamm", social_area_key="westen", old_name="Alt", new_name="Alt"), 1)
    await apply(
        conn, SocialAreaRegistered(city="Hamm", social_area_key="westen", name="West", community_centre_name="Alt"), 0
    )
    area = await copy.social_area(conn, "westen")
    assert area is not None and (area["name"], area["community_centre_name"]) == ("Westen", "Neu")
    await apply(
        conn,
        ResidentialAreaRegistered(
            city="Hamm", number=52, name="C", district_key="herringen", social_area_key="herringen"
        ),
        3,
    )
    await apply(
        conn,
        ResidentialAreaMoved(city="Hamm", number=52, from_social_area_key="westen", to_social_area_key="westen"),
        2,
    )
    await apply(conn, VocabularyPublished(city="Hamm", vocabulary="fields_of_action", terms=["Neu"]), 4)
    await apply(conn, VocabularyPublished(city="Hamm", vocabulary="fields_of_action", terms=["Alt"]), 1)
    assert (
        await conn.fetchval("SELECT social_area_key FROM registry_residential_areas WHERE number = 52") == "herringen"
    )
    assert await copy.fields_of_action(conn) == ["Neu"]


async def test_a_moved_residential_area_is_followed(conn: asyncpg.Connection) -> None:
    await apply_all(conn, TERRITORY)
    westen, herringen = await copy.social_area(conn, "westen"), await copy.social_area(conn, "herringen")
    assert westen is not None and herringen is not None
    assert 52 not in [r["number"] for r in westen["residential_areas"]]
    assert [r["number"] for r in herringen["residential_areas"]] == [52]
    # moved back later: the newest move counts, whatever order the two arrive in
    back = ResidentialAreaMoved(city="Hamm", number=52, from_social_area_key="herringen", to_social_area_key="westen")
    await apply(conn, back, 9)
    await apply(conn, TERRITORY[9][1], 1)
    westen = await copy.social_area(conn, "westen")
    assert westen is not None and [r["number"] for r in westen["residential_areas"]] == [14, 42, 52]


async def test_the_registry_order_the_city_and_the_districts(conn: asyncpg.Connection) -> None:
    # the registry announces again at a later start: the order of the first registration stays
    later = [(7, p) for _, p in TERRITORY if isinstance(p, SocialAreaRegistered | DistrictRegistered)]
    await apply_all(conn, [*later[::-1], *TERRITORY])
    assert [a["key"] for a in await copy.social_areas(conn)] == ["herringen", "westen"]  # same time: by key
    assert [d["key"] for d in await copy.districts(conn)] == ["herringen", "mitte", "pelkum"]
    assert await copy.city(conn) == "Hamm"
    assert await copy.vocabularies(conn) == {"fields_of_action": ["Bildung", "Wohnen"]}
    await apply(
        conn, SocialAreaRegistered(city="Hamm", social_area_key="norden", name="Norden", community_centre_name="N"), -1
    )
    assert next(a["key"] for a in await copy.social_areas(conn)) == "norden"


async def test_a_membership_end_overtaking_its_start_is_kept(conn: asyncpg.Connection) -> None:
    start = MembershipStarted(
        membership_id=GUEST, body_id=ROUND, person_id=PERSON, role="guest", starts_on=dt.date(2026, 1, 1)
    )
    end = MembershipEnded(membership_id=GUEST, body_id=ROUND, person_id=PERSON, ends_on=dt.date(2026, 2, 28))
    await apply(conn, end, 3)
    assert await copy.members_of(conn, ROUND) == []  # an end alone is no membership yet
    await apply(conn, start, 2)
    (guest,) = await copy.members_of(conn, ROUND)
    assert (guest["role"], guest["starts_on"], guest["ends_on"]) == ("guest", dt.date(2026, 1, 1), dt.date(2026, 2, 28))
    # an older end (another partition, a replay) does not move the end back
    await apply(
        conn, MembershipEnded(membership_id=GUEST, body_id=ROUND, person_id=PERSON, ends_on=dt.date(2026, 1, 31)), 1
    )
    (guest,) = await copy.members_of(conn, ROUND)
    assert guest["ends_on"] == dt.date(2026, 2, 28)


async def test_an_actor_with_its_mailbox_and_residential_area(conn: asyncpg.Connection) -> None:
    await apply(
        conn,
        ActorRegistered(
            actor_id=ACTOR,
            name="Kita Probegarten",
            actor_type="kita",
            social_area_keys=["westen"],
            residential_area_number=14,
            email="kita@example.org",
        ),
        0,
    )
    row = await conn.fetchrow("SELECT email, residential_area_number FROM registry_actors WHERE id = $1", ACTOR)
    assert dict(row) == {"email": "kita@example.org", "residential_area_number": 14}
    await apply(conn, ActorWithdrawn(actor_id=ACTOR), 2)
    # the registry changes no withdrawn actor; a later change cannot revive it either
    await apply(conn, _actor(ActorChanged, ["westen"]), 3)
    assert not await copy.actor_exists(conn, ACTOR)
