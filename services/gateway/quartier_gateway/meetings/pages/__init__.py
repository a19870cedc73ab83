"""The pages of meetings (``/sitzungen``), the public answer page of an invitation and the iCalendar feed.

The order of the routers matters: ``/sitzungen/neu`` and ``/sitzungen/konflikte`` before
``/sitzungen/{meeting_id}``.
"""

from fastapi import APIRouter

from quartier_gateway.meetings.pages import answers, invitees, listing, meeting, public, record, schedule

router = APIRouter(include_in_schema=False)
for part in (listing, schedule, meeting, invitees, record, answers):
    router.include_router(part.router)
public_router = public.public_router

__all__ = ["public_router", "router"]
