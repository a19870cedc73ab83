"""The pages of the offer directory (Angebote) for staff, and the offer search for residents.

The order of the routers matters: ``/angebote/neu`` and ``/angebote/duplikate`` before ``/angebote/{offer_id}``.
"""

from fastapi import APIRouter

from quartier_gateway.offers.pages import duplicates, edit, listing, offer, public

router = APIRouter(include_in_schema=False)
for part in (listing, duplicates, edit, offer):
    router.include_router(part.router)
public_router = public.public_router

__all__ = ["public_router", "router"]
