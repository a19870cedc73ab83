"""The pages of plans."""

from quartier_gateway.plans.pages.plan import router

__all__ = ["router"]
