"""Notices: who is told about an approaching deadline (the area coordinator) and about a distributed review
or evaluation (Lenkungskreis, Bezirksvertretungen), the German texts, the mail as built (text + HTML, no
calendar, exactly the intended headers even for hostile input), and the consumers' handlers on the real
database queuing each notice once per person, however often the event comes."""

from __future__ import annotations

import datetime as dt
import email
import json
import uuid
from collections.abc import AsyncIterator
from email import policy
from email.message import EmailMessage

import asyncpg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quartier_invitations import db as invitations_db
from quartier_invitations.consumers import notices as cn
from quartier_invitations.db import delivery as delivery_db
from quartier_invitations.domain import notices as n
from quartier_invitations.domain.delivery import (
    NOTICE_HEADERS,
    MailNotice,
    MailRecipient,
    build_notice_message,
    safe_url,
)
from quartier_invitations.domain.invitees import BodyInfo, Directory, MembershipInfo, PersonInfo
from quartier_invitations.service import delivery
from quartier_invitations.service.notices import NoticeConfig
from quartier_registry_replica import LIBRARY_MIGRATIONS
from quartier_shared.db import migrate
from quartier_shared.events.envelope import EVENT_TYPES, CloudEvent, EventPayload
from quartier_shared.events.planning import DeadlineApproaching, PlanDrafted
from quartier_shared.events.reporting import AnnualReportPublished, EvaluationDistributed
from quartier_shared.events.topics import PLANNING_PLANS
from tests.support.helpers import pool_as
from tests.support.stack import base_env

DAY = dt.date(2027, 7, 20)
NOW = dt.datetime(2027, 7, 20, 8, 0, tzinfo=dt.UTC)
SENDER = "einladungen@quartier.hamm.example"
BASE = "https://quartier.hamm.example"
PLAN = uuid.UUID("7a000000-0000-4000-8000-000000000001")


def uid(n: int) -> uuid.UUID:
    return uuid.UUID(f"7b000000-0000-4000-8000-{n:012d}")


CR_WESTEN = BodyInfo(uid(901), "coordination_round", "Koordinierungsrunde Hammer Westen", "westen")
CR_NORDEN = BodyInfo(uid(902), "coordination_round", "Koordinierungsrunde Hamm-Norden", "norden")
LK = BodyInfo(uid(903), "steering_committee", "Lenkungskreis")
BV_PELKUM = BodyInfo(uid(904), "district_council", "Bezirksvertretung Hamm-Pelkum", district_key="pelkum")
BV_MITTE = BodyInfo(uid(905), "district_council", "Bezirksvertretung Hamm-Mitte", district_key="mitte")
BV_HEESSEN = BodyInfo(uid(906), "district_council", "Bezirksvertretung Hamm-Heessen", district_key="heessen")

PEOPLE = {
    1: ("Anna Koordination", "anna@westen.example"),  # chair of the Westen round
    2: ("Bert Vorgänger", "bert@westen.example"),  # former chair of the Westen round
    3: ("Carla Stellvertretung", "carla@westen.example"),  # deputy of the Westen round
    4: ("Dana Norden", "dana@norden.example"),  # chair of the Norden round
    5: ("Emil Lenkung", "emil@stadt.example"),  # Lenkungskreis and BV Pelkum
    6: ("Frieda Pelkum", None),  # BV Pelkum, no address known
    7: ("Gustav Gast", "gustav@example.org"),  # guest of BV Mitte
    8: ("Hanna Mitte", "hanna@mitte.example"),  # BV Mitte
    9: ("Ida Heessen", "ida@heessen.example"),  # BV Heessen
    10: ("Erik Gelöscht", "erik@example.org"),  # chair of the Westen round too, but erased
}


def membership(n: int, body: BodyInfo, person: int, role: str, ends_on: dt.date | None = None) -> MembershipInfo:
    return MembershipInfo(uid(500 + n), body.id, uid(person), role, dt.date(2024, 1, 1), ends_on)


