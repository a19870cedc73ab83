"""Planning's API of the target agreements (Zielvereinbarungen) and activity reports (Sachberichte), as part
of ``PlanningClient``."""

from __future__ import annotations

import uuid
from typing import Any

from quartier_gateway.clients.base import JSON, ServiceClient, segment


class AgreementCalls(ServiceClient):
    async def agreements(
        self,
        *,
        year: int | None = None,
        social_area_key: str | None = None,
        provider_actor_id: uuid.UUID | str | None = None,
    ) -> list[JSON]:
        params: dict[str, Any] = {"year": year, "social_area_key": social_area_key}
        if provider_actor_id is not None:
            params["provider_actor_id"] = str(provider_actor_id)
        return await self.many("/api/v1/agreements", params)

    async def agreement(self, agreement_id: str) -> JSON:
        return await self.one("GET", f"/api/v1/agreements/{segment(agreement_id)}")

    async def conclude_agreement(self, body: JSON, actor: str) -> JSON:
        return dict(await self.request("POST", "/api/v1/agreements", json=body, actor=actor))

    async def change_agreement(self, agreement_id: str, body: JSON, version: int, actor: str) -> JSON:
        """PUT with ``If-Match: <version>``; a newer agreement is planning's 409 (``Rejected``)."""
        path = f"/api/v1/agreements/{segment(agreement_id)}"
        return dict(await self.request("PUT", path, json=body, actor=actor, if_match=int(version)))

    async def submit_report(self, agreement_id: str, body: JSON, actor: str) -> JSON:
        path = f"/api/v1/agreements/{segment(agreement_id)}/reports"
        return dict(await self.request("POST", path, json=body, actor=actor))
