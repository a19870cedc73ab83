"""Public routes (no actor): the next Stadtteilkonferenz of a Sozialraum and its iCalendar feed.

``GET /api/v1/public/social-areas/{key}/next-conference`` → the meeting document (without minutes,
attendance, needs and override reason) or 404; ``GET /ical/{key}.ics`` → ``text/calendar`` with one
``VEVENT`` per public meeting of the Sozialraum (404 for an unknown Sozialraum).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from fastapi import APIRouter, Response

from quartier_invitations.db.meetings import to_document
from quartier_invitations.domain.public import feed
from quartier_invitations.service import meetings as service
from quartier_shared.errors import NotFound
from quartier_shared.http import PROBLEM_RESPONSES, Pool

router = APIRouter(tags=["Öffentlich"], responses=PROBLEM_RESPONSES)

_KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
INTERNAL_FIELDS = ("minutes", "attendance", "needs", "override_reason", "cancel_reason", "created_at")


def _key(key: str) -> str:
    if not _KEY.match(key):
        raise NotFound("", "Sozialraum nicht gefunden.")
    return key


def public_document(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k not in INTERNAL_FIELDS}


@router.get("/api/v1/public/social-areas/{key}/next-conference", summary="Nächste Stadtteilkonferenz")
async def next_conference(key: str, pool: Pool) -> dict[str, Any]:
    meeting = await service.next_conference(pool, _key(key))
    if meeting is None:
        raise NotFound("", "Zurzeit ist keine Stadtteilkonferenz angekündigt.")
    return public_document(to_document(meeting))


@router.get("/ical/{key}.ics", summary="Öffentliche Sitzungen eines Sozialraums als iCalendar")
async def ical(key: str, pool: Pool) -> Response:
    area, meetings = await service.public_meetings(pool, _key(key))
    if area is None:
        raise NotFound("", "Sozialraum nicht gefunden.")
    body = feed(meetings, f"Stadtteilarbeit – {area['name']}", dt.datetime.now(dt.UTC))
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'inline; filename="{key}.ics"'},
    )
