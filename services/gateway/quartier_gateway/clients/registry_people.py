"""The registry's API of actors, people, bodies and memberships: ``registry.people``.

A refusal names the wrong fields in its problem answer's ``errors`` (``Rejected.errors``), so the pages can
show each message next to its field; an erased person is ``Gone`` (410).
"""

from __future__ import annotations

from typing import Any

from quartier_gateway.clients.base import JSON, ServiceClient, segment


class PeopleCalls:
    """People calls over the registry's connection."""

    def __init__(self, registry: ServiceClient) -> None:
        self.registry = registry

    async def _list(self, path: str) -> list[JSON]:
        return await self.registry.many(path)

    async def _one(self, method: str, path: str, *, json: Any = None, actor: str | None = None) -> JSON:
        return await self.registry.one(method, path, json=json, actor=actor)

    # --- actors

    async def actors(self) -> list[JSON]:
        return await self._list("/api/v1/actors")

    async def actor(self, actor_id: str) -> JSON:
        return await self._one("GET", f"/api/v1/actors/{segment(actor_id)}")

    async def create_actor(self, data: JSON, actor: str) -> JSON:
        return await self._one("POST", "/api/v1/actors", json=data, actor=actor)

    async def change_actor(self, actor_id: str, data: JSON, actor: str) -> JSON:
        return await self._one("PUT", f"/api/v1/actors/{segment(actor_id)}", json=data, actor=actor)

    async def withdraw_actor(self, actor_id: str, actor: str) -> JSON:
        return await self._one("POST", f"/api/v1/actors/{segment(actor_id)}/withdraw", actor=actor)

    # --- people

    async def persons(self) -> list[JSON]:
        return await self._list("/api/v1/persons")

    async def person(self, person_id: str) -> JSON:
        return await self._one("GET", f"/api/v1/persons/{segment(person_id)}")

    async def create_person(self, data: JSON, actor: str) -> JSON:
        return await self._one("POST", "/api/v1/persons", json=data, actor=actor)

    async def change_person(self, person_id: str, data: JSON, actor: str) -> JSON:
        return await self._one("PUT", f"/api/v1/persons/{segment(person_id)}", json=data, actor=actor)

    async def export_person(self, person_id: str) -> JSON:
        return await self._one("GET", f"/api/v1/persons/{segment(person_id)}/export")

    async def erase_person(self, person_id: str, actor: str) -> JSON:
        return await self._one("POST", f"/api/v1/persons/{segment(person_id)}/erase", actor=actor)

    # --- bodies and memberships

    async def bodies(self) -> list[JSON]:
        return await self._list("/api/v1/bodies")

    async def body(self, body_id: str) -> JSON:
        return await self._one("GET", f"/api/v1/bodies/{segment(body_id)}")

    async def set_local_title(self, body_id: str, title: str | None, actor: str) -> JSON:
        return await self._one(
            "PUT", f"/api/v1/bodies/{segment(body_id)}/local-title", json={"local_title": title}, actor=actor
        )

    async def start_membership(self, body_id: str, data: JSON, actor: str) -> JSON:
        return await self._one("POST", f"/api/v1/bodies/{segment(body_id)}/memberships", json=data, actor=actor)

    async def end_membership(self, membership_id: str, ends_on: str, actor: str) -> JSON:
        return await self._one(
            "POST", f"/api/v1/memberships/{segment(membership_id)}/end", json={"ends_on": ends_on}, actor=actor
        )
