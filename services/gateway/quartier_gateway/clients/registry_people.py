"""Client of the registry's API for actors, people, bodies and memberships.

Uses the HTTP client of the shared ``RegistryClient`` (same base URL, timeout and transport) but keeps the
registry's structured 422 answers: ``{"detail": [{"loc": ["body", "ends_on"], "msg": "…"}]}`` becomes
``FieldsRefused`` with the message per field, so the pages can show it next to the field.
"""

from __future__ import annotations

from typing import Any

from quartier_gateway.clients.registry import RegistryClient, RegistryUnavailable, refusal, segment

JSON = dict[str, Any]


class FieldsRefused(Exception):
    """The registry refused the input (422). ``detail`` is its answer: a German text or a list of field errors."""

    def __init__(self, detail: Any) -> None:
        super().__init__(str(detail))
        self.detail = detail


class PersonGone(Exception):
    """The person's data was erased (410)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def _refusal(status_code: int, detail: Any) -> Exception:
    if status_code == 422:
        return FieldsRefused(detail if detail is not None else "Die Angaben wurden abgelehnt.")
    if status_code == 410:
        return PersonGone(detail if isinstance(detail, str) else "Die Daten dieser Person wurden gelöscht.")
    return refusal(status_code, detail)


class PeopleClient:
    def __init__(self, registry: RegistryClient) -> None:
        self.registry = registry

    async def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        return await self.registry.request(method, path, refuse=_refusal, **kwargs)

    async def _list(self, path: str) -> list[JSON]:
        data = await self._request("GET", path)
        if not isinstance(data, list):
            raise RegistryUnavailable("unexpected answer from the registry")
        return [d for d in data if isinstance(d, dict)]

    async def _one(self, method: str, path: str, *, json: Any = None, actor: str | None = None) -> JSON:
        data = await self._request(method, path, json=json, actor=actor)
        if not isinstance(data, dict):
            raise RegistryUnavailable("unexpected answer from the registry")
        return data

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
