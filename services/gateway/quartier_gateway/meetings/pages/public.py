"""Public: the next Stadtteilkonferenz of a Sozialraum (for its public page) and the iCalendar feed
``/ical/{sozialraum}.ics``, passed through from the invitations service."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import Response

from quartier_gateway.clients.base import JSON, Refused, Unavailable
from quartier_gateway.clients.registry import SocialArea
from quartier_gateway.meetings.rules import (
    location_text,
    meeting_when,
)
from quartier_gateway.web.dependencies import Invitations
from quartier_gateway.web.state import gateway_of

log = logging.getLogger(__name__)

public_router = APIRouter(include_in_schema=False)


async def next_conference(request: Request, area: SocialArea) -> JSON | None:
    """The next public Stadtteilkonferenz of a Sozialraum for its public page, prepared for display; None
    when there is none or the invitations service does not answer (the page works without it)."""
    try:
        meeting = await gateway_of(request).invitations.next_conference(area.key)
    except (Refused, Unavailable) as exc:
        log.info("next conference unavailable", extra={"social_area": area.key, "error": repr(exc)})
        return None
    if meeting is None:
        return None
    return {
        "title": str(meeting.get("display_title") or meeting.get("title") or "Stadtteilkonferenz"),
        "when": meeting_when(meeting.get("starts_at"), meeting.get("ends_at")),
        "place": location_text(meeting.get("location"), area.community_centre.name),
        "online_url": (meeting.get("location") or {}).get("online_url"),
        "agenda": [str(i) for i in meeting.get("agenda") or []],
        "description": str(meeting.get("description") or ""),
    }


@public_router.get("/ical/{key}.ics")
async def ical_feed(request: Request, invitations: Invitations, key: str) -> Response:
    """The public iCalendar feed of a Sozialraum's public meetings, from the invitations service."""
    text = "text/plain; charset=utf-8"
    unavailable = "Der Kalender ist gerade nicht erreichbar. Bitte versuchen Sie es später erneut."
    try:
        upstream = await invitations.ical(key)
    except Unavailable:
        return Response(unavailable, status_code=503, media_type=text)
    if upstream.status_code >= 500:
        return Response(unavailable, status_code=503, media_type=text)
    if upstream.status_code != 200:
        return Response("Diesen Kalender gibt es nicht.", status_code=404, media_type=text)
    return Response(
        upstream.content,
        media_type=upstream.headers.get("content-type", "text/calendar; charset=utf-8"),
        headers={
            "Content-Disposition": f'inline; filename="{key}.ics"' if key.replace("-", "").isalnum() else "inline",
            "Access-Control-Allow-Origin": "*",
        },
    )
