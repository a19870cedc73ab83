"""SQL of the deliveries (one row per mail and person) and of the answers given through signed links."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import uuid
from typing import Any

import asyncpg

from quartier_invitations.domain.delivery import NOTICE_KIND, MailKind, MailMeeting, MailNotice, MailRecipient


def meeting_to_json(meeting: MailMeeting) -> str:
    doc: dict[str, Any] = dataclasses.asdict(meeting)
    doc["meeting_id"] = str(meeting.meeting_id)
    doc["starts_at"] = meeting.starts_at.isoformat()
    doc["ends_at"] = meeting.ends_at.isoformat()
    doc["agenda"] = list(meeting.agenda)
    doc["signatories"] = list(meeting.signatories)
    return json.dumps(doc, ensure_ascii=False)


def meeting_from_json(text: str) -> MailMeeting:
    doc = json.loads(text)
    return MailMeeting(
        meeting_id=uuid.UUID(doc["meeting_id"]),
        uid=doc["uid"],
        sequence=int(doc["sequence"]),
        title=doc["title"],
        body_name=doc["body_name"],
        starts_at=dt.datetime.fromisoformat(doc["starts_at"]),
        ends_at=dt.datetime.fromisoformat(doc["ends_at"]),
        timezone=doc["timezone"],
        location_text=doc.get("location_text"),
        online_url=doc.get("online_url"),
        agenda=tuple(doc.get("agenda") or ()),
        description=doc.get("description") or "",
        organiser_name=doc.get("organiser_name") or "",
        organiser_email=doc.get("organiser_email") or "",
        signatories=tuple(doc.get("signatories") or ()),
        public_url=doc.get("public_url"),
    )


async def insert(
    conn: asyncpg.Connection,
    delivery_id: uuid.UUID,
    meeting: MailMeeting,
    recipient: MailRecipient,
    kind: MailKind,
    *,
    status: str = "pending",
    error: str | None = None,
) -> bool:
    """Adds the delivery unless one with the same (meeting, person, kind, sequence) exists; True if added."""
    added = await conn.fetchval(
        """
        INSERT INTO deliveries (id, meeting_id, person_id, kind, sequence, recipient_name, recipient_email,
                                reasons, meeting, status, error)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::jsonb, $10, $11)
        ON CONFLICT (meeting_id, person_id, kind, sequence) DO NOTHING
        RETURNING true
        """,
        delivery_id,
        meeting.meeting_id,
        recipient.person_id,
        kind,
        meeting.sequence,
        recipient.name,
        recipient.email,
        json.dumps(list(recipient.reasons), ensure_ascii=False),
        meeting_to_json(meeting),
        status,
        error,
    )
    return bool(added)


def notice_to_json(notice: MailNotice) -> str:
    doc = {"subject": notice.subject, "lines": list(notice.lines), "links": [list(link) for link in notice.links]}
    return json.dumps(doc, ensure_ascii=False)


def notice_from_json(notice_key: str, text: str) -> MailNotice:
    doc = json.loads(text)
    return MailNotice(
        notice_key=notice_key,
        subject=str(doc.get("subject") or ""),
        lines=tuple(str(line) for line in doc.get("lines") or ()),
        links=tuple((str(label), str(url)) for label, url in doc.get("links") or ()),
    )


async def insert_notice(
    conn: asyncpg.Connection,
    delivery_id: uuid.UUID,
    notice: MailNotice,
    recipient: MailRecipient,
    *,
    status: str = "pending",
    error: str | None = None,
) -> bool:
    """Adds the notice's delivery unless one with the same (notice_key, person) exists; True if added."""
    added = await conn.fetchval(
        """
        INSERT INTO deliveries (id, meeting_id, person_id, kind, sequence, recipient_name, recipient_email,
                                reasons, meeting, notice_key, notice, status, error)
        VALUES ($1, NULL, $2, $3, 0, $4, $5, $6::jsonb, NULL, $7, $8::jsonb, $9, $10)
        ON CONFLICT (notice_key, person_id) WHERE notice_key IS NOT NULL DO NOTHING
        RETURNING true
        """,
        delivery_id,
        recipient.person_id,
        NOTICE_KIND,
        recipient.name,
        recipient.email,
        json.dumps(list(recipient.reasons), ensure_ascii=False),
        notice.notice_key,
        notice_to_json(notice),
        status,
        error,
    )
    return bool(added)


async def of_notice(conn: asyncpg.Connection, notice_key: str) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await conn.fetch(
        "SELECT * FROM deliveries WHERE notice_key = $1 ORDER BY created_at, recipient_name, id", notice_key
    )
    return rows


# asyncpg hands json and jsonb columns over as text: ``reasons``, ``meeting`` and ``notice`` arrive as JSON
# strings. A notice's row has no meeting (``meeting_id`` and ``meeting`` NULL; migration 051).


async def claim_due(conn: asyncpg.Connection) -> asyncpg.Record | None:
    """The oldest pending delivery that is due, locked for this transaction (other senders skip it)."""
    row: asyncpg.Record | None = await conn.fetchrow(
        """SELECT * FROM deliveries
            WHERE status = 'pending' AND next_attempt_at <= now()
            ORDER BY next_attempt_at, created_at LIMIT 1 FOR UPDATE SKIP LOCKED"""
    )
    return row