DIRECTORY = Directory(
    city="Hamm",
    districts={"pelkum": "Hamm-Pelkum", "mitte": "Hamm-Mitte", "heessen": "Hamm-Heessen"},
    social_areas={"westen": "Sozialraum Hammer Westen", "norden": "Hamm-Norden"},
    bodies=(CR_WESTEN, CR_NORDEN, LK, BV_PELKUM, BV_MITTE, BV_HEESSEN),
    memberships=(
        membership(1, CR_WESTEN, 1, "chair"),
        membership(2, CR_WESTEN, 2, "chair", ends_on=dt.date(2026, 12, 31)),
        membership(3, CR_WESTEN, 3, "deputy"),
        membership(4, CR_NORDEN, 4, "chair"),
        membership(5, LK, 5, "member"),
        membership(6, BV_PELKUM, 5, "deputy"),
        membership(7, BV_PELKUM, 6, "member"),
        membership(8, BV_MITTE, 7, "guest"),
        membership(9, BV_MITTE, 8, "chair"),
        membership(10, BV_HEESSEN, 9, "member"),
        membership(11, CR_WESTEN, 10, "chair"),
    ),
    persons={uid(k): PersonInfo(uid(k), name=name, email=mail, erased=k == 10) for k, (name, mail) in PEOPLE.items()},
)


def names(recipients: tuple[MailRecipient, ...]) -> list[str]:
    return [r.name for r in recipients]


# ---------------------------------------------------------------- recipients


def test_the_area_coordinator_is_the_active_chair_of_the_areas_coordination_round() -> None:
    [anna] = n.area_coordinators(DIRECTORY, "westen", DAY)
    assert (anna.person_id, anna.email) == (uid(1), "anna@westen.example")
    assert anna.reasons == (
        "Stadtteilkoordination, Sozialraum Hammer Westen (Vorsitz: Koordinierungsrunde Hammer Westen)",
    )
    assert names(n.area_coordinators(DIRECTORY, "norden", DAY)) == ["Dana Norden"]
    # before the former chair's term ended, both chaired
    assert names(n.area_coordinators(DIRECTORY, "westen", dt.date(2026, 6, 1))) == [
        "Anna Koordination",
        "Bert Vorgänger",
    ]
    assert n.area_coordinators(DIRECTORY, "uentrop", DAY) == ()


def test_evaluation_goes_to_the_steering_committee_and_the_councils_of_the_districts() -> None:
    found = n.evaluation_recipients(DIRECTORY, ["pelkum", "mitte"], True, DAY)
    by_name = {r.name: r for r in found}
    assert list(by_name) == ["Emil Lenkung", "Frieda Pelkum", "Hanna Mitte"]  # no guest, not Heessen
    assert by_name["Emil Lenkung"].reasons == (
        "Mitglied: Lenkungskreis",
        "Stellvertretung: Bezirksvertretung Hamm-Pelkum",
    )
    assert by_name["Frieda Pelkum"].email == ""  # kept: the delivery records that it could not be sent
    assert by_name["Hanna Mitte"].reasons == ("Vorsitz: Bezirksvertretung Hamm-Mitte",)


def test_without_the_steering_committee_only_the_councils() -> None:
    found = n.evaluation_recipients(DIRECTORY, ["heessen"], False, DAY)
    assert [(r.name, r.reasons) for r in found] == [("Ida Heessen", ("Mitglied: Bezirksvertretung Hamm-Heessen",))]
    only_lk = n.evaluation_recipients(DIRECTORY, [], True, DAY, {"member": "Mitglied im Gremium"})
    assert [(r.name, r.reasons) for r in only_lk] == [("Emil Lenkung", ("Mitglied im Gremium: Lenkungskreis",))]


# ---------------------------------------------------------------- texts

STEPS = {
    "draft": "Entwurf",
    "hearings": "Anhörungen",
    "final": "Plan final",
    "mid_year_review": "Halbjahresbilanz",
    "evaluation": "Auswertung",
}


