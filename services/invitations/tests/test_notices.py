"""Notices: who is told about an approaching deadline (the area coordinator) and about a distributed review
or evaluation (Lenkungskreis, Bezirksvertretungen), the German texts, the mail as built (text + HTML, no
calendar, exactly the intended headers even for hostile input) and which consumer takes which event. On the
real database: tests/integration/invitations/test_notices_queue.py."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quartier_invitations.consumers import notices as cn
from quartier_invitations.domain import notices as n
from quartier_invitations.domain.delivery import (
    NOTICE_HEADERS,
    MailNotice,
    MailRecipient,
    build_notice_message,
    safe_url,
)
from quartier_invitations.service.notices import NoticeConfig
from quartier_shared.events.envelope import EVENT_TYPES
from quartier_shared.events.planning import DeadlineApproaching, PlanDrafted
from quartier_shared.events.reporting import AnnualReportPublished, EvaluationDistributed
from quartier_shared.events.topics import PLANNING_PLANS
from services.invitations.tests.notice_fixtures import (
    BASE,
    DAY,
    DIRECTORY,
    NOW,
    PLAN,
    SENDER,
    body_of,
    names,
    parse,
    uid,
)


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
