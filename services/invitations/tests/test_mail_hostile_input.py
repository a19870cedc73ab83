"""Hostile titles, names and descriptions (CR, LF, NUL, other control characters, 10,000 characters):
every message still parses back with exactly the intended headers, and its .ics with exactly one VEVENT."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quartier_invitations.domain.delivery import HEADERS, MAIL_KINDS, MailKind, header_text, subject

from .mail_fixtures import build, calendar_of, meeting, parse, recipient, the_event

NASTY = st.sampled_from(
    [
        "\r",
        "\n",
        "\r\n",
        "\x00",
        "\x0b",
        "\x0c",
        "\x1b",
        "\u2028",
        "\x85",
        ":",
        ";",
        ",",
        "<",
        ">",
        "=?utf-8?q?x?=",
        "Bcc: a@b.de",
        "\t",
        " ",
        '"',
        "\\",
        "BEGIN:VEVENT",
        "END:VCALENDAR",
    ]
)
HOSTILE = st.lists(st.one_of(NASTY, st.text(max_size=40)), max_size=60).map("".join)
LONG = st.one_of(HOSTILE, st.integers(9_000, 10_000).map(lambda n: ("Ä\r\n\x00x" * n)[:n]))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    title=LONG,
    body_name=HOSTILE,
    name=HOSTILE,
    description=LONG,
    agenda=st.lists(HOSTILE, max_size=5),
    reasons=st.lists(HOSTILE, max_size=3),
    location=HOSTILE,
    kind=st.sampled_from(MAIL_KINDS),
)
def test_hostile_input_keeps_exactly_the_intended_headers(
    title: str,
    body_name: str,
    name: str,
    description: str,
    agenda: list[str],
    reasons: list[str],
    location: str,
    kind: MailKind,
) -> None:
    m = meeting(
        title=title,
        body_name=body_name,
        description=description,
        agenda=tuple(agenda),
        location_text=location,
        organiser_name=name,
        signatories=(name,),
    )
    r = recipient(name=name, reasons=tuple(reasons))
    raw = build(m, r, kind).as_bytes()
    raw.decode("ascii")
    msg = parse(raw)
    assert list(msg.keys()) == list(HEADERS)
    assert not msg.defects
    # The subject survives; only a space between two encoded words may be lost (the e-mail API's folding).
    assert msg["Subject"].replace(" ", "") == subject(m, kind).replace(" ", "")
    assert "\n" not in msg["Subject"] and "\r" not in msg["Subject"]
    assert [a.addr_spec for a in msg["To"].addresses] == ["claudia.mueller@example.org"]
    # The display name survives (the e-mail API may fold long encoded names with an extra space).
    assert msg["To"].addresses[0].display_name.replace(" ", "") == header_text(name, 120).replace(" ", "")
    for part in msg.walk():
        assert not part.defects
    event = the_event(calendar_of(msg))
    assert str(event["UID"]) == str(m.uid)
    summary = str(event["SUMMARY"])
    assert "\r" not in summary and "\n" not in summary and "\x00" not in summary