async def mark_sent(conn: asyncpg.Connection, delivery_id: uuid.UUID, sent_at: dt.datetime) -> None:
    await conn.execute(
        """UPDATE deliveries SET status = 'sent', sent_at = $2, attempts = attempts + 1, error = NULL
           WHERE id = $1""",
        delivery_id,
        sent_at,
    )


async def mark_final(
    conn: asyncpg.Connection, delivery_id: uuid.UUID, status: str, smtp_code: int | None, error: str
) -> None:
    """Bounced (a permanent SMTP refusal) or failed (the mail cannot be built): never tried again."""
    await conn.execute(
        """UPDATE deliveries SET status = $2, smtp_code = $3, error = $4, attempts = attempts + 1 WHERE id = $1""",
        delivery_id,
        status,
        smtp_code,
        error[:1000],
    )


async def postpone(
    conn: asyncpg.Connection, delivery_id: uuid.UUID, retry_at: dt.datetime, smtp_code: int | None, error: str
) -> None:
    """A transient failure: stays pending, tried again at ``retry_at``."""
    await conn.execute(
        """UPDATE deliveries SET attempts = attempts + 1, next_attempt_at = $2, smtp_code = $3, error = $4
           WHERE id = $1""",
        delivery_id,
        retry_at,
        smtp_code,
        error[:1000],
    )


async def of_meeting(conn: asyncpg.Connection, meeting_id: uuid.UUID) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await conn.fetch(
        "SELECT * FROM deliveries WHERE meeting_id = $1 ORDER BY created_at, recipient_name, id",
        meeting_id,
    )
    return rows


async def load(conn: asyncpg.Connection, delivery_id: uuid.UUID) -> asyncpg.Record | None:
    row: asyncpg.Record | None = await conn.fetchrow("SELECT * FROM deliveries WHERE id = $1", delivery_id)
    return row


async def latest_for(conn: asyncpg.Connection, meeting_id: uuid.UUID, person_id: uuid.UUID) -> asyncpg.Record | None:
    """The newest mail to this person about this meeting (it describes the meeting as it is now)."""
    row: asyncpg.Record | None = await conn.fetchrow(
        """SELECT * FROM deliveries WHERE meeting_id = $1 AND person_id = $2
            ORDER BY sequence DESC, created_at DESC LIMIT 1""",
        meeting_id,
        person_id,
    )
    return row


async def is_cancelled(conn: asyncpg.Connection, meeting_id: uuid.UUID) -> bool:
    found: bool = await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM deliveries WHERE meeting_id = $1 AND kind = 'cancellation')", meeting_id
    )
    return found


async def answer_of(conn: asyncpg.Connection, meeting_id: uuid.UUID, person_id: uuid.UUID) -> asyncpg.Record | None:
    row: asyncpg.Record | None = await conn.fetchrow(
        "SELECT answer, answered_at, delivery_id FROM answers WHERE meeting_id = $1 AND person_id = $2 FOR UPDATE",
        meeting_id,
        person_id,
    )
    return row


async def current_answer(
    conn: asyncpg.Connection, meeting_id: uuid.UUID, person_id: uuid.UUID
) -> asyncpg.Record | None:
    """The person's answer as it stands, for showing (no lock, unlike ``answer_of``)."""
    row: asyncpg.Record | None = await conn.fetchrow(
        "SELECT answer, answered_at FROM answers WHERE meeting_id = $1 AND person_id = $2",
        meeting_id,
        person_id,
    )
    return row


async def save_answer(
    conn: asyncpg.Connection,
    meeting_id: uuid.UUID,
    person_id: uuid.UUID,
    answer: str,
    answered_at: dt.datetime,
    delivery_id: uuid.UUID,
) -> None:
    await conn.execute(
        """INSERT INTO answers (meeting_id, person_id, answer, answered_at, delivery_id)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (meeting_id, person_id)
           DO UPDATE SET answer = EXCLUDED.answer, answered_at = EXCLUDED.answered_at,
                         delivery_id = EXCLUDED.delivery_id""",
        meeting_id,
        person_id,
        answer,
        answered_at,
        delivery_id,
    )


async def answers_of(conn: asyncpg.Connection, meeting_id: uuid.UUID) -> list[asyncpg.Record]:
    """Every answer to a meeting, with the name the person's newest mail was addressed to."""
    rows: list[asyncpg.Record] = await conn.fetch(
        """SELECT a.person_id, a.answer, a.answered_at,
                  (SELECT d.recipient_name FROM deliveries d
                   WHERE d.meeting_id = a.meeting_id AND d.person_id = a.person_id
                   ORDER BY d.created_at DESC LIMIT 1) AS name
           FROM answers a WHERE a.meeting_id = $1 ORDER BY name, a.person_id""",
        meeting_id,
    )
    return rows


async def forget_person(conn: asyncpg.Connection, person_id: uuid.UUID) -> int:
    """Erasure: the name and address of a person leave every mail record (the records stay, anonymous)."""
    result: str = await conn.execute(
        """UPDATE deliveries SET recipient_name = '', recipient_email = '', reasons = '[]'::jsonb,
                  status = CASE WHEN status = 'pending' THEN 'failed' ELSE status END,
                  error = CASE WHEN status = 'pending' THEN 'Person gelöscht' ELSE error END
           WHERE person_id = $1""",
        person_id,
    )
    return int(result.split()[-1])
