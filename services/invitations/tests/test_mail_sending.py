"""How the sender reads the SMTP server's answers, against a real aiosmtpd server on loopback: accepted is
sent, 550 is a bounce (never retried), 451 and a refused connection are passing troubles (retried with a
growing pause); and the answer link in a mail is signed with the service's secret."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest

from quartier_invitations.domain import answers
from quartier_invitations.service.delivery import DeliveryConfig, _send_blocking, answer_url, backoff
from tests.support.smtp import SmtpSink
from tests.support.stack import free_port

from .mail_fixtures import MEETING_ID, PERSON_ID, SENDER, build, recipient


@pytest.fixture(scope="module")
def sink() -> Iterator[SmtpSink]:
    server = SmtpSink().start()
    yield server
    server.stop()


def config(port: int) -> DeliveryConfig:
    return DeliveryConfig(smtp_port=port, smtp_sender=SENDER, smtp_timeout_seconds=5)


def test_an_accepted_mail_is_sent(sink: SmtpSink) -> None:
    r = recipient(email="angenommen@example.org")
    outcome = _send_blocking(config(sink.port), build(r=r), r.email)
    assert outcome.status == "sent"
    [mail] = sink.to(r.email)
    assert mail.mail_from == SENDER
    assert mail.message["Message-ID"] == "<0f0e0d0c0b0a@quartier.hamm.example>"


def test_a_550_is_a_bounce(sink: SmtpSink) -> None:
    r = recipient(email="unbekannt@example.org")
    sink.refuse(r.email)
    outcome = _send_blocking(config(sink.port), build(r=r), r.email)
    assert (outcome.status, outcome.code) == ("bounced", 550)
    assert "Mailbox unbekannt" in outcome.error
    assert sink.to(r.email) == []


def test_a_451_is_retried(sink: SmtpSink) -> None:
    r = recipient(email="spaeter@example.org")
    sink.defer(r.email)
    outcome = _send_blocking(config(sink.port), build(r=r), r.email)
    assert (outcome.status, outcome.code) == ("retry", 451)


def test_a_refused_connection_is_retried() -> None:
    r = recipient()
    outcome = _send_blocking(config(free_port()), build(r=r), r.email)
    assert outcome.status == "retry"
    assert "nicht erreichbar" in outcome.error


def test_the_pause_grows_and_has_a_ceiling() -> None:
    c = DeliveryConfig(retry_base_seconds=30, retry_max_seconds=3600)
    pauses = [backoff(n, c).total_seconds() for n in range(10)]
    assert pauses[:4] == [30, 60, 120, 240]
    assert pauses == sorted(pauses) and max(pauses) == 3600


def test_the_answer_link_points_to_the_gateway_and_is_signed() -> None:
    c = DeliveryConfig(answer_link_secret=b"s" * 32, public_base_url="https://quartier.hamm.example/")
    claim = answers.AnswerClaim(PERSON_ID, PERSON_ID, MEETING_ID, dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
    url = answer_url(c, claim)
    found = re.fullmatch(r"https://quartier\.hamm\.example/einladung/(v1\.[\w-]+\.[\w-]+)", url)
    assert found
    assert answers.verify(found.group(1), b"s" * 32, dt.datetime(2029, 1, 1, tzinfo=dt.UTC)) == claim
