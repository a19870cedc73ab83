"""Delivery of invitation mails through the real invitations service and a real SMTP server (aiosmtpd) on
loopback: the mail and its .ics as received, update and cancel with a stable UID and a rising SEQUENCE,
the answer through the signed link (API and the gateway's public page), a 550 recipient recorded as
bounced, a 451 retried, and enqueueing twice (a replay) sending one mail."""

from __future__ import annotations

import datetime as dt
import email
import json
import re
import uuid
from collections.abc import AsyncIterator
from email import policy
from html.parser import HTMLParser

import asyncpg
import httpx
import icalendar
import pytest

from quartier_invitations.domain.delivery import HEADERS, MailKind, MailMeeting, MailRecipient
from quartier_invitations.service.delivery import enqueue_mails
from tests.support import smtp as smtp_support
from tests.support.helpers import eventually, pool_as
from tests.support.smtp import ReceivedMail, SmtpSink
from tests.support.stack import Stack

# the session fixtures of tests/support/smtp.py: the SMTP server, and the stack with invitations sending to it
smtp_sink = smtp_support.smtp_sink
mail_stack = smtp_support.mail_stack

LINK = re.compile(r"https?://\S+/einladung/(v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)")


@pytest.fixture
async def pool(mail_stack: Stack) -> AsyncIterator[asyncpg.Pool]:
    pool = await pool_as(mail_stack.env, "invitations", min_size=1, max_size=2)
    yield pool
    await pool.close()


def a_meeting(
    sequence: int = 0, start: dt.datetime | None = None, title: str = "Stadtteilkonferenz Westen"
) -> MailMeeting:
    meeting_id = uuid.uuid4()
    start = start or dt.datetime(2030, 3, 12, 16, 0, tzinfo=dt.UTC)
    return MailMeeting(
        meeting_id=meeting_id,
        uid=f"{meeting_id}@quartier",
        sequence=sequence,
        title=title,
        body_name="Stadtteilkonferenz Westen",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        timezone="Europe/Berlin",
        location_text="Stadtteilzentrum Pelkum",
        online_url=None,
        agenda=("Jahresplan", "Verschiedenes"),
        description="Alle sind willkommen.",
        organiser_name="Koordination Westen",
        organiser_email="koordination.westen@hamm.example",
        signatories=("Koordination Westen", "Bezirksbürgermeister:in Pelkum"),
        public_url=None,
    )


def someone(name: str = "Dora Beispiel") -> MailRecipient:
    person_id = uuid.uuid4()
    return MailRecipient(person_id, name, f"p-{person_id.hex[:12]}@example.org", ("Mitglied der Koordinierungsrunde",))


def moved(meeting: MailMeeting, days: int, sequence: int) -> MailMeeting:
    from dataclasses import replace

    return replace(
        meeting,
        sequence=sequence,
        starts_at=meeting.starts_at + dt.timedelta(days=days),
        ends_at=meeting.ends_at + dt.timedelta(days=days),
    )


async def enqueue(pool: asyncpg.Pool, meeting: MailMeeting, recipients: list[MailRecipient], kind: MailKind) -> int:
    async with pool.acquire() as conn, conn.transaction():
        return await enqueue_mails(conn, meeting, recipients, kind)


