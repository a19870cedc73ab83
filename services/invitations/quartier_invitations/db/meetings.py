"""SQL of meetings: the meeting document, its row lock, its history, and the queries of lists, feeds and
the OParl export. Parameterised statements only.

``load_meeting(conn, meeting_id)`` is the read other parts of the service (invitees, delivery) use.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from quartier_invitations.domain.meetings import Attendance, Location, Meeting, MeetingKind, Need


def _iso(value: dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _time(value: str | None) -> dt.datetime | None:
    return None if value is None else dt.datetime.fromisoformat(value)


def to_document(meeting: Meeting) -> dict[str, Any]:
    """The stored and served form (without history)."""
    return {
        "id": str(meeting.id),
        "kind": meeting.kind.value,
        "body_ids": [str(b) for b in meeting.body_ids],
        "social_area_key": meeting.social_area_key,
        "title": meeting.title,
        "display_title": meeting.display_title,
        "local_title": meeting.local_title,
        "purposes": list(meeting.purposes),
        "format": meeting.format,
        "starts_at": meeting.starts_at.isoformat(),
        "ends_at": meeting.ends_at.isoformat(),
        "timezone": meeting.timezone,
        "location": {
            "community_centre": meeting.location.community_centre,
            "address": meeting.location.address,
            "online_url": meeting.location.online_url,
        },
        "location_text": meeting.location_text,
        "agenda": list(meeting.agenda),
        "description": meeting.description,
        "public": meeting.public,
        "status": meeting.status,
        "sequence": meeting.sequence,
        "uid": meeting.uid,
        "minutes": meeting.minutes,
        "attendance": {
            "person_ids": [str(p) for p in meeting.attendance.person_ids],
            "guests": meeting.attendance.guests,
        },
        "needs": [
            {
                "need_id": str(n.need_id),
                "text": n.text,
                "field_of_action": n.field_of_action,
                "residential_area_number": n.residential_area_number,
                "raised_on": n.raised_on.isoformat(),
            }
            for n in meeting.needs
        ],
        "override_reason": meeting.override_reason,
        "cancel_reason": meeting.cancel_reason,
        "version": meeting.version,
        "created_at": _iso(meeting.created_at),
        "modified_at": _iso(meeting.modified_at),
    }


def from_document(doc: dict[str, Any]) -> Meeting:
    loc = doc["location"]
    return Meeting(
        id=uuid.UUID(doc["id"]),
        kind=MeetingKind(doc["kind"]),
        body_ids=tuple(uuid.UUID(b) for b in doc["body_ids"]),
        social_area_key=doc["social_area_key"],
        title=doc["title"],
        local_title=doc["local_title"],
        purposes=tuple(doc["purposes"]),
        format=doc["format"],
        starts_at=dt.datetime.fromisoformat(doc["starts_at"]),
        ends_at=dt.datetime.fromisoformat(doc["ends_at"]),
        timezone=doc["timezone"],
        location=Location(bool(loc["community_centre"]), loc["address"], loc["online_url"]),
        location_text=doc.get("location_text") or "",
        agenda=tuple(doc["agenda"]),
        description=doc["description"],
        public=bool(doc["public"]),
        status="cancelled" if doc["status"] == "cancelled" else "scheduled",
        sequence=int(doc["sequence"]),
        version=int(doc["version"]),
        minutes=doc["minutes"],
        attendance=Attendance(
            tuple(uuid.UUID(p) for p in doc["attendance"]["person_ids"]), int(doc["attendance"]["guests"])
        ),
        needs=tuple(
            Need(
                uuid.UUID(n["need_id"]),
                n["text"],
                n["field_of_action"],
                n["residential_area_number"],
                dt.date.fromisoformat(n["raised_on"]),
            )
            for n in doc["needs"]
        ),
        override_reason=doc["override_reason"],
        cancel_reason=doc.get("cancel_reason"),
        created_at=_time(doc.get("created_at")),
        modified_at=_time(doc.get("modified_at")),
    )


def _dumps(meeting: Meeting) -> str:
    return json.dumps(to_document(meeting), ensure_ascii=False)


_BY_ID = "SELECT document::text FROM meetings WHERE id = $1"
_BY_ID_FOR_UPDATE = "SELECT document::text FROM meetings WHERE id = $1 FOR UPDATE"


async def load_meeting(conn: asyncpg.Connection, meeting_id: uuid.UUID, *, for_update: bool = False) -> Meeting | None:
    raw = await conn.fetchval(_BY_ID_FOR_UPDATE if for_update else _BY_ID, meeting_id)
    return from_document(json.loads(raw)) if raw else None


async def insert(conn: asyncpg.Connection, meeting: Meeting) -> None:
    await conn.execute(
        """INSERT INTO meetings (id, kind, social_area_key, status, starts_at, ends_at, public, version, document)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb)""",
        meeting.id,
        meeting.kind.value,
        meeting.social_area_key,
        meeting.status,
        meeting.starts_at,
        meeting.ends_at,
        meeting.public,
        meeting.version,
        _dumps(meeting),
    )


async def update(conn: asyncpg.Connection, meeting: Meeting, previous_version: int) -> bool:
    """Saves ``meeting`` (already carrying its new version) if the stored one still has ``previous_version``."""
    status = await conn.execute(
        """UPDATE meetings SET status = $2, starts_at = $3, ends_at = $4, public = $5, version = $6,
               document = $7::jsonb, updated_at = now()
           WHERE id = $1 AND version = $8""",
        meeting.id,
        meeting.status,
        meeting.starts_at,
        meeting.ends_at,
        meeting.public,
        meeting.version,
        _dumps(meeting),
        previous_version,
    )
    return str(status).endswith(" 1")


async def _documents(conn: asyncpg.Connection, query: str, *args: Any) -> list[Meeting]:
    return [from_document(json.loads(r[0])) for r in await conn.fetch(query, *args)]


async def list_meetings(
    conn: asyncpg.Connection,
    *,
    social_area_key: str | None = None,
    kind: str | None = None,
    starts_from: dt.datetime | None = None,
    starts_before: dt.datetime | None = None,
    status: str | None = None,
    public_only: bool = False,
    limit: int = 1000,
) -> list[Meeting]:
    return await _documents(
        conn,
        """SELECT document::text FROM meetings
           WHERE ($1::text IS NULL OR social_area_key = $1) AND ($2::text IS NULL OR kind = $2)
             AND ($3::timestamptz IS NULL OR ends_at > $3) AND ($4::timestamptz IS NULL OR starts_at < $4)
             AND ($5::text IS NULL OR status = $5) AND (NOT $6 OR public)
           ORDER BY starts_at, id LIMIT $7""",
        social_area_key,
        kind,
        starts_from,
        starts_before,
        status,
        public_only,
        limit,
    )


async def steering_meetings_in_year(conn: asyncpg.Connection, year: int) -> list[Meeting]:
    """The Lenkungskreis' scheduled meetings starting in calendar year ``year`` (Europe/Berlin)."""
    berlin = ZoneInfo("Europe/Berlin")
    start = dt.datetime(year, 1, 1, tzinfo=berlin)
    end = dt.datetime(year + 1, 1, 1, tzinfo=berlin)
    return await _documents(
        conn,
        """SELECT document::text FROM meetings
           WHERE kind = 'steering_committee' AND status = 'scheduled' AND starts_at >= $1 AND starts_at < $2
           ORDER BY starts_at""",
        start,
        end,
    )


