"""The pages of actors, people, bodies and memberships."""

from fastapi import APIRouter

from quartier_gateway.people.pages import actors, bodies, persons

router = APIRouter(include_in_schema=False)
for part in (actors, persons, bodies):
    router.include_router(part.router)

__all__ = ["router"]
