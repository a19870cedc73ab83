"""The pages of people."""

from quartier_gateway.people.pages.people import router

__all__ = ["router"]
