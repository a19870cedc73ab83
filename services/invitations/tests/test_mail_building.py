"""Building the mails of a meeting and parsing them back as a mail client would: exact headers, the parts,
one VEVENT with a stable UID and a SEQUENCE that rises across an update and a cancel."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from quartier_invitations.domain.delivery import HEADERS, InvalidMail, clean_line, clean_text, subject, valid_address

from .mail_fixtures import (
    MEETING_ID,
    NOW,
    SENDER,
    build,
    calendar_of,
    calendar_part,
    meeting,
    parse,
    recipient,
    the_event,
)

INTENDED = list(HEADERS)


def test_an_invitation_has_exactly_the_intended_headers() -> None:
    raw = build().as_bytes()
    raw.decode("ascii")  # 7-bit clean on the wire: encoded words, quoted-printable and base64
    msg = parse(raw)
    assert list(msg.keys()) == INTENDED
    assert msg["From"].addresses[0].addr_spec == SENDER
    assert msg["From"].addresses[0].display_name == "Koordination Westen"
    assert msg["To"].addresses[0].addr_spec == "claudia.mueller@example.org"
    assert msg["To"].addresses[0].display_name == "Claudia Müller"
    assert msg["Reply-To"].addresses[0].addr_spec == "koordination.westen@hamm.example"
    assert msg["Subject"] == "Einladung: Stadtteilkonferenz „Wir in Pelkum“ am 12.03.2027"
    assert msg["Date"].datetime == NOW
    assert msg["Message-ID"] == "<0f0e0d0c0b0a@quartier.hamm.example>"
    assert msg["MIME-Version"] == "1.0"
    assert msg.get_content_type() == "multipart/mixed"
    assert not msg.defects


def test_the_parts_text_html_and_calendar() -> None:
    msg = parse(build().as_bytes())
    assert [p.get_content_type() for p in msg.walk()] == [
        "multipart/mixed",
        "multipart/alternative",
        "text/plain",
        "text/html",
        "text/calendar",
    ]
    body = msg.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert "Guten Tag Claudia Müller," in text
    assert "Wann: 12.03.2027, 17:00–19:00 Uhr" in text  # Europe/Berlin, winter time
    assert "Wo: Stadtteilzentrum Pelkum, Kamener Straße 1" in text
    assert "2. Jahresplan 2028" in text
    assert "- Mitglied der Bezirksvertretung Pelkum" in text
    assert "https://quartier.hamm.example/einladung/v1.abc.def" in text
    assert "Bernd Muster, Bezirksbürgermeister" in text
    html_part = msg.get_body(("html",))
    assert html_part is not None
    html = html_part.get_content()
    assert '<html lang="de">' in html
    assert "„Stadtteilkonferenz „Wir in Pelkum““" in html
    assert '<a href="https://quartier.hamm.example/einladung/v1.abc.def">' in html
    cal = calendar_part(msg)
    assert cal.get_param("method") == "REQUEST"
    assert cal.get_filename() == "einladung.ics"
    assert cal.get_content_disposition() == "attachment"


def test_the_calendar_has_one_event_with_uid_sequence_times_and_people() -> None:
    cal = calendar_of(parse(build().as_bytes()))
    assert str(cal["METHOD"]) == "REQUEST"
    assert str(cal["VERSION"]) == "2.0"
    event = the_event(cal)
    assert str(event["UID"]) == f"{MEETING_ID}@quartier"
    assert int(str(event["SEQUENCE"])) == 0
    assert event.decoded("DTSTART") == dt.datetime(2027, 3, 12, 16, 0, tzinfo=dt.UTC)
    assert event.decoded("DTEND") == dt.datetime(2027, 3, 12, 18, 0, tzinfo=dt.UTC)
    assert str(event["SUMMARY"]) == "Stadtteilkonferenz „Wir in Pelkum“"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["ORGANIZER"]) == "mailto:koordination.westen@hamm.example"
    assert str(event["ATTENDEE"]) == "mailto:claudia.mueller@example.org"
    assert "2. Jahresplan 2028" in str(event["DESCRIPTION"])
    assert str(event["LOCATION"]) == "Stadtteilzentrum Pelkum, Kamener Straße 1"


def test_uid_stays_and_sequence_rises_across_update_and_cancel() -> None:
    first = the_event(calendar_of(parse(build(meeting(sequence=0)).as_bytes())))
    moved = meeting(
        sequence=1,
        starts_at=dt.datetime(2027, 3, 19, 16, 0, tzinfo=dt.UTC),
        ends_at=dt.datetime(2027, 3, 19, 18, 0, tzinfo=dt.UTC),
    )
    update_msg = parse(build(moved, kind="update").as_bytes())
    update_cal = calendar_of(update_msg)
    update = the_event(update_cal)
    cancel_msg = parse(build(replace(moved, sequence=2), kind="cancellation").as_bytes())
    cancel_cal = calendar_of(cancel_msg)
    cancel = the_event(cancel_cal)

    assert str(first["UID"]) == str(update["UID"]) == str(cancel["UID"])
    assert int(str(first["SEQUENCE"])) < int(str(update["SEQUENCE"])) < int(str(cancel["SEQUENCE"]))
    assert str(update_cal["METHOD"]) == "REQUEST"
    assert update.decoded("DTSTART") == dt.datetime(2027, 3, 19, 16, 0, tzinfo=dt.UTC)
    assert update_msg["Subject"].startswith("Termin geändert: ")
    assert str(cancel_cal["METHOD"]) == "CANCEL"
    assert str(cancel["STATUS"]) == "CANCELLED"
    assert calendar_part(cancel_msg).get_param("method") == "CANCEL"
    assert calendar_part(cancel_msg).get_filename() == "absage.ics"
    assert cancel_msg["Subject"].startswith("Abgesagt: ")
    cancel_text = cancel_msg.get_body(("plain",))
    assert cancel_text is not None
    assert "fällt aus" in cancel_text.get_content()
    assert "/einladung/" not in cancel_text.get_content()  # nothing left to answer
    assert list(cancel_msg.keys()) == INTENDED


def test_reminder_subject_and_summer_time() -> None:
    summer = meeting(
        starts_at=dt.datetime(2027, 6, 1, 15, 0, tzinfo=dt.UTC), ends_at=dt.datetime(2027, 6, 1, 17, 0, tzinfo=dt.UTC)
    )
    msg = parse(build(summer, kind="reminder").as_bytes())
    assert msg["Subject"] == "Erinnerung: Stadtteilkonferenz „Wir in Pelkum“ am 01.06.2027"
    body = msg.get_body(("plain",))
    assert body is not None
    assert "Wann: 01.06.2027, 17:00–19:00 Uhr" in body.get_content()


def test_without_a_valid_organiser_address_there_is_no_reply_to_and_the_sender_organises() -> None:
    msg = parse(build(meeting(organiser_email="keine adresse")).as_bytes())
    assert list(msg.keys()) == [h for h in INTENDED if h != "Reply-To"]
    assert str(the_event(calendar_of(msg))["ORGANIZER"]) == f"mailto:{SENDER}"


@pytest.mark.parametrize(
    "address",
    [
        "",
        "keine-adresse",
        "a@b",
        "a b@example.org",
        "a@example.org\r\nBcc: x@y.org",
        "a@@example.org",
        "a@example.org,b@example.org",
        "<a@example.org>",
        "a@exa mple.org",
        "ä@example.org",
        ".a@example.org",
        "a..b@example.org",
        "a@example.org\x00",
        "a@example.org\n",
    ],
)
def test_an_address_that_is_not_one_is_refused(address: str) -> None:
    assert not valid_address(address)
    with pytest.raises(InvalidMail):
        build(r=recipient(email=address))


@pytest.mark.parametrize("address", ["a@example.org", "vorname.nachname+quartier@stadt.hamm.de", "x_y@sub.example.com"])
def test_plain_addresses_are_valid(address: str) -> None:
    assert valid_address(address)


def test_a_title_with_line_breaks_or_nul_cannot_add_headers() -> None:
    hostile = meeting(title="Sitzung\r\nBcc: alle@example.org\r\n\r\nText\x00", body_name="AK\nX-Evil: 1")
    msg = parse(build(hostile, recipient(name="Eva\r\nCc: boss@example.org")).as_bytes())
    assert list(msg.keys()) == INTENDED
    assert msg["Bcc"] is None and msg["Cc"] is None and msg["X-Evil"] is None
    assert msg["Subject"] == "Einladung: Sitzung Bcc: alle@example.org Text am 12.03.2027"
    assert [a.addr_spec for a in msg["To"].addresses] == ["claudia.mueller@example.org"]
    event = the_event(calendar_of(msg))
    assert str(event["SUMMARY"]) == "Sitzung Bcc: alle@example.org Text"


def test_a_10000_character_description_is_shortened() -> None:
    msg = parse(build(meeting(description="Lang " * 2000)).as_bytes())
    body = msg.get_body(("plain",))
    assert body is not None
    assert len(body.get_content()) < 6000
    assert "…" in body.get_content()
    assert len(str(the_event(calendar_of(msg))["DESCRIPTION"])) < 4200


def test_cleaning() -> None:
    assert clean_line(" a\r\nb\x00c\u2028d\te  ") == "a b c d e"
    assert clean_line("x" * 300, 10) == "xxxxxxxxx…"
    assert clean_text("a\r\nb\r\n\r\n\r\n\r\nc\x00") == "a\nb\n\nc"
    assert subject(meeting(title="\r\n"), "invitation") == "Einladung: Sitzung am 12.03.2027"


def test_times_without_zone_are_refused() -> None:
    with pytest.raises(InvalidMail):
        build(meeting(starts_at=dt.datetime(2027, 3, 12, 17, 0)))
