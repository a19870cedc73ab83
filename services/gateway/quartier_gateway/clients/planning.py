"""Client of the planning service's API: Jahrespläne with their measures, hearings, reviews and deadlines,
needs (Bedarfe), the steering committee's goals (Steuerungsziele), and (``AgreementCalls``) the target
agreements. A refusal is ``Rejected`` with planning's German ``detail`` and the wrong fields."""

from __future__ import annotations

from typing import Any

from quartier_gateway.clients.base import JSON, ServiceClient, segment
from quartier_gateway.clients.planning_agreements import AgreementCalls
from quartier_gateway.clients.registry import UNAVAILABLE_MESSAGE


class PlanningClient(AgreementCalls, ServiceClient):
    name = "planning"
    # Kept from the time planning shared the registry client: the pages say the registry is missing.
    unavailable_message = UNAVAILABLE_MESSAGE

    async def _call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Any = None,
        actor: str | None = None,
        if_match: int | None = None,
    ) -> Any:
        return await self.request(method, path, json=json, params=params, actor=actor, if_match=if_match)

    async def plans(self, year: int | None = None, social_area_key: str | None = None) -> list[JSON]:
        data = await self._call("GET", "/api/v1/plans", params={"year": year, "social_area_key": social_area_key})
        if not isinstance(data, list):
            raise self.unavailable("unexpected answer")
        return [d for d in data if isinstance(d, dict)]

    async def plan(self, plan_id: str) -> JSON:
        data = await self._call("GET", f"/api/v1/plans/{segment(plan_id)}")
        if not isinstance(data, dict):
            raise self.unavailable("unexpected answer")
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

    # --- measures with version check, review, evaluation, carry-over, deadlines, history (plan pages) ------

    async def change_measure(self, plan_id: str, measure_id: str, measure: JSON, version: int, actor: str) -> JSON:
        path = f"/api/v1/plans/{segment(plan_id)}/measures/{segment(measure_id)}"
        return dict(await self._call("PUT", path, json=measure, actor=actor, if_match=version))

    async def remove_measure(self, plan_id: str, measure_id: str, version: int, actor: str) -> JSON:
        path = f"/api/v1/plans/{segment(plan_id)}/measures/{segment(measure_id)}"
        return dict(await self._call("DELETE", path, actor=actor, if_match=version))

    async def mid_year_review(self, plan_id: str, entries: list[JSON], actor: str) -> JSON:
        path = f"/api/v1/plans/{segment(plan_id)}/mid-year-review"
        return dict(await self._call("POST", path, json={"entries": entries}, actor=actor))

    async def evaluate(self, plan_id: str, entries: list[JSON], actor: str) -> JSON:
        path = f"/api/v1/plans/{segment(plan_id)}/evaluate"
        return dict(await self._call("POST", path, json={"entries": entries}, actor=actor))

    async def carry_over(self, plan_id: str, actor: str) -> JSON:
        """``{plan, next_plan}``: the evaluated plan and next year's draft with the carried measures."""
        return dict(await self._call("POST", f"/api/v1/plans/{segment(plan_id)}/carry-over", actor=actor))

    async def deadlines_board(self, year: int | None = None) -> list[JSON]:
        data = await self._call("GET", "/api/v1/deadlines", params={"year": year})
        return [d for d in data if isinstance(d, dict)] if isinstance(data, list) else []

    async def plan_deadlines(self, plan_id: str) -> JSON:
        return dict(await self._call("GET", f"/api/v1/plans/{segment(plan_id)}/deadlines"))

    async def compare(self, plan_id: str, version_from: int, version_to: int) -> JSON:
        params = {"from": version_from, "to": version_to}
        return dict(await self._call("GET", f"/api/v1/plans/{segment(plan_id)}/compare", params=params))

    async def council_need_trace(self, plan_id: str, need_id: str) -> JSON:
        path = f"/api/v1/plans/{segment(plan_id)}/needs/{segment(need_id)}/trace"
        return dict(await self._call("GET", path))

    async def steering_goals(self, year: int | None = None, include_retired: bool = False) -> list[JSON]:
        params = {"year": year, "include_retired": "true" if include_retired else "false"}
        data = await self._call("GET", "/api/v1/goals", params=params)
        return [d for d in data if isinstance(d, dict)] if isinstance(data, list) else []

    # --- needs (Bedarfe) and the steering committee's goals (Steuerungsziele) ---------------------------

    async def needs(
        self, social_area_key: str | None = None, status: str | None = None, source: str | None = None
    ) -> list[JSON]:
        params = {"social_area_key": social_area_key, "status": status, "source": source}
        data = await self._call("GET", "/api/v1/needs", params=params)
        if not isinstance(data, list):
            raise self.unavailable("unexpected answer")
        return [d for d in data if isinstance(d, dict)]

    async def need(self, need_id: str) -> JSON:
        data = await self._call("GET", f"/api/v1/needs/{segment(need_id)}")
        if not isinstance(data, dict):
            raise self.unavailable("unexpected answer")
        return data

    async def raise_need(self, need: JSON, actor: str) -> JSON:
        return dict(await self._call("POST", "/api/v1/needs", json=need, actor=actor))

    async def need_command(self, need_id: str, command: str, body: JSON, actor: str) -> JSON:
        """take-into-plan, forward, decline, reopen."""
        path = f"/api/v1/needs/{segment(need_id)}/{segment(command)}"
        return dict(await self._call("POST", path, json=body, actor=actor))

    async def need_trace(self, need_id: str) -> JSON:
        data = await self._call("GET", f"/api/v1/needs/{segment(need_id)}/trace")
        if not isinstance(data, dict):
            raise self.unavailable("unexpected answer")
        return data

    async def goals(self, include_retired: bool = False, year: int | None = None) -> list[JSON]:
        params = {"include_retired": "true" if include_retired else "false", "year": year}
        data = await self._call("GET", "/api/v1/goals", params=params)
        if not isinstance(data, list):
            raise self.unavailable("unexpected answer")
        return [d for d in data if isinstance(d, dict)]

    async def goal(self, goal_id: str) -> JSON:
        data = await self._call("GET", f"/api/v1/goals/{segment(goal_id)}")
        if not isinstance(data, dict):
            raise self.unavailable("unexpected answer")
        return data

    async def create_goal(self, goal: JSON, actor: str) -> JSON:
        return dict(await self._call("POST", "/api/v1/goals", json=goal, actor=actor))

    async def change_goal(self, goal_id: str, goal: JSON, version: int, actor: str) -> JSON:
        """PUT with ``If-Match: <version>``; a newer goal is planning's 409 (``Rejected``)."""
        path = f"/api/v1/goals/{segment(goal_id)}"
        return dict(await self._call("PUT", path, json=goal, actor=actor, if_match=int(version)))

    async def retire_goal(self, goal_id: str, reason: str, actor: str) -> JSON:
        path = f"/api/v1/goals/{segment(goal_id)}/retire"
        return dict(await self._call("POST", path, json={"reason": reason}, actor=actor))
