"""A real SMTP server (aiosmtpd) on loopback for the tests: it collects every message it accepts and can
be told to refuse addresses for good (550) or for now (451).

``smtp_sink`` is a session fixture; tests use their own recipient addresses and look only at their own
mail (``sink.wait_for(address)``)."""

from __future__ import annotations

import atexit
import email
import threading
import time
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tests.support.stack import Stack, free_port


@dataclass(frozen=True)
class ReceivedMail:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.raw, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class CollectingHandler:
    messages: list[ReceivedMail] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    defer: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]) -> str:
        with self.lock:
            if address.lower() in self.refuse:
                return "550 5.1.1 Mailbox unbekannt"
            if address.lower() in self.defer:
                return "451 4.3.0 Bitte spaeter noch einmal"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        with self.lock:
            self.messages.append(ReceivedMail(envelope.mail_from, tuple(envelope.rcpt_tos), bytes(raw)))
        return "250 Message accepted for delivery"


class SmtpSink:
    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.handler = CollectingHandler()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def start(self) -> SmtpSink:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def refuse(self, address: str) -> None:
        """Answer 550 (permanent) to this recipient."""
        with self.handler.lock:
            self.handler.refuse.add(address.lower())

    def defer(self, address: str, on: bool = True) -> None:
        """Answer 451 (try again later) to this recipient while ``on``."""
        with self.handler.lock:
            (self.handler.defer.add if on else self.handler.defer.discard)(address.lower())

    def to(self, address: str) -> list[ReceivedMail]:
        with self.handler.lock:
            return [m for m in self.handler.messages if address.lower() in (r.lower() for r in m.rcpt_tos)]

    def wait_for(self, address: str, count: int = 1, timeout: float = 30) -> list[ReceivedMail]:
        """The mails to ``address`` once there are at least ``count`` of them."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.to(address)
            if len(found) >= count:
                return found
            time.sleep(0.1)
        raise AssertionError(f"{count} mail(s) to {address} expected, got {len(self.to(address))} within {timeout} s")


_session_sink: SmtpSink | None = None


def session_sink() -> SmtpSink:
    """The one SMTP server of this test process, started on first use (the stack points the invitations
    service at it, see ``Stack.service_env``) and stopped at the end of the session."""
    global _session_sink
    if _session_sink is None:
        _session_sink = SmtpSink().start()
        atexit.register(_session_sink.stop)
    return _session_sink


@pytest.fixture(scope="session")
def smtp_sink() -> SmtpSink:
    return session_sink()


@pytest.fixture(scope="session")
def mail_stack(stack: Stack, smtp_sink: SmtpSink) -> Stack:
    """The session's stack with the invitations service running; it sends to ``smtp_sink``."""
    stack.start("invitations")
    return stack
