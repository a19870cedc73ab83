"""Planning's API of the target agreements (Zielvereinbarungen) and activity reports (Sachberichte), over the
planning client's connection (``PlanningClient``); 409 and 422 keep planning's German ``detail``."""

from __future__ import annotations

import uuid
from typing import Any

from quartier_gateway.clients.planning import JSON, PlanningClient
from quartier_gateway.clients.registry import RegistryError, RegistryUnavailable, segment


async def agreements(
    planning: PlanningClient,
    *,
    year: int | None = None,
    social_area_key: str | None = None,
    provider_actor_id: uuid.UUID | str | None = None,
) -> list[JSON]:
    params: dict[str, Any] = {"year": year, "social_area_key": social_area_key}
    if provider_actor_id is not None:
        params["provider_actor_id"] = str(provider_actor_id)
    data = await planning._call("GET", "/api/v1/agreements", params=params)
    if not isinstance(data, list):
        raise RegistryUnavailable("unexpected answer from planning")
    return [d for d in data if isinstance(d, dict)]


async def agreement(planning: PlanningClient, agreement_id: str) -> JSON:
    data = await planning._call("GET", f"/api/v1/agreements/{segment(agreement_id)}")
    if not isinstance(data, dict):
        raise RegistryUnavailable("unexpected answer from planning")
    return data


async def conclude(planning: PlanningClient, body: JSON, actor: str) -> JSON:
    return dict(await planning._call("POST", "/api/v1/agreements", json=body, actor=actor))


async def change(planning: PlanningClient, agreement_id: str, body: JSON, version: int, actor: str) -> JSON:
    """PUT with ``If-Match: <version>``; a newer agreement is planning's 409 (``PlanRefused``)."""
    path = f"/api/v1/agreements/{segment(agreement_id)}"
    return dict(await planning._call_if_match("PUT", path, int(version), actor, json=body))


async def submit_report(planning: PlanningClient, agreement_id: str, body: JSON, actor: str) -> JSON:
    path = f"/api/v1/agreements/{segment(agreement_id)}/reports"
    return dict(await planning._call("POST", path, json=body, actor=actor))


async def agreement_choices(planning: PlanningClient, social_area_key: str, year: int) -> list[tuple[str, str]]:
    """The agreements a measure of this Sozialraum's plan for the year may point to: (id, label)."""
    try:
        found = await agreements(planning, year=year, social_area_key=social_area_key)
    except (RegistryError, RegistryUnavailable):
        return []
    return [(str(a["id"]), agreement_label(a)) for a in found]


def agreement_label(agreement: JSON) -> str:
    title = str(agreement.get("title") or "") or f"Zielvereinbarung {agreement.get('field_of_action', '')}".strip()
    provider = agreement.get("provider_name")
    return f"{title} ({provider}, {agreement.get('year')})" if provider else f"{title} ({agreement.get('year')})"