def event_of(mail: ReceivedMail) -> tuple[str, icalendar.Event]:
    msg = mail.message
    parts = [p for p in msg.walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1
    data = parts[0].get_payload(decode=True)
    assert isinstance(data, bytes)
    cal = icalendar.Calendar.from_ical(data)
    events = cal.walk("VEVENT")
    assert len(events) == 1
    event = events[0]
    assert isinstance(event, icalendar.Event)
    return str(cal["METHOD"]), event


def text_of(mail: ReceivedMail) -> str:
    body = mail.message.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert isinstance(text, str)
    return text


def token_of(mail: ReceivedMail) -> str:
    found = LINK.search(text_of(mail))
    assert found, text_of(mail)
    return found.group(1)


async def deliveries(stack: Stack, meeting: MailMeeting) -> list[dict[str, object]]:
    async with httpx.AsyncClient(base_url=stack.url("invitations")) as client:
        response = await client.get("/api/v1/deliveries", params={"meeting_id": str(meeting.meeting_id)})
    assert response.status_code == 200
    result: list[dict[str, object]] = response.json()
    return result


async def outbox_events(pool: asyncpg.Pool, event_type: str, meeting: MailMeeting) -> list[dict[str, object]]:
    rows = await pool.fetch(
        "SELECT payload::text FROM outbox WHERE event_type = $1 AND partition_key = $2 ORDER BY id",
        f"quartier.invitations.{event_type}.v1",
        f"meeting/{meeting.meeting_id}",
    )
    return [json.loads(r[0]) for r in rows]


async def test_an_invitation_arrives_with_its_calendar(
    mail_stack: Stack, smtp_sink: SmtpSink, pool: asyncpg.Pool
) -> None:
    meeting, person = a_meeting(), someone("Emil Müller")
    assert await enqueue(pool, meeting, [person], "invitation") == 1

    [mail] = smtp_sink.wait_for(person.email)
    msg = email.message_from_bytes(mail.raw, policy=policy.default)
    assert list(msg.keys()) == list(HEADERS)
    assert msg["To"].addresses[0].addr_spec == person.email
    assert msg["Subject"] == "Einladung: Stadtteilkonferenz Westen am 12.03.2030"
    assert mail.rcpt_tos == (person.email,)
    assert "Guten Tag Emil Müller," in text_of(mail)
    assert "Wann: 12.03.2030, 17:00–19:00 Uhr" in text_of(mail)
    method, event = event_of(mail)
    assert method == "REQUEST"
    assert str(event["UID"]) == meeting.uid
    assert int(str(event["SEQUENCE"])) == 0
    assert event.decoded("DTSTART") == meeting.starts_at
    assert f"mailto:{person.email}" == str(event["ATTENDEE"])

    [row] = await eventually(lambda: _sent(mail_stack, meeting))
    assert row["to"] == person.email and row["kind"] == "invitation" and row["sequence"] == 0
    assert row["person_id"] == str(person.person_id)
    [sent] = await eventually(lambda: outbox_events(pool, "InvitationSent", meeting))
    assert sent["delivery_id"] == row["id"] and sent["person_id"] == str(person.person_id)
    assert "example.org" not in json.dumps(sent)  # no address in the event
    async with httpx.AsyncClient(base_url=mail_stack.url("invitations")) as client:
        metrics = (await client.get("/metrics")).text
        asyncapi = (await client.get("/asyncapi.json")).text
    assert 'quartier_mails_sent_total{kind="invitation"}' in metrics
    for name in ("InvitationSent", "InvitationBounced", "InvitationAnswered"):
        assert f"quartier.invitations.{name}.v1" in asyncapi


async def _sent(stack: Stack, meeting: MailMeeting) -> list[dict[str, object]]:
    rows = await deliveries(stack, meeting)
    return rows if rows and all(r["status"] == "sent" for r in rows) else []


async def test_reschedule_and_cancel_keep_the_uid_and_raise_the_sequence(
    mail_stack: Stack, smtp_sink: SmtpSink, pool: asyncpg.Pool
) -> None:
    meeting, person = a_meeting(), someone()
    await enqueue(pool, meeting, [person], "invitation")
    smtp_sink.wait_for(person.email, 1)
    rescheduled = moved(meeting, 7, sequence=1)
    assert await enqueue(pool, rescheduled, [person], "update") == 1
    smtp_sink.wait_for(person.email, 2)
    cancelled = moved(meeting, 7, sequence=2)
    assert await enqueue(pool, cancelled, [person], "cancellation") == 1
    mails = smtp_sink.wait_for(person.email, 3)

    calendars = [event_of(m) for m in mails]
    assert [method for method, _ in calendars] == ["REQUEST", "REQUEST", "CANCEL"]
    assert {str(e["UID"]) for _, e in calendars} == {meeting.uid}
    assert [int(str(e["SEQUENCE"])) for _, e in calendars] == [0, 1, 2]
    assert calendars[1][1].decoded("DTSTART") == meeting.starts_at + dt.timedelta(days=7)
    assert str(calendars[2][1]["STATUS"]) == "CANCELLED"
    assert [m.message["Subject"].split(":")[0] for m in mails] == ["Einladung", "Termin geändert", "Abgesagt"]
    rows = await eventually(lambda: _sent(mail_stack, meeting))
    assert [(r["kind"], r["sequence"]) for r in rows] == [("invitation", 0), ("update", 1), ("cancellation", 2)]


async def test_enqueueing_twice_or_replaying_sends_one_mail(
    mail_stack: Stack, smtp_sink: SmtpSink, pool: asyncpg.Pool
) -> None:
    meeting, person, other = a_meeting(), someone(), someone("Fritz Zweite")
    assert await enqueue(pool, meeting, [person, other], "invitation") == 2
    # the same call again, as a replayed event would make it: nothing new
    assert await enqueue(pool, meeting, [person, other], "invitation") == 0
    assert await enqueue(pool, meeting, [other, person], "invitation") == 0
    assert await pool.fetchval("SELECT count(*) FROM deliveries WHERE meeting_id = $1", meeting.meeting_id) == 2
    smtp_sink.wait_for(person.email, 1)
    # A later mail to the same person is sent after the first: once it is there, any second copy of the
    # invitation would be too.
    assert await enqueue(pool, meeting, [person], "reminder") == 1
    mails = smtp_sink.wait_for(person.email, 2)
    assert [m.message["Subject"].split(":")[0] for m in mails] == ["Einladung", "Erinnerung"]
    assert len(smtp_sink.to(other.email)) == 1
    # replaying after sending does not send again either
    assert await enqueue(pool, meeting, [person, other], "invitation") == 0
    rows = await eventually(lambda: _sent(mail_stack, meeting))
    assert sorted(str(r["kind"]) for r in rows) == ["invitation", "invitation", "reminder"]
    assert len(await outbox_events(pool, "InvitationSent", meeting)) == 3


async def test_a_refused_recipient_is_recorded_as_bounced_and_not_retried(
    mail_stack: Stack, smtp_sink: SmtpSink, pool: asyncpg.Pool
) -> None:
    meeting, unknown, known = a_meeting(), someone("Gabi Unbekannt"), someone("Hans Bekannt")
    smtp_sink.refuse(unknown.email)
    await enqueue(pool, meeting, [unknown], "invitation")
    await enqueue(pool, meeting, [known], "invitation")
    smtp_sink.wait_for(known.email)

    async def bounced() -> list[dict[str, object]]:
        return [r for r in await deliveries(mail_stack, meeting) if r["status"] == "bounced"]

    [row] = await eventually(bounced)
    assert row["to"] == unknown.email and row["smtp_code"] == 550
    assert "550" in str(row["error"])
    assert row["attempts"] == 1
    [event] = await eventually(lambda: outbox_events(pool, "InvitationBounced", meeting))
    assert event["person_id"] == str(unknown.person_id) and event["smtp_code"] == 550
    assert smtp_sink.to(unknown.email) == []
    # a later mail to someone else goes out; the bounced one is never tried again
    later = someone()
    await enqueue(pool, meeting, [later], "invitation")
    smtp_sink.wait_for(later.email)
    [again] = await bounced()
    assert again["attempts"] == 1


async def test_a_temporary_refusal_is_retried_until_it_is_delivered(
    mail_stack: Stack, smtp_sink: SmtpSink, pool: asyncpg.Pool
) -> None:
    meeting, person = a_meeting(), someone("Ida Später")
    smtp_sink.defer(person.email)
    await enqueue(pool, meeting, [person], "invitation")

    async def postponed() -> list[dict[str, object]]:
        rows = await deliveries(mail_stack, meeting)
        return [r for r in rows if r["status"] == "pending" and int(str(r["attempts"])) >= 2]

    [row] = await eventually(postponed)
    assert "451" in str(row["error"])
    assert smtp_sink.to(person.email) == []
    smtp_sink.defer(person.email, on=False)
    smtp_sink.wait_for(person.email)
    [sent] = await eventually(lambda: _sent(mail_stack, meeting))
    assert sent["error"] is None


async def test_an_address_that_is_not_one_is_recorded_not_sent(mail_stack: Stack, pool: asyncpg.Pool) -> None:
    meeting = a_meeting()
    broken = MailRecipient(uuid.uuid4(), "Jana Ohne", "keine adresse\r\nBcc: x@example.org", ())
    assert await enqueue(pool, meeting, [broken], "invitation") == 0
    [row] = await deliveries(mail_stack, meeting)
    assert row["status"] == "failed"
    assert "Keine gültige E-Mail-Adresse" in str(row["error"])


async def test_answer_through_the_signed_link(mail_stack: Stack, smtp_sink: SmtpSink, pool: asyncpg.Pool) -> None:
    meeting, person = a_meeting(), someone("Karl Antwort")
    await enqueue(pool, meeting, [person], "invitation")
    [mail] = smtp_sink.wait_for(person.email)
    token = token_of(mail)
    assert f"{mail_stack.url('gateway')}/einladung/{token}" in text_of(mail)

    async with httpx.AsyncClient(base_url=mail_stack.url("invitations")) as client:
        view = await client.get(f"/api/v1/answers/{token}")
        assert view.status_code == 200
        assert view.json()["meeting"]["title"] == "Stadtteilkonferenz Westen"
        assert view.json()["answer"] is None
        assert view.json()["name"] == "Karl Antwort"

        answered = await client.post(f"/api/v1/answers/{token}", json={"answer": "accept"})
        assert answered.status_code == 200 and answered.json()["answer"] == "accept"
        again = await client.post(f"/api/v1/answers/{token}", json={"answer": "accept"})
        assert again.status_code == 200
        assert len(await outbox_events(pool, "InvitationAnswered", meeting)) == 1  # same answer: no new event
        changed = await client.post(f"/api/v1/answers/{token}", json={"answer": "decline"})
        assert changed.json()["answer"] == "decline"
        events = await outbox_events(pool, "InvitationAnswered", meeting)
        assert [(e["person_id"], e["answer"]) for e in events] == [
            (str(person.person_id), "accept"),
            (str(person.person_id), "decline"),
        ]
        answers = (await client.get(f"/api/v1/meetings/{meeting.meeting_id}/answers")).json()
        assert [(a["person_id"], a["name"], a["answer"]) for a in answers] == [
            (str(person.person_id), "Karl Antwort", "decline")
        ]

        head, payload, mac = token.split(".")
        forged = f"{head}.{payload}.{'A' * len(mac)}"
        for bad in (forged, "v1.nichts.da", token[:-3] + ("abc" if token[-3:] != "abc" else "xyz")):
            refused = await client.post(f"/api/v1/answers/{bad}", json={"answer": "accept"})
            assert refused.status_code == 403
            assert refused.json()["detail"].startswith("Dieser Link ist ungültig")
        assert (await client.get(f"/api/v1/answers/{forged}")).status_code == 403
        wrong = await client.post(f"/api/v1/answers/{token}", json={"answer": "vielleicht"})
        assert wrong.status_code == 422

    # after a cancellation an answer is no longer taken
    await enqueue(pool, moved(meeting, 0, sequence=1), [person], "cancellation")
    async with httpx.AsyncClient(base_url=mail_stack.url("invitations")) as client:
        late = await client.post(f"/api/v1/answers/{token}", json={"answer": "accept"})
        assert late.status_code == 409 and "abgesagt" in late.json()["detail"]
        assert (await client.get(f"/api/v1/answers/{token}")).json()["cancelled"] is True


class _Inputs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "input" and a.get("name"):
            self.values[str(a["name"])] = a.get("value") or ""


async def test_answer_through_the_gateway_page_without_login(
    mail_stack: Stack, smtp_sink: SmtpSink, pool: asyncpg.Pool
) -> None:
    meeting, person = a_meeting(title="Koordinierungsrunde Norden"), someone("Lena Seite")
    await enqueue(pool, meeting, [person], "invitation")
    token = token_of(smtp_sink.wait_for(person.email)[0])

    async with httpx.AsyncClient(base_url=mail_stack.url("gateway")) as browser:
        page = await browser.get(f"/einladung/{token}")
        assert page.status_code == 200
        assert "Einladung: Koordinierungsrunde Norden" in page.text
        assert "Sie haben noch nicht geantwortet." in page.text
        assert "12.03.2030, 17:00–19:00 Uhr" in page.text
        form = _Inputs()
        form.feed(page.text)
        csrf = form.values["csrf_token"]
        assert browser.cookies.get("quartier_csrf") == csrf

        # without the CSRF token nothing is taken
        refused = await browser.post(f"/einladung/{token}", data={"antwort": "absage"})
        assert refused.status_code == 403
        assert await outbox_events(pool, "InvitationAnswered", meeting) == []

        saved = await browser.post(f"/einladung/{token}", data={"antwort": "absage", "csrf_token": csrf})
        assert saved.status_code == 303
        done = await browser.get(saved.headers["location"])
        assert done.status_code == 200
        assert "Vielen Dank! Ihre Absage ist gespeichert." in done.text
        assert "Sie haben abgesagt." in done.text
        [event] = await outbox_events(pool, "InvitationAnswered", meeting)
        assert event["answer"] == "decline"

        missing = await browser.post(f"/einladung/{token}", data={"csrf_token": csrf})
        assert missing.status_code == 422
        assert "Bitte wählen Sie" in missing.text

        head, payload, mac = token.split(".")
        forged = await browser.get(f"/einladung/{head}.{payload}.{'A' * len(mac)}")
        assert forged.status_code == 403
        assert "Dieser Link ist ungültig" in forged.text
        assert (await browser.get("/einladung/%3Cscript%3E")).status_code == 403
