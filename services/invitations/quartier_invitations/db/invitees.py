"""SQL of the invitee lists: the manual changes and which mails were queued for whom (ids only)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import asyncpg

from quartier_invitations.domain.invitees import ManualChange
from quartier_shared.db import advisory_key


async def lock_meeting(conn: asyncpg.Connection, meeting_id: uuid.UUID) -> None:
    """Serialises changes of one meeting's invitee list (manual changes, sending) in this transaction."""
    await conn.execute("SELECT pg_advisory_xact_lock($1)", advisory_key(f"invitations:invitees:{meeting_id}"))


async def changes_of(conn: asyncpg.Connection, meeting_id: uuid.UUID) -> list[ManualChange]:
    rows = await conn.fetch(
        """SELECT invitee_id, action, reason, actor, at FROM invitee_changes
           WHERE meeting_id = $1 ORDER BY at, invitee_id""",
        meeting_id,
    )
    return [ManualChange(r["invitee_id"], r["action"], r["reason"], r["actor"], r["at"]) for r in rows]


async def save_change(
    conn: asyncpg.Connection, meeting_id: uuid.UUID, invitee_id: uuid.UUID, action: str, reason: str, actor: str
) -> None:
    await conn.execute(
        """INSERT INTO invitee_changes (meeting_id, invitee_id, action, reason, actor, at)
           VALUES ($1, $2, $3, $4, $5, clock_timestamp())
           ON CONFLICT (meeting_id, invitee_id) DO UPDATE SET action = excluded.action, reason = excluded.reason,
               actor = excluded.actor, at = excluded.at""",
        meeting_id,
        invitee_id,
        action,
        reason,
        actor,
    )


async def record_mails(
    conn: asyncpg.Connection, meeting_id: uuid.UUID, invitee_ids: Sequence[uuid.UUID], kind: str, sequence: int
) -> list[uuid.UUID]:
    """Records that a mail of ``kind`` was queued for each invitee; returns those not recorded before."""
    rows = await conn.fetch(
        """INSERT INTO invitee_mails (meeting_id, invitee_id, kind, sequence)
           SELECT $1, i, $3, $4 FROM unnest($2::uuid[]) AS i
           ON CONFLICT DO NOTHING RETURNING invitee_id""",
        meeting_id,
        list(invitee_ids),
        kind,
        sequence,
    )
    return [r["invitee_id"] for r in rows]


async def invited(conn: asyncpg.Connection, meeting_id: uuid.UUID) -> list[uuid.UUID]:
    """Everyone an invitation of this meeting was queued for, in the order they were first invited."""
    rows = await conn.fetch(
        """SELECT invitee_id FROM invitee_mails WHERE meeting_id = $1 AND kind = 'invitation'
           GROUP BY invitee_id ORDER BY min(queued_at), invitee_id""",
        meeting_id,
    )
    return [r["invitee_id"] for r in rows]


async def reminded(conn: asyncpg.Connection, meeting_id: uuid.UUID) -> set[uuid.UUID]:
    rows = await conn.fetch(
        "SELECT invitee_id FROM invitee_mails WHERE meeting_id = $1 AND kind = 'reminder'", meeting_id
    )
    return {r["invitee_id"] for r in rows}


async def meetings_with_invitations(conn: asyncpg.Connection) -> list[uuid.UUID]:
    rows = await conn.fetch("SELECT DISTINCT meeting_id FROM invitee_mails WHERE kind = 'invitation'")
    return [r["meeting_id"] for r in rows]


async def meetings_with_reminders_pending(conn: asyncpg.Connection) -> list[uuid.UUID]:
    """Meetings where someone was invited but not yet reminded."""
    rows = await conn.fetch(
        """SELECT DISTINCT i.meeting_id FROM invitee_mails i
           WHERE i.kind = 'invitation' AND NOT EXISTS (
               SELECT 1 FROM invitee_mails r
               WHERE r.meeting_id = i.meeting_id AND r.invitee_id = i.invitee_id AND r.kind = 'reminder')"""
    )
    return [r["meeting_id"] for r in rows]
