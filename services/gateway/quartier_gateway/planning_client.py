"""Client of the planning service's API (Jahrespläne). Reuses the registry client's request and error
mapping with planning's own base URL; 409 and 422 keep planning's German ``detail``."""

from __future__ import annotations

from typing import Any

import httpx

from quartier_gateway.registry import RegistryClient, RegistryError, RegistryUnavailable, segment

JSON = dict[str, Any]


class PlanRefused(Exception):
    """Planning refused a step (409) or the input (422); ``detail`` is its German text."""

    def __init__(self, status_code: int, detail: str) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.detail = detail


def _refuse(status_code: int, detail: Any) -> Exception:
    text = detail if isinstance(detail, str) else "Die Angaben wurden abgelehnt."
    if status_code in (409, 422):
        return PlanRefused(status_code, text)
    if status_code == 404:
        return RegistryError(404, "Nicht gefunden.")
    return RegistryError(status_code, text)


class PlanningClient:
    def __init__(self, base_url: str, timeout: float = 5.0, transport: httpx.AsyncBaseTransport | None = None):
        self.http = RegistryClient(base_url, timeout, transport=transport)

    async def aclose(self) -> None:
        await self.http.aclose()

    async def _call(
        self, method: str, path: str, *, json: Any = None, params: Any = None, actor: str | None = None
    ) -> Any:
        return await self.http.request(method, path, json=json, params=params, actor=actor, refuse=_refuse)

    async def plans(self, year: int | None = None, social_area_key: str | None = None) -> list[JSON]:
        data = await self._call("GET", "/api/v1/plans", params={"year": year, "social_area_key": social_area_key})
        if not isinstance(data, list):
            raise RegistryUnavailable("unexpected answer from planning")
        return [d for d in data if isinstance(d, dict)]

    async def plan(self, plan_id: str) -> JSON:
        data = await self._call("GET", f"/api/v1/plans/{segment(plan_id)}")
        if not isinstance(data, dict):
            raise RegistryUnavailable("unexpected answer from planning")
        return data

    async def create(self, social_area_key: str, year: int, actor: str) -> JSON:
        return dict(
            await self._call(
                "POST", "/api/v1/plans", json={"social_area_key": social_area_key, "year": year}, actor=actor
            )
        )

    async def add_measure(self, plan_id: str, measure: JSON, actor: str) -> JSON:
        return dict(await self._call("POST", f"/api/v1/plans/{segment(plan_id)}/measures", json=measure, actor=actor))

    async def step(self, plan_id: str, step: str, actor: str) -> JSON:
        """present, finalize, start."""
        return dict(await self._call("POST", f"/api/v1/plans/{segment(plan_id)}/{segment(step)}", actor=actor))

    async def record_needs(self, plan_id: str, district_key: str, needs: list[JSON], actor: str) -> JSON:
        path = f"/api/v1/plans/{segment(plan_id)}/hearings/{segment(district_key)}/needs"
        return dict(await self._call("POST", path, json={"needs": needs}, actor=actor))

    async def answer_need(self, plan_id: str, need_id: str, answer: JSON, actor: str) -> JSON:
        path = f"/api/v1/plans/{segment(plan_id)}/needs/{segment(need_id)}/answer"
        return dict(await self._call("POST", path, json=answer, actor=actor))

    async def close_hearing(self, plan_id: str, district_key: str, actor: str) -> JSON:
        path = f"/api/v1/plans/{segment(plan_id)}/hearings/{segment(district_key)}/close"
        return dict(await self._call("POST", path, actor=actor))
