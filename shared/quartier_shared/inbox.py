"""The inbox: exactly one effect per event id, recorded in the effect's own transaction."""

from __future__ import annotations

import asyncpg

from quartier_shared.events.envelope import CloudEvent


async def claim(
    conn: asyncpg.Connection, consumer: str, event: CloudEvent, *, topic: str, partition: int, offset: int
) -> bool:
    """Records the event as processed by ``consumer``; False if it already was (a duplicate)."""
    inserted = await conn.fetchval(
        """
        INSERT INTO inbox (consumer, event_id, event_type, topic, partition, "offset")
        VALUES ($1, $2, $3, $4, $5, $6)
        ON CONFLICT (consumer, event_id) DO NOTHING
        RETURNING true
        """,
        consumer,
        event.id,
        event.type,
        topic,
        partition,
        offset,
    )
    return bool(inserted)
