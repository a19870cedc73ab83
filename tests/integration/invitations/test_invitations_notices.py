"""Notices through the real stack: planning announces an approaching deadline of a real plan → the
invitations service mails the area coordinator of the Sozialraum (received by the real SMTP server), and
reporting's ``EvaluationDistributed`` → the Lenkungskreis and the Bezirksvertretungen of the districts get a
mail with the links to the evaluations and the plan. The same record delivered again, or the same deadline
announced again under a new event id, mails nobody a second time.

Who should get what is read independently from the registry's demo data (services/registry/data/*.yaml).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import AsyncIterator
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import pytest
import yaml

from quartier_planning.service import deadlines as planning_deadlines
from quartier_registry.domain.people import stable_id
from quartier_shared.events.envelope import CloudEvent, EventPayload, new_event
from quartier_shared.events.planning import DeadlineApproaching
from quartier_shared.events.reporting import EvaluationDistributed
from quartier_shared.events.topics import PLANNING_PLANS, REPORTING_REPORTS
from tests.support.helpers import eventually, pool_as
from tests.support.kafka import header, produce, read_topic
from tests.support.planning_cycle import free_year, new_plan, planning, planning_db, ready  # noqa: F401 (fixtures)
from tests.support.smtp import ReceivedMail, SmtpSink, mail_stack, smtp_sink  # noqa: F401 (fixtures)
from tests.support.stack import ROOT, Stack

AREA = "westen"
TODAY = dt.datetime.now(ZoneInfo("Europe/Berlin")).date()
HAMM = yaml.safe_load((ROOT / "services/registry/data/hamm.yaml").read_text(encoding="utf-8"))
DEMO = yaml.safe_load((ROOT / "services/registry/data/demo-people.yaml").read_text(encoding="utf-8"))
AREA_NAME = next(a["name"] for a in HAMM["sozialraeume"] if a["key"] == AREA)
MEMBER_ROLES = {"chair", "deputy", "member", "advisory"}
PLANNING_CONSUMER = "invitations.planning-notices"
REPORTING_CONSUMER = "invitations.reporting-notices"


# ---------------------------------------------------------------- what the demo data says


def districts_of(area: str) -> list[str]:
    numbers = next(a["wohnbereiche"] for a in HAMM["sozialraeume"] if a["key"] == area)
    out: list[str] = []
    for number in sorted(numbers):
        district = HAMM["wohnbereiche"][number][1]
        if district not in out:
            out.append(district)
    return out


def active(m: dict[str, Any]) -> bool:
    starts = dt.date.fromisoformat(str(m["starts_on"]))
    ends = dt.date.fromisoformat(str(m["ends_on"])) if m.get("ends_on") else None
    return starts <= TODAY and (ends is None or TODAY <= ends)


def holders(bodies: set[str], roles: set[str]) -> list[dict[str, Any]]:
    return [
        p
        for p in DEMO["persons"]
        if any(m["body"] in bodies and m["role"] in roles and active(m) for m in p.get("memberships", []))
    ]


def person_id(person: dict[str, Any]) -> uuid.UUID:
    return stable_id(f"demo/person/{person['key']}")


# ---------------------------------------------------------------- helpers


@pytest.fixture
async def invitations_pool(mail_stack: Stack) -> AsyncIterator[asyncpg.Pool]:  # noqa: F811
    pool = await pool_as(mail_stack.env, "invitations", min_size=1, max_size=2)
    yield pool
    await pool.close()


def gateway(stack: Stack) -> str:
    return f"http://127.0.0.1:{stack.port_of('gateway')}"


def mails_about(sink: SmtpSink, address: str, marker: str) -> list[ReceivedMail]:
    return [m for m in sink.to(address) if marker in text_of(m)]


def text_of(mail: ReceivedMail) -> str:
    body = mail.message.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert isinstance(text, str)
    return text.replace("\r\n", "\n")


async def wait_for_mails(sink: SmtpSink, addresses: list[str], marker: str) -> dict[str, ReceivedMail]:
    async def arrived() -> dict[str, ReceivedMail] | None:
        found = {a: mails_about(sink, a, marker) for a in addresses}
        return {a: m[0] for a, m in found.items()} if all(found.values()) else None

    return await eventually(arrived, timeout=60)


async def knows(pool: asyncpg.Pool, person_ids: list[uuid.UUID]) -> None:
    """Waits until the invitations service's copy has the memberships and e-mail addresses of these people
    (they arrive through the registry's events on two topics, in any order)."""

    async def check() -> bool | None:
        rows = await pool.fetch(
            """SELECT c.person_id FROM contacts c JOIN registry_memberships m ON m.person_id = c.person_id
               WHERE c.person_id = ANY($1::uuid[]) AND c.email IS NOT NULL""",
            person_ids,
        )
        return True if {r["person_id"] for r in rows} >= set(person_ids) else None

    await eventually(check, timeout=90)


async def duplicates_seen(stack: Stack, consumer: str) -> float:
    metrics = httpx.get(f"{stack.url('invitations')}/metrics", timeout=10).text
    found = re.search(rf'^quartier_events_duplicate_total\{{consumer="{re.escape(consumer)}"\}} (\S+)$', metrics, re.M)
    return float(found.group(1)) if found else 0.0


async def publish(stack: Stack, payload: EventPayload, source: str) -> CloudEvent:
    event = new_event(payload, source=source)
    await produce_event(stack, payload.topic, event, payload.partition_key())
    return event


async def produce_event(stack: Stack, topic: str, event: CloudEvent, key: str) -> None:
    await produce(
        stack.env["QUARTIER_KAFKA_BOOTSTRAP"],
        stack.topic_prefix + topic,
        event.kafka_value(),
        key=key.encode(),
        headers=event.kafka_headers(),
    )


async def in_inbox(pool: asyncpg.Pool, consumer: str, event_id: uuid.UUID) -> bool | None:
    found = await pool.fetchval("SELECT true FROM inbox WHERE consumer = $1 AND event_id = $2", consumer, event_id)
    return True if found else None


async def notice_rows(pool: asyncpg.Pool, notice_key: str) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await pool.fetch(
        "SELECT person_id, recipient_email, status FROM deliveries WHERE notice_key = $1", notice_key
    )
    return rows


# ---------------------------------------------------------------- the deadline


async def test_an_approaching_deadline_is_mailed_once_to_the_area_coordinator(
    mail_stack: Stack,  # noqa: F811
    smtp_sink: SmtpSink,  # noqa: F811
    planning: str,  # noqa: F811
    ready: dict[str, Any],  # noqa: F811
    invitations_pool: asyncpg.Pool,
) -> None:
    [coordinator] = holders({f"coordination_round/{AREA}"}, {"chair"})
    address = coordinator["email"]
    await knows(invitations_pool, [person_id(coordinator)])

    year = await free_year(ready, AREA)
    async with httpx.AsyncClient(timeout=20) as client:
        plan = await new_plan(client, planning, AREA, year)
    plan_id = uuid.UUID(plan["id"])
    planning_pool = await pool_as(mail_stack.env, "planning")
    try:  # planning's own deadline check, ten days before the draft is due (only for this plan)
        announced = await planning_deadlines.announce_due_deadlines(
            planning_pool, dt.date(year - 1, 9, 20), plan_ids=[plan_id]
        )
    finally:
        await planning_pool.close()
    assert [(type(e), e.step) for e in announced] == [(DeadlineApproaching, "draft")]  # type: ignore[attr-defined]

    plan_url = f"{gateway(mail_stack)}/jahresplaene/{plan_id}"
    mail = (await wait_for_mails(smtp_sink, [address], plan_url))[address]
    msg = mail.message
    assert msg["Subject"] == f"Frist am 30.09.{year - 1}: Entwurf – Jahresplan {year}, {AREA_NAME}"
    assert [a.addr_spec for a in msg["To"].addresses] == [address]
    assert [p.get_content_type() for p in msg.walk()] == ["multipart/alternative", "text/plain", "text/html"]
    text = text_of(mail)
    assert f"Guten Tag {coordinator['given_name']} {coordinator['family_name']}," in text
    assert f"Entwurf: fällig am 30.09.{year - 1} (in 10 Tagen)." in text
    assert f"Zum Jahresplan {year}:\n{plan_url}" in text
    html = msg.get_body(("html",))
    assert html is not None and f'href="{plan_url}"' in html.get_content()

    # the very record again (a redelivery, same event id): the inbox skips it
    records = await read_topic(
        mail_stack.env["QUARTIER_KAFKA_BOOTSTRAP"], mail_stack.topic_prefix + PLANNING_PLANS.name
    )
    [record] = [
        r
        for r in records
        if header(r, "ce_type") == DeadlineApproaching.event_type and str(plan_id).encode() in (r.value or b"")
    ]
    before = await duplicates_seen(mail_stack, PLANNING_CONSUMER)
    await produce(
        mail_stack.env["QUARTIER_KAFKA_BOOTSTRAP"],
        record.topic,
        record.value,
        key=record.key,
        headers=list(record.headers),
    )

    async def skipped() -> bool | None:
        return True if await duplicates_seen(mail_stack, PLANNING_CONSUMER) > before else None

    await eventually(skipped, timeout=60)

    # the same deadline announced again under a new event id: handled, but nobody is mailed twice
    again = DeadlineApproaching.model_validate_json(record.value or b"{}")
    event = await publish(mail_stack, again, "/quartier/planning")
    await eventually(lambda: in_inbox(invitations_pool, PLANNING_CONSUMER, event.id), timeout=60)

    key = f"deadline/{plan_id}/draft/{year - 1}-09-30"
    rows = await notice_rows(invitations_pool, key)
    assert [(r["person_id"], r["recipient_email"]) for r in rows] == [(person_id(coordinator), address)]
    assert len(mails_about(smtp_sink, address, plan_url)) == 1


# ---------------------------------------------------------------- the evaluation


async def test_a_distributed_evaluation_is_mailed_once_to_the_steering_committee_and_the_councils(
    mail_stack: Stack,  # noqa: F811
    smtp_sink: SmtpSink,  # noqa: F811
    planning: str,  # noqa: F811
    ready: dict[str, Any],  # noqa: F811
    invitations_pool: asyncpg.Pool,
) -> None:
    districts = districts_of(AREA)
    bodies = {"steering_committee"} | {f"district_council/{d}" for d in districts}
    expected = [p for p in holders(bodies, MEMBER_ROLES) if p.get("email")]
    assert len(expected) >= 3
    others = [p for p in holders({"district_council/heessen"}, MEMBER_ROLES) if p.get("email") and p not in expected]
    assert others  # a council of another Sozialraum: must not be written to
    await knows(invitations_pool, [person_id(p) for p in expected + others])

    year = await free_year(ready, AREA)
    async with httpx.AsyncClient(timeout=20) as client:
        plan = await new_plan(client, planning, AREA, year)
    plan_id = uuid.UUID(plan["id"])
    payload = EvaluationDistributed.model_validate(
        {
            "plan_id": str(plan_id),
            "social_area_key": AREA,
            "year": year,
            "kind": "mid_year_review",
            "district_keys": districts,
            "steering_committee": True,
        }
    )
    assert payload.topic == REPORTING_REPORTS.name
    event = await publish(mail_stack, payload, "/quartier/reporting")

    plan_url = f"{gateway(mail_stack)}/jahresplaene/{plan_id}"
    addresses = [p["email"] for p in expected]
    mails = await wait_for_mails(smtp_sink, addresses, plan_url)
    evaluations_url = f"{gateway(mail_stack)}/auswertungen?jahr={year}"
    for person in expected:
        mail = mails[person["email"]]
        assert mail.message["Subject"] == f"Halbjahresbilanz {year} liegt vor: {AREA_NAME}"
        text = text_of(mail)
        assert f"die Halbjahresbilanz des Jahresplans {year} für den {AREA_NAME} liegt vor." in text
        assert f"Zu den Auswertungen {year}:\n{evaluations_url}" in text
        assert f"Zum Jahresplan {year}, {AREA_NAME}:\n{plan_url}" in text
        assert not [p for p in mail.message.walk() if p.get_content_type() == "text/calendar"]
    steering = next(p for p in expected if any(m["body"] == "steering_committee" for m in p["memberships"]))
    assert "Sie erhalten diese Nachricht, weil:" in text_of(mails[steering["email"]])
    assert ": Lenkungskreis" in text_of(mails[steering["email"]])

    # the same record again: skipped by the inbox; a second distribution of the same review: no new mail
    before = await duplicates_seen(mail_stack, REPORTING_CONSUMER)
    await produce_event(mail_stack, REPORTING_REPORTS.name, event, payload.partition_key())

    async def skipped() -> bool | None:
        return True if await duplicates_seen(mail_stack, REPORTING_CONSUMER) > before else None

    await eventually(skipped, timeout=60)
    second = await publish(mail_stack, payload, "/quartier/reporting")
    await eventually(lambda: in_inbox(invitations_pool, REPORTING_CONSUMER, second.id), timeout=60)

    rows = await notice_rows(invitations_pool, f"mid_year_review/{plan_id}")
    reachable = sorted(str(r["person_id"]) for r in rows if r["recipient_email"])
    assert reachable == sorted(str(person_id(p)) for p in expected)
    assert all(r["status"] == "failed" for r in rows if not r["recipient_email"])
    for address in addresses:
        assert len(mails_about(smtp_sink, address, plan_url)) == 1
    for person in others:
        assert mails_about(smtp_sink, person["email"], plan_url) == []
