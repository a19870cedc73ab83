"""The registry's offer directory (Angebote), its suspected duplicates and the actors list: ``registry.offers``.

Answers are kept as plain dicts (the registry's JSON, see ``quartier_registry/api/offers.py``); the pages
only read them. A refusal names the wrong field in its problem answer's ``errors`` (``Rejected.field``), so
the form can put the German message next to that field.
"""

from __future__ import annotations

from typing import Any

from quartier_gateway.clients.base import NotFound, Rejected, ServiceClient, segment

PAGE_LIMIT_MAX = 200


class OfferCalls:
    """Offer calls over the registry's connection."""

    def __init__(self, registry: ServiceClient) -> None:
        self.registry = registry

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        return await self.registry.request(method, path, **kwargs)

    # --- offers -------------------------------------------------------------------------------------

    async def list_offers(
        self,
        *,
        social_area_key: str | None = None,
        field_of_action: str | None = None,
        target_group: str | None = None,
        language: str | None = None,
        review_due_only: bool = False,
        limit: int = 50,
        offset: int = 0,
    ) -> dict[str, Any]:
        """A page ``{items, total, limit, offset}``; the review list knows only the area filter."""
        params: dict[str, Any] = {"social_area_key": social_area_key, "limit": limit, "offset": offset}
        if review_due_only:
            return self._page(await self._call("GET", "/api/v1/offers/review-due", params=params))
        params.update(field_of_action=field_of_action, target_group=target_group, language=language)
        return self._page(await self._call("GET", "/api/v1/offers", params=params))

    async def offer(self, offer_id: str) -> dict[str, Any]:
        """``{offer, duplicate_candidates}`` (the open suspected pairs of this offer)."""
        return self._with_candidates(await self._call("GET", f"/api/v1/offers/{segment(offer_id)}"))

    async def create_offer(self, body: dict[str, Any], actor: str) -> dict[str, Any]:
        return self._with_candidates(await self._call("POST", "/api/v1/offers", json=body, actor=actor))

    async def change_offer(self, offer_id: str, body: dict[str, Any], actor: str) -> dict[str, Any]:
        return self._with_candidates(
            await self._call("PUT", f"/api/v1/offers/{segment(offer_id)}", json=body, actor=actor)
        )

    async def confirm_offer(self, offer_id: str, actor: str) -> dict[str, Any]:
        return self._object(
            await self._call("POST", f"/api/v1/offers/{segment(offer_id)}/confirm", json={}, actor=actor)
        )

    async def withdraw_offer(self, offer_id: str, reason: str, actor: str) -> dict[str, Any]:
        return self._object(
            await self._call(
                "POST", f"/api/v1/offers/{segment(offer_id)}/withdraw", json={"reason": reason}, actor=actor
            )
        )

    # --- suspected duplicates -----------------------------------------------------------------------

    async def duplicates(
        self, *, social_area_key: str | None = None, limit: int = 50, offset: int = 0
    ) -> dict[str, Any]:
        params = {"social_area_key": social_area_key, "limit": limit, "offset": offset}
        return self._page(await self._call("GET", "/api/v1/duplicates", params=params))

    async def dismiss_duplicate(self, pair_id: str, actor: str) -> dict[str, Any]:
        return self._object(
            await self._call("POST", f"/api/v1/duplicates/{segment(pair_id)}/dismiss", json={}, actor=actor)
        )

    async def merge_duplicate(self, pair_id: str, keep_offer_id: str, actor: str) -> dict[str, Any]:
        return self._object(
            await self._call(
                "POST",
                f"/api/v1/duplicates/{segment(pair_id)}/merge",
                json={"keep_offer_id": keep_offer_id},
                actor=actor,
            )
        )

    # --- what the forms offer to choose from ----------------------------------------------------------

    async def vocabularies(self) -> dict[str, list[str]]:
        data = self._object(await self._call("GET", "/api/v1/vocabularies"))
        return {k: [str(t) for t in v] for k, v in data.items() if isinstance(v, list)}

    async def actors(self) -> list[dict[str, Any]] | None:
        """The actors (organisations) for the provider select; None when the registry has no actors API."""
        try:
            data = await self._call("GET", "/api/v1/actors")
        except NotFound:
            return None
        except Rejected as exc:
            if exc.status_code == 405:
                return None
            raise
        if not isinstance(data, list):
            return None
        return [a for a in data if isinstance(a, dict) and "id" in a and "name" in a]

    def _object(self, data: Any) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise self.registry.unavailable("offers: no object")
        return data

    def _page(self, data: Any) -> dict[str, Any]:
        page = self._object(data)
        if not isinstance(page.get("items"), list):
            raise self.registry.unavailable("offers: no page")
        page.setdefault("total", len(page["items"]))
        return page

    def _with_candidates(self, data: Any) -> dict[str, Any]:
        result = self._object(data)
        if not isinstance(result.get("offer"), dict):
            raise self.registry.unavailable("offers: no offer")
        result.setdefault("duplicate_candidates", [])
        return result
