"""The pages of the Jahresplan cycle (``/jahresplaene``)."""

from fastapi import APIRouter

from quartier_gateway.plans.pages import cycle, history, listing, plan, review

router = APIRouter(include_in_schema=False)
for part in (listing, plan, cycle, review, history):
    router.include_router(part.router)

__all__ = ["router"]