@pytest.mark.parametrize(("step", "label"), list(STEPS.items()))
def test_the_deadline_notice_names_the_step_the_date_and_links_the_plan(step: str, label: str) -> None:
    notice = n.deadline_notice(
        DIRECTORY,
        plan_id=PLAN,
        social_area_key="westen",
        year=2027,
        step=step,
        due_on=dt.date(2027, 7, 31),
        days_left=11,
        public_base_url=BASE + "/",
    )
    assert notice.notice_key == f"deadline/{PLAN}/{step}/2027-07-31"
    assert notice.subject == f"Frist am 31.07.2027: {label} – Jahresplan 2027, Sozialraum Hammer Westen"
    assert f"{label}: fällig am 31.07.2027 (in 11 Tagen)." in notice.lines
    assert notice.lines[0] == "für den Jahresplan 2027 im Sozialraum Hammer Westen ist bald ein Schritt fällig."
    assert notice.links == (("Zum Jahresplan 2027", f"{BASE}/jahresplaene/{PLAN}"),)


def test_days_left_in_words_and_an_unknown_step() -> None:
    assert [n.days_left_text(d) for d in (0, 1, 2)] == ["heute", "morgen", "in 2 Tagen"]
    notice = n.deadline_notice(
        DIRECTORY,
        plan_id=PLAN,
        social_area_key="norden",
        year=2028,
        step="something_new",
        due_on=dt.date(2028, 1, 2),
        days_left=1,
        public_base_url=BASE,
    )
    assert notice.subject == "Frist am 02.01.2028: something_new – Jahresplan 2028, Sozialraum Hamm-Norden"
    assert "something_new: fällig am 02.01.2028 (morgen)." in notice.lines


@pytest.mark.parametrize(("kind", "label"), [("mid_year_review", "Halbjahresbilanz"), ("evaluation", "Auswertung")])
def test_the_evaluation_notice_links_the_evaluations_and_the_plan(kind: str, label: str) -> None:
    notice = n.evaluation_notice(
        DIRECTORY, plan_id=PLAN, social_area_key="westen", year=2027, kind=kind, public_base_url=BASE
    )
    assert notice.notice_key == f"{kind}/{PLAN}"
    assert notice.subject == f"{label} 2027 liegt vor: Sozialraum Hammer Westen"
    assert notice.lines[0] == f"die {label} des Jahresplans 2027 für den Sozialraum Hammer Westen liegt vor."
    assert notice.links == (
        ("Zu den Auswertungen 2027", f"{BASE}/auswertungen?jahr=2027"),
        ("Zum Jahresplan 2027, Sozialraum Hammer Westen", f"{BASE}/jahresplaene/{PLAN}"),
    )


# ---------------------------------------------------------------- the mail


def parse(msg: EmailMessage) -> EmailMessage:
    parsed = email.message_from_bytes(msg.as_bytes(), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def body_of(msg: EmailMessage, subtype: str) -> str:
    part = msg.get_body((subtype,))
    assert part is not None
    text = part.get_content()
    assert isinstance(text, str)
    return text.replace("\r\n", "\n")


ANNA = MailRecipient(uid(1), "Anna Koordination", "anna@westen.example", ("Vorsitz: Koordinierungsrunde",))


def test_a_notice_is_text_and_html_without_a_calendar() -> None:
    notice = n.deadline_notice(
        DIRECTORY,
        plan_id=PLAN,
        social_area_key="westen",
        year=2027,
        step="mid_year_review",
        due_on=dt.date(2027, 7, 31),
        days_left=11,
        public_base_url=BASE,
    )
    msg = parse(build_notice_message(notice, ANNA, sender=SENDER, message_id="abc123", now=NOW))
    assert list(msg.keys()) == list(NOTICE_HEADERS)
    assert msg["Subject"] == notice.subject
    assert msg["To"].addresses[0].addr_spec == "anna@westen.example"
    assert msg["From"].addresses[0].addr_spec == SENDER
    assert msg["Message-ID"] == "<abc123@quartier.hamm.example>"
    assert msg.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in msg.walk()] == ["multipart/alternative", "text/plain", "text/html"]
    text = body_of(msg, "plain")
    assert text.startswith("Guten Tag Anna Koordination,\n")
    assert "Halbjahresbilanz: fällig am 31.07.2027 (in 11 Tagen)." in text
    assert f"Zum Jahresplan 2027:\n{BASE}/jahresplaene/{PLAN}" in text
    assert "Sie erhalten diese Nachricht, weil:\n- Vorsitz: Koordinierungsrunde" in text
    html = body_of(msg, "html")
    assert f'<a href="{BASE}/jahresplaene/{PLAN}">Zum Jahresplan 2027</a>' in html
    assert '<html lang="de">' in html


