"""Meetings and recipients for the mail tests, and parsing a message back as a mail client would."""

from __future__ import annotations

import datetime as dt
import email
import uuid
from dataclasses import replace
from email import policy
from email.message import EmailMessage

import icalendar

from quartier_invitations.domain.delivery import MailKind, MailMeeting, MailRecipient, build_message

NOW = dt.datetime(2027, 2, 1, 9, 30, tzinfo=dt.UTC)
MEETING_ID = uuid.UUID("6a1f2c3d-0000-4000-8000-000000000001")
PERSON_ID = uuid.UUID("6a1f2c3d-0000-4000-8000-0000000000aa")
SENDER = "einladungen@quartier.hamm.example"


def meeting(**changes: object) -> MailMeeting:
    base = MailMeeting(
        meeting_id=MEETING_ID,
        uid=f"{MEETING_ID}@quartier",
        sequence=0,
        title="Stadtteilkonferenz „Wir in Pelkum“",
        body_name="Stadtteilkonferenz Westen",
        starts_at=dt.datetime(2027, 3, 12, 16, 0, tzinfo=dt.UTC),
        ends_at=dt.datetime(2027, 3, 12, 18, 0, tzinfo=dt.UTC),
        timezone="Europe/Berlin",
        location_text="Stadtteilzentrum Pelkum, Kamener Straße 1",
        online_url=None,
        agenda=("Begrüßung", "Jahresplan 2028", "Verschiedenes"),
        description="Wir sprechen über den Jahresplan.\nAlle sind willkommen.",
        organiser_name="Koordination Westen",
        organiser_email="koordination.westen@hamm.example",
        signatories=("Anna Beispiel, Sozialraumkoordination", "Bernd Muster, Bezirksbürgermeister"),
        public_url="https://quartier.hamm.example/oeffentlich/sozialraeume/westen",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def recipient(**changes: object) -> MailRecipient:
    base = MailRecipient(
        person_id=PERSON_ID,
        name="Claudia Müller",
        email="claudia.mueller@example.org",
        reasons=("Mitglied der Bezirksvertretung Pelkum",),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def build(
    m: MailMeeting | None = None,
    r: MailRecipient | None = None,
    kind: MailKind = "invitation",
    answer_url: str | None = "https://quartier.hamm.example/einladung/v1.abc.def",
) -> EmailMessage:
    return build_message(
        m or meeting(),
        r or recipient(),
        kind,
        sender=SENDER,
        message_id="0f0e0d0c0b0a",
        answer_url=answer_url,
        now=NOW,
    )


def parse(raw: bytes) -> EmailMessage:
    parsed = email.message_from_bytes(raw, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def calendar_part(msg: EmailMessage) -> EmailMessage:
    parts = [p for p in msg.walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1
    part = parts[0]
    assert isinstance(part, EmailMessage)
    return part


def calendar_of(msg: EmailMessage) -> icalendar.Calendar:
    data = calendar_part(msg).get_payload(decode=True)
    assert isinstance(data, bytes)
    return icalendar.Calendar.from_ical(data)


def the_event(cal: icalendar.Calendar) -> icalendar.Event:
    events = cal.walk("VEVENT")
    assert len(events) == 1, f"{len(events)} VEVENTs"
    event = events[0]
    assert isinstance(event, icalendar.Event)
    return event
