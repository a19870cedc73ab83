"""The invitations service's reads of the registry's territory, from its registry replica
(``quartier_registry_replica``, filled by ``consumers.replica``)."""

from __future__ import annotations

from typing import Any

import asyncpg

from quartier_invitations.domain.conflicts import District
from quartier_registry_replica import queries as replica


async def social_area(conn: asyncpg.Connection, key: str) -> dict[str, Any] | None:
    """``{key, name, community_centre_name, city, residential_area_numbers, districts: [District]}`` or None.
    The districts are those of the area's Wohnbereiche, in the order of the Wohnbereich numbers."""
    area = await replica.social_area(conn, key)
    if area is None:
        return None
    return {
        "key": area["key"],
        "name": area["name"],
        "community_centre_name": area["community_centre_name"],
        "city": area["city"],
        "residential_area_numbers": [r["number"] for r in area["residential_areas"]],
        "districts": [District(d["key"], d["name"]) for d in area["districts"]],
    }


vocabulary = replica.vocabulary
city = replica.city