async def next_conference(conn: asyncpg.Connection, social_area_key: str, now: dt.datetime) -> Meeting | None:
    found = await _documents(
        conn,
        """SELECT document::text FROM meetings
           WHERE kind = 'neighbourhood_conference' AND social_area_key = $1 AND status = 'scheduled' AND public
             AND ends_at > $2
           ORDER BY starts_at, id LIMIT 1""",
        social_area_key,
        now,
    )
    return found[0] if found else None


async def public_page(
    conn: asyncpg.Connection,
    limit: int,
    offset: int,
    created: tuple[dt.datetime | None, dt.datetime | None] = (None, None),
    modified: tuple[dt.datetime | None, dt.datetime | None] = (None, None),
) -> tuple[list[tuple[Meeting, dt.datetime, dt.datetime]], int]:
    """Public meetings for the OParl export (filtered by created/modified since/until), each with its row's
    created and updated time; and their total."""
    filters = (*created, *modified)
    rows = await conn.fetch(
        """SELECT document::text, created_at, updated_at, count(*) OVER () AS total FROM meetings
           WHERE public AND ($1::timestamptz IS NULL OR created_at >= $1)
             AND ($2::timestamptz IS NULL OR created_at <= $2) AND ($3::timestamptz IS NULL OR updated_at >= $3)
             AND ($4::timestamptz IS NULL OR updated_at <= $4)
           ORDER BY starts_at, id LIMIT $5 OFFSET $6""",
        *filters,
        limit,
        offset,
    )
    if rows:
        total = int(rows[0]["total"])
    else:  # a page past the end: count without it
        total = int(
            await conn.fetchval(
                """SELECT count(*) FROM meetings
                   WHERE public AND ($1::timestamptz IS NULL OR created_at >= $1)
                     AND ($2::timestamptz IS NULL OR created_at <= $2)
                     AND ($3::timestamptz IS NULL OR updated_at >= $3)
                     AND ($4::timestamptz IS NULL OR updated_at <= $4)""",
                *filters,
            )
        )
    return [(from_document(json.loads(r[0])), r["created_at"], r["updated_at"]) for r in rows], total


async def public_meeting(
    conn: asyncpg.Connection, meeting_id: uuid.UUID
) -> tuple[Meeting, dt.datetime, dt.datetime] | None:
    row = await conn.fetchrow(
        "SELECT document::text, created_at, updated_at FROM meetings WHERE id = $1 AND public", meeting_id
    )
    return None if row is None else (from_document(json.loads(row[0])), row["created_at"], row["updated_at"])


async def audit(
    conn: asyncpg.Connection,
    meeting_id: uuid.UUID,
    version: int,
    event_id: uuid.UUID,
    event_type: str,
    actor: str,
    change: dict[str, Any],
) -> None:
    await conn.execute(
        """INSERT INTO meeting_history (meeting_id, version, event_id, event_type, actor, change)
           VALUES ($1, $2, $3, $4, $5, $6::jsonb)""",
        meeting_id,
        version,
        event_id,
        event_type,
        actor,
        json.dumps(change, ensure_ascii=False),
    )


async def history(conn: asyncpg.Connection, meeting_id: uuid.UUID) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        """SELECT version, event_type, actor, changed_at FROM meeting_history WHERE meeting_id = $1 ORDER BY id""",
        meeting_id,
    )
    return [
        {
            "version": r["version"],
            "event_type": r["event_type"],
            "actor": r["actor"],
            "changed_at": r["changed_at"].isoformat(),
        }
        for r in rows
    ]


async def lock_steering_year(conn: asyncpg.Connection, year: int) -> None:
    """Serialises the date checks of the steering committee's meetings of one year until the end of the
    transaction, so that two meetings scheduled at once cannot both pass the check."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", f"invitations.steering:{year}")
