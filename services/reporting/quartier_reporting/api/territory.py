"""HTTP routes of reporting: its read model of the territory."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request

from quartier_reporting.db import territory as db
from quartier_shared.runtime import ServiceContext

router = APIRouter(prefix="/api/v1/territory", tags=["Gebiet (Lesemodell)"])


def _ctx(request: Request) -> ServiceContext:
    ctx: ServiceContext = request.app.state.ctx
    return ctx


@router.get("/social-areas", summary="Sozialräume, wie Reporting sie aus Ereignissen kennt")
async def social_areas(request: Request) -> list[dict[str, Any]]:
    async with _ctx(request).pool.acquire() as conn:
        return await db.social_areas(conn)


@router.get("/social-areas/{key}", summary="Ein Sozialraum aus Reportings Lesemodell")
async def social_area(key: str, request: Request) -> dict[str, Any]:
    async with _ctx(request).pool.acquire() as conn:
        for area in await db.social_areas(conn):
            if area["key"] == key:
                return area
    raise HTTPException(status_code=404, detail=f"Sozialraum „{key}“ ist nicht bekannt.")


@router.get("/history", summary="Gebietsänderungen, neueste zuerst")
async def history(request: Request, limit: int = 100) -> list[dict[str, Any]]:
    async with _ctx(request).pool.acquire() as conn:
        return await db.history(conn, min(max(limit, 1), 1000))
