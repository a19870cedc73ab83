"""The pages of meetings."""

from fastapi import APIRouter

from quartier_gateway.meetings.pages import answers, meeting

router = APIRouter(include_in_schema=False)
router.include_router(meeting.router)
router.include_router(answers.router)
public_router = meeting.public_router

__all__ = ["public_router", "router"]
