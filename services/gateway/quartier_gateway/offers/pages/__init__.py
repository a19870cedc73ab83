"""The pages of the offer directory."""

from quartier_gateway.offers.pages.offers import public_router, router

__all__ = ["public_router", "router"]
