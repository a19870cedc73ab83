"""SQL of the offer directory and the suspected duplicate pairs. Every statement is parameterised."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import date, time
from typing import Any

import asyncpg

from quartier_registry.domain.offers import (
    DuplicatePair,
    Offer,
    OfferData,
    Place,
    Recurrence,
    TextFeatures,
)
from quartier_shared.db import advisory_key

_COLUMNS = """id, title, description, provider_actor_id, field_of_action, cross_cutting_themes, target_groups,
    languages, place_kind, centre_social_area_key, residential_area_number, place_name, street, postal_code,
    recurrences::text AS recurrences, free_of_charge, cost, wheelchair_accessible, accessibility, contact_office,
    contact_email, contact_phone, last_confirmed_on, status, merged_into, social_area_key"""


def _recurrences_json(recurrences: Sequence[Recurrence]) -> str:
    return json.dumps(
        [
            {
                "frequency": r.frequency,
                "weekdays": list(r.weekdays),
                "ordinals": list(r.ordinals),
                "start_time": f"{r.start:%H:%M}",
                "end_time": f"{r.end:%H:%M}",
            }
            for r in recurrences
        ]
    )


def _recurrences(raw: str) -> tuple[Recurrence, ...]:
    return tuple(
        Recurrence(
            r["frequency"],
            tuple(r["weekdays"]),
            time.fromisoformat(r["start_time"]),
            time.fromisoformat(r["end_time"]),
            tuple(r.get("ordinals") or ()),
        )
        for r in json.loads(raw)
    )


def row_offer(row: asyncpg.Record) -> Offer:
    place = Place(
        row["place_kind"],
        row["social_area_key"],
        residential_area_number=row["residential_area_number"],
        name=row["place_name"],
        street=row["street"],
        postal_code=row["postal_code"],
    )
    data = OfferData(
        title=row["title"],
        description=row["description"],
        provider_actor_id=row["provider_actor_id"],
        field_of_action=row["field_of_action"],
        cross_cutting_themes=tuple(row["cross_cutting_themes"]),
        target_groups=tuple(row["target_groups"]),
        languages=tuple(row["languages"]),
        place=place,
        recurrences=_recurrences(row["recurrences"]),
        free_of_charge=row["free_of_charge"],
        cost=row["cost"],
        wheelchair_accessible=row["wheelchair_accessible"],
        accessibility=row["accessibility"],
        contact_office=row["contact_office"],
        contact_email=row["contact_email"],
        contact_phone=row["contact_phone"],
    )
    return Offer(row["id"], data, row["last_confirmed_on"], row["status"], row["merged_into"])


def _values(offer: Offer) -> tuple[Any, ...]:
    d = offer.data
    p = d.place
    return (
        offer.id,
        d.title,
        d.description,
        d.provider_actor_id,
        d.field_of_action,
        list(d.cross_cutting_themes),
        list(d.target_groups),
        list(d.languages),
        p.kind,
        p.social_area_key if p.kind == "community_centre" else None,
        p.residential_area_number if p.kind == "address" else None,
        p.name,
        p.street,
        p.postal_code,
        _recurrences_json(d.recurrences),
        d.free_of_charge,
        d.cost,
        d.wheelchair_accessible,
        d.accessibility,
        d.contact_office,
        d.contact_email,
        d.contact_phone,
        offer.last_confirmed_on,
        offer.status,
        offer.merged_into,
    )


async def save_offer(conn: asyncpg.Connection, offer: Offer, *, withdrawn_reason: str | None = None) -> None:
    """Inserts or updates the whole offer (the caller has decided the change)."""
    await conn.execute(
        """
        INSERT INTO offers (id, title, description, provider_actor_id, field_of_action, cross_cutting_themes,
                            target_groups, languages, place_kind, centre_social_area_key, residential_area_number,
                            place_name, street, postal_code, recurrences, free_of_charge, cost,
                            wheelchair_accessible, accessibility, contact_office, contact_email, contact_phone,
                            last_confirmed_on, status, merged_into, withdrawn_reason)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15::jsonb, $16, $17, $18, $19, $20,
                $21, $22, $23, $24, $25, $26)
        ON CONFLICT (id) DO UPDATE SET
            title = excluded.title, description = excluded.description,
            provider_actor_id = excluded.provider_actor_id, field_of_action = excluded.field_of_action,
            cross_cutting_themes = excluded.cross_cutting_themes, target_groups = excluded.target_groups,
            languages = excluded.languages, place_kind = excluded.place_kind,
            centre_social_area_key = excluded.centre_social_area_key,
            residential_area_number = excluded.residential_area_number, place_name = excluded.place_name,
            street = excluded.street, postal_code = excluded.postal_code, recurrences = excluded.recurrences,
            free_of_charge = excluded.free_of_charge, cost = excluded.cost,
            wheelchair_accessible = excluded.wheelchair_accessible, accessibility = excluded.accessibility,
            contact_office = excluded.contact_office, contact_email = excluded.contact_email,
            contact_phone = excluded.contact_phone, last_confirmed_on = excluded.last_confirmed_on,
            status = excluded.status, merged_into = excluded.merged_into,
            withdrawn_reason = COALESCE(excluded.withdrawn_reason, offers.withdrawn_reason), updated_at = now()
        """,
        *_values(offer),
        withdrawn_reason,
    )


async def offer_exists(conn: asyncpg.Connection, offer_id: uuid.UUID) -> bool:
    return bool(await conn.fetchval("SELECT EXISTS (SELECT 1 FROM offers WHERE id = $1)", offer_id))


async def load_offer(conn: asyncpg.Connection, offer_id: uuid.UUID, *, for_update: bool = False) -> Offer | None:
    if for_update:
        # Lock the base row (a view with an outer join cannot be locked directly).
        await conn.execute("SELECT 1 FROM offers WHERE id = $1 FOR UPDATE", offer_id)
    row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM offers_located WHERE id = $1", offer_id)  # noqa: S608
    return row_offer(row) if row else None


async def load_offers(conn: asyncpg.Connection, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Offer]:
    rows = await conn.fetch(f"SELECT {_COLUMNS} FROM offers_located WHERE id = ANY($1::uuid[])", list(ids))  # noqa: S608
    return {r["id"]: row_offer(r) for r in rows}


async def list_offers(
    conn: asyncpg.Connection,
    *,
    social_area_key: str | None,
    field_of_action: str | None,
    target_group: str | None,
    language: str | None,
    include_withdrawn: bool,
    review_due_before: date | None,
    limit: int,
    offset: int,
) -> tuple[list[Offer], int]:
    """A page of offers in title order and the total matching the filters.

    ``target_group`` and ``language`` match an entry case-insensitively (``Kinder`` finds ``Kinder 6–10``).
    ``review_due_before``: only active offers last confirmed on or before that day.
    """
    where = """($1::text IS NULL OR social_area_key = $1)
        AND ($2::text IS NULL OR field_of_action = $2)
        AND ($3::text IS NULL OR EXISTS (SELECT 1 FROM unnest(target_groups) g WHERE g ILIKE '%' || $3 || '%'))
        AND ($4::text IS NULL OR EXISTS (SELECT 1 FROM unnest(languages) l WHERE lower(l) = lower($4)))
        AND ($5 OR status = 'active')
        AND ($6::date IS NULL OR (status = 'active' AND last_confirmed_on <= $6))"""
    args = (
        social_area_key,
        field_of_action,
        _like_escape(target_group),
        language,
        include_withdrawn,
        review_due_before,
    )
    total = await conn.fetchval(f"SELECT count(*) FROM offers_located WHERE {where}", *args)  # noqa: S608
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM offers_located WHERE {where} ORDER BY title, id LIMIT $7 OFFSET $8",  # noqa: S608
        *args,
        limit,
        offset,
    )
    return [row_offer(r) for r in rows], int(total)


def _like_escape(value: str | None) -> str | None:
    if value is None:
        return None
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# ---------------------------------------------------------------- duplicates


def _features_row(row: asyncpg.Record) -> TextFeatures:
    return TextFeatures(
        title=float(row["f_title"]),
        description=float(row["f_description"]),
        target_group=float(row["f_target_group"]),
        address=float(row["f_address"]),
    )


async def candidates(
    conn: asyncpg.Connection, offer: Offer, social_area_keys: Sequence[str]
) -> list[tuple[Offer, TextFeatures]]:
    """Active offers in the given social areas (not ``offer`` itself, not a pair staff dismissed), each
    with the pg_trgm similarities to ``offer``."""
    d = offer.data
    rows = await conn.fetch(
        f"""
        SELECT {_COLUMNS}, f.title_similarity AS f_title, f.description_similarity AS f_description,
               f.target_group_similarity AS f_target_group, f.address_similarity AS f_address
        FROM offers_located o
        CROSS JOIN LATERAL offer_text_features($2, $3, $4::text[], $5, o.title, o.description, o.target_groups,
            CASE WHEN o.place_kind = 'address' THEN concat_ws(' ', o.street, o.postal_code) ELSE '' END) f
        WHERE o.status = 'active' AND o.id <> $1 AND o.social_area_key = ANY($6::text[])
          AND NOT EXISTS (
              SELECT 1 FROM offer_duplicate_pairs p
              WHERE p.status = 'dismissed'
                AND p.offer_a = LEAST(o.id, $1::uuid) AND p.offer_b = GREATEST(o.id, $1::uuid))
        """,  # noqa: S608
        offer.id,
        d.title,
        d.description,
        list(d.target_groups),
        d.place.address_text(),
        list(social_area_keys),
    )
    return [(row_offer(r), _features_row(r)) for r in rows]


async def text_features(conn: asyncpg.Connection, a: OfferData, b: OfferData) -> TextFeatures:
    """The same similarities for two offers that are not stored (the labelled-set measurement)."""
    row = await conn.fetchrow(
        """SELECT title_similarity AS f_title, description_similarity AS f_description,
                  target_group_similarity AS f_target_group, address_similarity AS f_address
           FROM offer_text_features($1, $2, $3::text[], $4, $5, $6, $7::text[], $8)""",
        a.title,
        a.description,
        list(a.target_groups),
        a.place.address_text(),
        b.title,
        b.description,
        list(b.target_groups),
        b.place.address_text(),
    )
    return _features_row(row)


def _row_pair(row: asyncpg.Record) -> DuplicatePair:
    return DuplicatePair(
        row["id"],
        row["offer_a"],
        row["offer_b"],
        round(float(row["score"]), 3),
        tuple(json.loads(row["reasons"])),
        row["status"],
    )


_PAIR_COLUMNS = "id, offer_a, offer_b, score, reasons::text AS reasons, status"


async def load_pair(conn: asyncpg.Connection, pair_id: uuid.UUID, *, for_update: bool = False) -> DuplicatePair | None:
    lock = " FOR UPDATE" if for_update else ""
    row = await conn.fetchrow(f"SELECT {_PAIR_COLUMNS} FROM offer_duplicate_pairs WHERE id = $1{lock}", pair_id)  # noqa: S608
    return _row_pair(row) if row else None


async def find_pair(conn: asyncpg.Connection, a: uuid.UUID, b: uuid.UUID) -> DuplicatePair | None:
    row = await conn.fetchrow(
        f"SELECT {_PAIR_COLUMNS} FROM offer_duplicate_pairs WHERE offer_a = $1 AND offer_b = $2 FOR UPDATE",  # noqa: S608
        a,
        b,
    )
    return _row_pair(row) if row else None


async def insert_pair(conn: asyncpg.Connection, pair: DuplicatePair) -> None:
    await conn.execute(
        """INSERT INTO offer_duplicate_pairs (id, offer_a, offer_b, score, reasons, status)
           VALUES ($1, $2, $3, $4, $5::jsonb, $6)""",
        pair.id,
        pair.offer_a,
        pair.offer_b,
        pair.score,
        json.dumps(list(pair.reasons)),
        pair.status,
    )


async def update_pair_assessment(conn: asyncpg.Connection, pair: DuplicatePair) -> None:
    await conn.execute(
        """UPDATE offer_duplicate_pairs SET score = $2, reasons = $3::jsonb, status = $4, suspected_at = now(),
                  decided_at = NULL, decided_by = NULL
           WHERE id = $1""",
        pair.id,
        pair.score,
        json.dumps(list(pair.reasons)),
        pair.status,
    )


async def decide_pair(
    conn: asyncpg.Connection, pair_id: uuid.UUID, status: str, actor: str, kept: uuid.UUID | None = None
) -> None:
    await conn.execute(
        """UPDATE offer_duplicate_pairs SET status = $2, decided_at = now(), decided_by = $3, kept_offer_id = $4
           WHERE id = $1""",
        pair_id,
        status,
        actor,
        kept,
    )


async def close_open_pairs_of(conn: asyncpg.Connection, offer_id: uuid.UUID, actor: str) -> None:
    await conn.execute(
        """UPDATE offer_duplicate_pairs SET status = 'closed', decided_at = now(), decided_by = $2
           WHERE status = 'open' AND (offer_a = $1 OR offer_b = $1)""",
        offer_id,
        actor,
    )


async def open_pairs(
    conn: asyncpg.Connection, *, social_area_key: str | None, limit: int, offset: int
) -> tuple[list[tuple[DuplicatePair, str]], int]:
    """Open pairs, highest score first, with the suspected_at time as ISO text."""
    where = """p.status = 'open' AND ($1::text IS NULL OR EXISTS (
        SELECT 1 FROM offers_located o WHERE o.id IN (p.offer_a, p.offer_b) AND o.social_area_key = $1))"""
    total = await conn.fetchval(f"SELECT count(*) FROM offer_duplicate_pairs p WHERE {where}", social_area_key)  # noqa: S608
    rows = await conn.fetch(
        f"""SELECT p.id, p.offer_a, p.offer_b, p.score, p.reasons::text AS reasons, p.status,
                   p.suspected_at::text AS suspected_at
            FROM offer_duplicate_pairs p WHERE {where}
            ORDER BY p.score DESC, p.suspected_at, p.id LIMIT $2 OFFSET $3""",  # noqa: S608
        social_area_key,
        limit,
        offset,
    )
    return [(_row_pair(r), r["suspected_at"]) for r in rows], int(total)


async def open_pairs_of(conn: asyncpg.Connection, offer_id: uuid.UUID) -> list[DuplicatePair]:
    rows = await conn.fetch(
        f"""SELECT {_PAIR_COLUMNS} FROM offer_duplicate_pairs
            WHERE status = 'open' AND (offer_a = $1 OR offer_b = $1) ORDER BY score DESC""",  # noqa: S608
        offer_id,
    )
    return [_row_pair(r) for r in rows]


async def audit(
    conn: asyncpg.Connection,
    event_id: uuid.UUID,
    actor: str,
    change: dict[str, Any],
    *,
    offer_id: uuid.UUID | None = None,
    pair_id: uuid.UUID | None = None,
) -> None:
    await conn.execute(
        "INSERT INTO offer_audit (event_id, actor, offer_id, pair_id, change) VALUES ($1, $2, $3, $4, $5::jsonb)",
        event_id,
        actor,
        offer_id,
        pair_id,
        json.dumps(change, ensure_ascii=False),
    )


async def lock_offers(conn: asyncpg.Connection) -> None:
    """Serialises the offer writes until the end of the transaction (duplicate detection sees every offer)."""
    await conn.execute("SELECT pg_advisory_xact_lock($1)", advisory_key("registry:offers"))
