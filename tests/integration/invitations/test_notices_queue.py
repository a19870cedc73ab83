"""Notices on the real database: the consumers' handlers queue each notice once per person, however often
the event comes."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from quartier_invitations import db as invitations_db
from quartier_invitations.consumers import notices as cn
from quartier_invitations.db import delivery as delivery_db
from quartier_invitations.domain import notices as n
from quartier_invitations.domain.delivery import (
    MailRecipient,
)
from quartier_invitations.service import delivery
from quartier_invitations.service.notices import NoticeConfig
from quartier_registry_replica import LIBRARY_MIGRATIONS
from quartier_shared.db import migrate
from quartier_shared.events.envelope import CloudEvent, EventPayload
from quartier_shared.events.planning import DeadlineApproaching, PlanDrafted
from quartier_shared.events.reporting import EvaluationDistributed
from services.invitations.tests.notice_fixtures import (
    BASE,
    DIRECTORY,
    NOW,
    PLAN,
    SENDER,
    body_of,
    parse,
    uid,
)
from tests.support.helpers import pool_as, rolled_back
from tests.support.stack import base_env

TABLES = ("registry_bodies", "registry_memberships", "registry_persons", "contacts")


@pytest.fixture(scope="module")
async def pool() -> AsyncIterator[asyncpg.Pool]:
    pool = await pool_as(base_env(), "invitations", min_size=1, max_size=2)
    await migrate(pool, "invitations", invitations_db.MIGRATIONS, [LIBRARY_MIGRATIONS])
    yield pool
    await pool.close()


@pytest.fixture
async def conn(pool: asyncpg.Pool) -> AsyncIterator[asyncpg.Connection]:
    """A connection in a transaction that is rolled back, with a small directory of its own."""
    async with rolled_back(pool, TABLES) as conn:
        await conn.execute(
            """INSERT INTO registry_social_areas (key, name, community_centre_name, city, updated_at)
               VALUES ('westen', 'Sozialraum Hammer Westen', 'Stadtteilzentrum', 'Hamm', now())
               ON CONFLICT (key) DO UPDATE SET name = EXCLUDED.name"""
        )
        for body in DIRECTORY.bodies:
            await conn.execute(
                """INSERT INTO registry_bodies (id, kind, name, display_name, social_area_key, district_key,
                                                updated_at)
                   VALUES ($1, $2, $3, $3, $4, $5, now())""",
                body.id,
                body.kind,
                body.name,
                body.social_area_key,
                body.district_key,
            )
        for m in DIRECTORY.memberships:
            await conn.execute(
                """INSERT INTO registry_memberships (id, body_id, person_id, role, starts_on, ends_on,
                                                      is_district_mayor, updated_at)
                   VALUES ($1, $2, $3, $4, $5, $6, false, now())""",
                m.id,
                m.body_id,
                m.person_id,
                m.role,
                m.starts_on,
                m.ends_on,
            )
        for person in DIRECTORY.persons.values():
            await conn.execute(
                "INSERT INTO registry_persons (id, erased, updated_at) VALUES ($1, $2, now())",
                person.id,
                person.erased,
            )
            if not person.erased:
                await conn.execute(
                    "INSERT INTO contacts (person_id, name, email, updated_at) VALUES ($1, $2, $3, now())",
                    person.id,
                    person.name,
                    person.email,
                )
        yield conn


async def deliver(conn: asyncpg.Connection, handlers: dict[type[EventPayload], cn.Handler], p: EventPayload) -> None:
    event = CloudEvent(
        id=uuid.uuid4(), source="/quartier/test", type=p.event_type, time=NOW, data=p.model_dump(mode="json")
    )
    await handlers[type(p)](conn, event, p)


async def rows_of(conn: asyncpg.Connection, key: str) -> list[asyncpg.Record]:
    return await delivery_db.of_notice(conn, key)


async def test_a_deadline_is_queued_once_for_the_coordinator_however_often_it_comes(conn: asyncpg.Connection) -> None:
    handlers = cn.planning_notices_consumer(NoticeConfig(BASE)).handlers
    p = DeadlineApproaching(
        plan_id=PLAN, social_area_key="westen", year=2027, step="final", due_on=dt.date(2026, 12, 15), days_left=3
    )
    await deliver(conn, handlers, p)
    await deliver(conn, handlers, p)  # announced again (another event id): still one mail
    await deliver(conn, handlers, PlanDrafted(plan_id=PLAN, social_area_key="westen", year=2027))
    key = n.deadline_key(PLAN, "final", dt.date(2026, 12, 15))
    rows = await rows_of(conn, key)
    assert [(r["person_id"], r["recipient_email"], r["kind"], r["status"]) for r in rows] == [
        (uid(1), "anna@westen.example", "notice", "pending")
    ]
    assert rows[0]["meeting_id"] is None and rows[0]["meeting"] is None
    # the sender builds the mail from the row alone
    config = delivery.DeliveryConfig(smtp_sender=SENDER, public_base_url=BASE)
    msg = parse(delivery.message_for(rows[0], config, NOW))
    assert msg["Subject"] == "Frist am 15.12.2026: Plan final – Jahresplan 2027, Sozialraum Hammer Westen"
    assert f"{BASE}/jahresplaene/{PLAN}" in body_of(msg, "plain")
    assert not [p for p in msg.walk() if p.get_content_type() == "text/calendar"]


async def test_an_evaluation_is_queued_once_per_person_and_unreachable_people_are_recorded(
    conn: asyncpg.Connection,
) -> None:
    handlers = cn.reporting_notices_consumer(NoticeConfig(BASE)).handlers
    p = EvaluationDistributed.model_validate(
        {
            "plan_id": str(PLAN),
            "social_area_key": "westen",
            "year": 2027,
            "kind": "evaluation",
            "district_keys": ["pelkum", "mitte"],
            "steering_committee": True,
        }
    )
    await deliver(conn, handlers, p)
    await deliver(conn, handlers, p)
    rows = await rows_of(conn, n.evaluation_key(PLAN, "evaluation"))
    assert sorted((r["recipient_name"], r["status"]) for r in rows) == [
        ("Emil Lenkung", "pending"),
        ("Frieda Pelkum", "failed"),
        ("Hanna Mitte", "pending"),
    ]
    emil = next(r for r in rows if r["recipient_name"] == "Emil Lenkung")
    assert json.loads(emil["reasons"]) == ["Mitglied: Lenkungskreis", "Stellvertretung: Bezirksvertretung Hamm-Pelkum"]
    frieda = next(r for r in rows if r["recipient_name"] == "Frieda Pelkum")
    assert frieda["error"] == delivery.INVALID_ADDRESS


async def test_enqueue_notice_directly_is_idempotent_and_checks_its_key(conn: asyncpg.Connection) -> None:
    someone = MailRecipient(uuid.uuid4(), "Paula Probe", "paula@example.org", ())
    args = ("Betreff", ["Zeile"], "https://example.org/x")
    assert await delivery.enqueue_notice(conn, "test/direct", [someone], *args) == 1
    assert await delivery.enqueue_notice(conn, "test/direct", [someone], *args) == 0
    assert await delivery.enqueue_notice(conn, "test/other", [someone], *args) == 1
    with pytest.raises(ValueError):
        await delivery.enqueue_notice(conn, "bad\r\nkey", [someone], *args)
    [row] = await rows_of(conn, "test/direct")
    assert delivery_db.notice_from_json(row["notice_key"], row["notice"]).links == (
        ("Mehr dazu", "https://example.org/x"),
    )
