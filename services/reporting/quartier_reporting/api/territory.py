"""HTTP routes of reporting: its read model of the territory."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from quartier_reporting.db import territory as db
from quartier_shared.errors import NotFound
from quartier_shared.http import PROBLEM_RESPONSES, Pool

router = APIRouter(prefix="/api/v1/territory", tags=["Gebiet (Lesemodell)"], responses=PROBLEM_RESPONSES)


@router.get("/social-areas", summary="Sozialräume, wie Reporting sie aus Ereignissen kennt")
async def social_areas(pool: Pool) -> list[dict[str, Any]]:
    async with pool.acquire() as conn:
        return await db.social_areas(conn)


@router.get("/social-areas/{key}", summary="Ein Sozialraum aus Reportings Lesemodell")
async def social_area(key: str, pool: Pool) -> dict[str, Any]:
    async with pool.acquire() as conn:
        for area in await db.social_areas(conn):
            if area["key"] == key:
                return area
    raise NotFound("", f"Sozialraum „{key}“ ist nicht bekannt.")


@router.get("/history", summary="Gebietsänderungen, neueste zuerst")
async def history(pool: Pool, limit: int = 100) -> list[dict[str, Any]]:
    async with pool.acquire() as conn:
        return await db.history(conn, min(max(limit, 1), 1000))