def test_links_that_are_not_http_are_dropped_and_html_is_escaped() -> None:
    notice = MailNotice(
        "test/escape",
        "Hallo <b>",
        ("<script>alert(1)</script>",),
        (("böse", "javascript:alert(1)"), ("gut", "https://example.org/a?b=1&c=2")),
    )
    msg = parse(build_notice_message(notice, ANNA, sender=SENDER, message_id="x", now=NOW))
    html = body_of(msg, "html")
    assert "javascript" not in html and "javascript" not in body_of(msg, "plain")
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'href="https://example.org/a?b=1&amp;c=2"' in html
    assert safe_url("ftp://x.example") == "" and safe_url(" http://x.example/a b ") == "http://x.example/ab"


NASTY = st.sampled_from(
    ["\r", "\n", "\r\n", "\x00", "\x1b", "\u2028", "\x85", "Bcc: a@b.de", "=?utf-8?q?x?=", "<", '"']
)
HOSTILE = st.lists(st.one_of(NASTY, st.text(max_size=30)), max_size=40).map("".join)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(subject=HOSTILE, name=HOSTILE, lines=st.lists(HOSTILE, max_size=4), label=HOSTILE, reason=HOSTILE)
def test_hostile_input_keeps_exactly_the_intended_headers(
    subject: str, name: str, lines: list[str], label: str, reason: str
) -> None:
    notice = MailNotice("test/hostile", subject, tuple(lines), ((label, "https://example.org/x"),))
    recipient = MailRecipient(uid(1), name, "someone@example.org", (reason,))
    msg = parse(build_notice_message(notice, recipient, sender=SENDER, message_id="m1", now=NOW))
    assert list(msg.keys()) == list(NOTICE_HEADERS)
    assert [a.addr_spec for a in msg["To"].addresses] == ["someone@example.org"]
    assert "\n" not in str(msg["Subject"]) and "\r" not in str(msg["Subject"])
    assert not msg.defects


# ---------------------------------------------------------------- the consumers


def test_the_consumers_take_the_deadlines_and_the_distributions_and_record_the_rest() -> None:
    config = NoticeConfig(BASE)
    planning = cn.planning_notices_consumer(config)
    assert planning.name == "invitations.planning-notices" and planning.topic == PLANNING_PLANS
    plan_events = {cls for cls in EVENT_TYPES.values() if getattr(cls, "topic", None) == PLANNING_PLANS.name}
    assert set(planning.handlers) == plan_events
    assert planning.handlers[PlanDrafted] is cn.ignore and planning.handlers[DeadlineApproaching] is not cn.ignore
    reporting = cn.reporting_notices_consumer(config)
    assert reporting.name == "invitations.reporting-notices"
    assert set(reporting.handlers) == {EvaluationDistributed, AnnualReportPublished}
    assert reporting.handlers[AnnualReportPublished] is cn.ignore
    assert reporting.handlers[EvaluationDistributed] is not cn.ignore
    names = [c.name for c in cn.notice_consumers(config)]
    assert names == ["invitations.planning-notices", "invitations.reporting-notices"]


# ---------------------------------------------------------------- on the real database

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
    async with pool.acquire() as conn:
        tx = conn.transaction()
        await tx.start()
        for table in TABLES:
            await conn.execute(f"DELETE FROM {table}")
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
        try:
            yield conn
        finally:
            await tx.rollback()


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
