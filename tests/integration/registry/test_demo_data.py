"""The demo data of `make up` hangs together: every demo offer's provider is a registered actor, and
every body has members."""

from __future__ import annotations

import httpx

from quartier_registry.service.offers import read_demo_offers
from tests.support.stack import Stack


async def test_every_demo_offer_names_a_registered_provider(stack: Stack) -> None:
    registry = stack.url("registry")
    actors = {a["id"]: a for a in httpx.get(f"{registry}/api/v1/actors").json()}
    _, demo = read_demo_offers()
    demo_ids = {str(offer_id) for offer_id, _, _ in demo}
    offers = httpx.get(f"{registry}/api/v1/offers", params={"limit": 200}).json()["items"]
    providers = {o["provider_actor_id"] for o in offers if o["id"] in demo_ids}
    assert len(demo_ids) >= 27
    assert providers <= actors.keys(), providers - actors.keys()


async def test_every_body_has_demo_members(stack: Stack) -> None:
    bodies = httpx.get(f"{stack.url('registry')}/api/v1/bodies").json()
    assert len(bodies) == 28
    empty = [b["name"] for b in bodies if not b.get("members")]
    assert empty == []
