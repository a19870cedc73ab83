"""Delivery use cases: enqueue mails idempotently, send them in the background, take answers.

**Sending twice.** ``enqueue_mails`` writes one row per (meeting, person, kind, sequence) in the caller's
transaction; the unique key makes a repeated call or a replayed event add nothing. The sender claims one
due row (``FOR UPDATE SKIP LOCKED``, so replicas never send the same row), hands the mail to the SMTP
server and, in the same transaction, marks the row sent and writes ``InvitationSent`` to the outbox. The
one gap no local transaction can close: if the process dies after the SMTP server accepted the mail and
before the commit, the row is still pending and that one mail is sent again (at most once more per
crash); its Message-ID is the same, so mail clients can recognise the duplicate.

**Bounces.** A permanent refusal (SMTP 5xx) marks the row ``bounced`` and announces
``InvitationBounced``; it is not retried. Anything transient (4xx, connection refused, timeout, lost
connection) leaves the row pending with an exponential backoff: nothing is lost. Bounces that arrive
later as a delivery status notification are not read (there is no mailbox to read them from).

**Notices.** ``enqueue_notice`` queues plain mails that are not about a meeting (a Jahresplan's deadline, an
evaluation that is ready) in the same table, idempotent per (notice_key, person): the same sender sends them
with the same retries, bounces and metrics (kind ``notice``); no ``InvitationSent``/``InvitationBounced``
is announced for them (those events belong to a meeting).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import secrets
import smtplib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any, Literal

import asyncpg
from prometheus_client import Counter

from quartier_invitations.db import delivery as db
from quartier_invitations.domain import answers as answer_links
from quartier_invitations.domain.answers import AnswerClaim, InvalidAnswerLink
from quartier_invitations.domain.delivery import (
    MAIL_KINDS,
    NOTICE_KIND,
    InvalidMail,
    MailKind,
    MailMeeting,
    MailNotice,
    MailRecipient,
    build_message,
    build_notice_message,
    notice_key_ok,
    valid_address,
    when_text,
)
from quartier_invitations.settings import SOURCE, settings_of
from quartier_shared import errors
from quartier_shared.events.invitations import InvitationAnswered, InvitationBounced, InvitationSent
from quartier_shared.metrics import REGISTRY
from quartier_shared.outbox import enqueue
from quartier_shared.runtime import ServiceContext

log = logging.getLogger(__name__)

MAILS_SENT = Counter("quartier_mails_sent_total", "Mails the SMTP server accepted.", ["kind"], registry=REGISTRY)
MAILS_BOUNCED = Counter(
    "quartier_mails_bounced_total", "Mails the SMTP server refused for good (5xx).", ["kind"], registry=REGISTRY
)
MAILS_FAILED = Counter(
    "quartier_mails_failed_total",
    "Send attempts that failed for a passing reason (retried later), or mails that could not be built.",
    ["kind", "reason"],
    registry=REGISTRY,
)

INVALID_ADDRESS = "Keine gültige E-Mail-Adresse hinterlegt; die Mail wurde nicht verschickt."
Answer = Literal["accept", "decline"]


class AnswerRefused(errors.DomainError):
    """The answer cannot be taken; ``message`` says why (German)."""

    def __init__(self, message: str) -> None:
        super().__init__("", message)


class LinkRefused(AnswerRefused, errors.Forbidden):
    """The answer link is forged or expired (403)."""


class MeetingCancelled(AnswerRefused, errors.Conflict):
    """The meeting was cancelled; an answer is no longer needed (409)."""


@dataclass(frozen=True)
class DeliveryConfig:
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 8025
    smtp_sender: str = "einladungen@quartier.invalid"
    smtp_timeout_seconds: float = 30.0
    answer_link_secret: bytes = b""
    public_base_url: str = "http://127.0.0.1:8080"
    answer_link_days: int = 60
    poll_seconds: float = 1.0
    retry_base_seconds: float = 30.0
    retry_max_seconds: float = 3600.0


def config_of(ctx: ServiceContext) -> DeliveryConfig:
    """The delivery settings of the service (cached per process: an unset secret is generated once)."""
    cached = ctx.extras.get("delivery_config")
    if isinstance(cached, DeliveryConfig):
        return cached
    s = settings_of(ctx)
    secret = s.answer_link_secret.get_secret_value()
    if not secret:
        log.warning("QUARTIER_ANSWER_LINK_SECRET not set: answer links are valid only until the service restarts")
        secret = secrets.token_urlsafe(32)
    config = DeliveryConfig(
        smtp_host=s.smtp_host,
        smtp_port=s.smtp_port,
        smtp_sender=s.smtp_sender,
        smtp_timeout_seconds=s.smtp_timeout_seconds,
        answer_link_secret=secret.encode(),
        public_base_url=s.public_base_url,
        answer_link_days=s.answer_link_days,
        poll_seconds=s.delivery_poll_seconds,
        retry_base_seconds=s.delivery_retry_base_seconds,
        retry_max_seconds=s.delivery_retry_max_seconds,
    )
    ctx.extras["delivery_config"] = config
    return config


# --- enqueue ------------------------------------------------------------------------------------------------


async def enqueue_mails(
    conn: asyncpg.Connection,
    meeting: MailMeeting,
    recipients: Sequence[MailRecipient],
    kind: MailKind,
) -> int:
    """Insert one pending delivery per recipient in the CALLER's transaction; idempotent on
    (meeting_id, person_id, kind, sequence): calling again, or replaying the event that caused the call,
    adds nothing. A recipient without a valid address gets a row with status ``failed`` (staff see it)
    instead of a mail. Returns the number of mails newly queued for sending."""
    if kind not in MAIL_KINDS:
        raise ValueError(f"unknown mail kind {kind!r}")
    if meeting.starts_at.tzinfo is None or meeting.ends_at.tzinfo is None:
        raise ValueError("meeting times must be timezone-aware")
    queued = 0
    for recipient in recipients:
        if valid_address(recipient.email):
            if await db.insert(conn, uuid.uuid4(), meeting, recipient, kind):
                queued += 1
        elif await db.insert(conn, uuid.uuid4(), meeting, recipient, kind, status="failed", error=INVALID_ADDRESS):
            MAILS_FAILED.labels(kind, "invalid_address").inc()
    return queued


async def enqueue_notice(
    conn: asyncpg.Connection,
    notice_key: str,
    recipients: Sequence[MailRecipient],
    subject: str,
    text_lines: Sequence[str],
    link_url: str | None = None,
    *,
    links: Sequence[tuple[str, str]] = (),
    link_label: str = "Mehr dazu",
) -> int:
    """Insert one pending notice per recipient in the CALLER's transaction: a plain-text and HTML mail
    without calendar, saying ``text_lines`` (paragraphs, German) with ``link_url`` (labelled ``link_label``)
    and further ``links`` (label, URL). Idempotent on (notice_key, person_id): calling again, or replaying
    the event that caused the call, adds nothing. A recipient without a valid address gets a ``failed`` row.
    Returns the number of mails newly queued for sending."""
    if not notice_key_ok(notice_key):
        raise ValueError(f"invalid notice key {notice_key!r}")
    all_links = ([(link_label, link_url)] if link_url else []) + [(label, url) for label, url in links]
    notice = MailNotice(notice_key, subject, tuple(text_lines), tuple(all_links))
    queued = 0
    for recipient in recipients:
        if valid_address(recipient.email):
            if await db.insert_notice(conn, uuid.uuid4(), notice, recipient):
                queued += 1
        elif await db.insert_notice(conn, uuid.uuid4(), notice, recipient, status="failed", error=INVALID_ADDRESS):
            MAILS_FAILED.labels(NOTICE_KIND, "invalid_address").inc()
    return queued


# --- sending --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SmtpOutcome:
    status: Literal["sent", "bounced", "retry"]
    code: int | None = None
    error: str = ""


def _send_blocking(config: DeliveryConfig, message: EmailMessage, to: str) -> SmtpOutcome:
    try:
        with smtplib.SMTP(config.smtp_host, config.smtp_port, timeout=config.smtp_timeout_seconds) as smtp:
            smtp.send_message(message, from_addr=config.smtp_sender, to_addrs=[to])
    except smtplib.SMTPRecipientsRefused as exc:
        code, text = next(iter(exc.recipients.values()), (0, b""))
        return _classify(int(code), text)
    except smtplib.SMTPResponseException as exc:
        return _classify(int(exc.smtp_code), exc.smtp_error)
    except (smtplib.SMTPException, OSError) as exc:
        return SmtpOutcome("retry", None, f"SMTP-Server nicht erreichbar: {exc!r}"[:500])
    return SmtpOutcome("sent")


def _classify(code: int, text: bytes | str) -> SmtpOutcome:
    message = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    if 500 <= code <= 599:
        return SmtpOutcome("bounced", code, f"{code} {message}"[:500])
    return SmtpOutcome("retry", code or None, f"{code} {message}"[:500])


def backoff(attempts: int, config: DeliveryConfig) -> dt.timedelta:
    """Exponential: base, 2·base, 4·base … up to the maximum (``attempts`` counts the failed ones so far)."""
    seconds = min(config.retry_base_seconds * (2 ** min(attempts, 30)), config.retry_max_seconds)
    return dt.timedelta(seconds=seconds)


def answer_url(config: DeliveryConfig, claim: AnswerClaim) -> str:
    token = answer_links.sign(claim, config.answer_link_secret)
    return f"{config.public_base_url.rstrip('/')}/einladung/{token}"


def message_for(row: asyncpg.Record, config: DeliveryConfig, now: dt.datetime) -> EmailMessage:
    recipient = MailRecipient(
        row["person_id"], row["recipient_name"], row["recipient_email"], tuple(json.loads(row["reasons"]))
    )
    if row["kind"] == NOTICE_KIND:
        notice = db.notice_from_json(row["notice_key"], row["notice"])
        return build_notice_message(notice, recipient, sender=config.smtp_sender, message_id=row["id"].hex, now=now)
    meeting = db.meeting_from_json(row["meeting"])
    kind: MailKind = row["kind"]
    url = None
    if kind != "cancellation":
        expires = answer_links.expiry_for(now, meeting.ends_at, config.answer_link_days)
        url = answer_url(config, AnswerClaim(row["id"], row["person_id"], meeting.meeting_id, expires))
    return build_message(
        meeting, recipient, kind, sender=config.smtp_sender, message_id=row["id"].hex, answer_url=url, now=now
    )


async def send_one(pool: asyncpg.Pool, config: DeliveryConfig) -> bool:
    """Sends the next due mail, if any; True when one was handled (sent, bounced, failed or postponed)."""
    async with pool.acquire() as conn, conn.transaction():
        row = await db.claim_due(conn)
        if row is None:
            return False
        kind = row["kind"]
        now = dt.datetime.now(dt.UTC)
        try:
            message = message_for(row, config, now)
        except (InvalidMail, ValueError, KeyError) as exc:
            await db.mark_final(conn, row["id"], "failed", None, f"Mail nicht erstellbar: {exc}")
            MAILS_FAILED.labels(kind, "invalid").inc()
            return True
        # The row stays locked while the SMTP server answers: no other sender takes it meanwhile.
        outcome = await asyncio.to_thread(_send_blocking, config, message, row["recipient_email"])
        about_meeting = kind != NOTICE_KIND  # notices have no meeting, so no meeting event
        if outcome.status == "sent":
            await db.mark_sent(conn, row["id"], now)
            if about_meeting:
                await enqueue(
                    conn,
                    InvitationSent(
                        meeting_id=row["meeting_id"],
                        delivery_id=row["id"],
                        person_id=row["person_id"],
                        kind=kind,
                        sequence=row["sequence"],
                        sent_at=now,
                    ),
                    source=SOURCE,
                )
        elif outcome.status == "bounced":
            await db.mark_final(conn, row["id"], "bounced", outcome.code, outcome.error)
            if about_meeting:
                await enqueue(
                    conn,
                    InvitationBounced(
                        meeting_id=row["meeting_id"],
                        delivery_id=row["id"],
                        person_id=row["person_id"],
                        kind=kind,
                        sequence=row["sequence"],
                        smtp_code=outcome.code or 550,
                        bounced_at=now,
                    ),
                    source=SOURCE,
                )
        else:
            await db.postpone(conn, row["id"], now + backoff(row["attempts"], config), outcome.code, outcome.error)
    if outcome.status == "sent":
        MAILS_SENT.labels(kind).inc()
    elif outcome.status == "bounced":
        MAILS_BOUNCED.labels(kind).inc()
        log.info("mail bounced", extra={"delivery_id": str(row["id"]), "code": outcome.code})
    else:
        MAILS_FAILED.labels(kind, "transient").inc()
        log.warning("mail postponed", extra={"delivery_id": str(row["id"]), "error": outcome.error})
    return True


async def send_due(pool: asyncpg.Pool, config: DeliveryConfig, limit: int = 100) -> int:
    """Handles up to ``limit`` due mails; returns how many."""
    handled = 0
    while handled < limit and await send_one(pool, config):
        handled += 1
    return handled


async def delivery_sender(ctx: ServiceContext) -> None:
    """Background work of the service: sends due mails, polling every ``delivery_poll_seconds``."""
    config = config_of(ctx)
    while True:
        try:
            handled = await send_due(ctx.pool, config)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.warning("delivery round failed", exc_info=True)
            handled = 0
        if handled == 0:
            await asyncio.sleep(config.poll_seconds)


# --- staff views ----------------------------------------------------------------------------------------------


def delivery_out(row: asyncpg.Record) -> dict[str, Any]:
    return {
        "id": row["id"],
        "person_id": row["person_id"],
        "name": row["recipient_name"],
        "to": row["recipient_email"],
        "kind": row["kind"],
        "sequence": row["sequence"],
        "status": row["status"],
        "attempts": row["attempts"],
        "created_at": row["created_at"],
        "sent_at": row["sent_at"],
        "smtp_code": row["smtp_code"],
        "error": row["error"],
    }


async def deliveries(pool: asyncpg.Pool, meeting_id: uuid.UUID) -> list[dict[str, Any]]:
    async with pool.acquire() as conn:
        return [delivery_out(r) for r in await db.of_meeting(conn, meeting_id)]


async def notice_deliveries(pool: asyncpg.Pool, notice_key: str) -> list[dict[str, Any]]:
    """The mails of one notice (staff can see what was sent), like ``deliveries`` of a meeting."""
    async with pool.acquire() as conn:
        return [{**delivery_out(r), "notice_key": r["notice_key"]} for r in await db.of_notice(conn, notice_key)]


async def meeting_answers(pool: asyncpg.Pool, meeting_id: uuid.UUID) -> list[dict[str, Any]]:
    async with pool.acquire() as conn:
        rows = await db.answers_of(conn, meeting_id)
    return [
        {"person_id": r["person_id"], "name": r["name"] or "", "answer": r["answer"], "answered_at": r["answered_at"]}
        for r in rows
    ]


async def forget_person(conn: asyncpg.Connection, person_id: uuid.UUID) -> int:
    """For the erasure of a person (call from the PersonErased/ContactDetailsErased consumer, in its
    transaction): name and address leave every mail record; pending mails to them are not sent."""
    return await db.forget_person(conn, person_id)


# --- answers through the signed link --------------------------------------------------------------------------


def _claim(token: str, config: DeliveryConfig, now: dt.datetime) -> AnswerClaim:
    try:
        return answer_links.verify(token, config.answer_link_secret, now)
    except InvalidAnswerLink as exc:
        raise LinkRefused(exc.message) from None


def _summary(meeting: MailMeeting) -> dict[str, Any]:
    return {
        "meeting_id": meeting.meeting_id,
        "title": meeting.title,
        "body_name": meeting.body_name,
        "starts_at": meeting.starts_at,
        "ends_at": meeting.ends_at,
        "timezone": meeting.timezone,
        "when": when_text(meeting),
        "location_text": meeting.location_text,
        "online_url": meeting.online_url,
        "agenda": list(meeting.agenda),
        "organiser_name": meeting.organiser_name,
    }


async def _answer_doc(conn: asyncpg.Connection, claim: AnswerClaim) -> dict[str, Any]:
    latest = await db.latest_for(conn, claim.meeting_id, claim.person_id)
    if latest is None or await db.load(conn, claim.delivery_id) is None:
        # Signed by us, but the mail record is gone (e.g. the person was erased).
        raise LinkRefused(answer_links.FORGED_MESSAGE)
    current = await db.current_answer(conn, claim.meeting_id, claim.person_id)
    return {
        "meeting": _summary(db.meeting_from_json(latest["meeting"])),
        "name": latest["recipient_name"],
        "cancelled": await db.is_cancelled(conn, claim.meeting_id),
        "answer": current["answer"] if current else None,
        "answered_at": current["answered_at"] if current else None,
        "expires_at": claim.expires_at,
    }


async def answer_view(pool: asyncpg.Pool, config: DeliveryConfig, token: str) -> dict[str, Any]:
    claim = _claim(token, config, dt.datetime.now(dt.UTC))
    async with pool.acquire() as conn:
        return await _answer_doc(conn, claim)


async def give_answer(pool: asyncpg.Pool, config: DeliveryConfig, token: str, answer: Answer) -> dict[str, Any]:
    """Records the answer and announces ``InvitationAnswered`` in one transaction; the same answer again
    changes nothing and announces nothing."""
    now = dt.datetime.now(dt.UTC)
    claim = _claim(token, config, now)
    async with pool.acquire() as conn, conn.transaction():
        doc = await _answer_doc(conn, claim)
        if doc["cancelled"]:
            raise MeetingCancelled("Der Termin ist abgesagt. Eine Zu- oder Absage ist nicht mehr nötig.")
        current = await db.answer_of(conn, claim.meeting_id, claim.person_id)
        if current is None or current["answer"] != answer:
            await db.save_answer(conn, claim.meeting_id, claim.person_id, answer, now, claim.delivery_id)
            await enqueue(
                conn,
                InvitationAnswered(
                    meeting_id=claim.meeting_id,
                    delivery_id=claim.delivery_id,
                    person_id=claim.person_id,
                    answer=answer,
                    answered_at=now,
                ),
                source=SOURCE,
            )
            doc["answer"], doc["answered_at"] = answer, now
    return doc
