"""The registry's business figures on /metrics, computed from the registry's own tables every 15 s.

- ``quartier_registry_offers{status}``: offers in the directory (active, withdrawn);
- ``quartier_registry_offers_review_due``: active offers not confirmed for 12 months (review flag);
- ``quartier_registry_duplicate_pairs{status}``: suspected duplicate pairs (open, dismissed, merged, closed);
- ``quartier_registry_actors``, ``quartier_registry_persons{state}`` and ``quartier_registry_bodies``.
"""

from __future__ import annotations

from prometheus_client import Gauge

from quartier_registry.db import metrics as db
from quartier_registry.domain import offers as domain
from quartier_registry.service import offers
from quartier_shared.metrics import REGISTRY, periodic
from quartier_shared.runtime import ServiceContext

OFFERS = Gauge("quartier_registry_offers", "Offers in the directory per status.", ["status"], registry=REGISTRY)
OFFERS_REVIEW_DUE = Gauge(
    "quartier_registry_offers_review_due", "Active offers not confirmed for 12 months.", registry=REGISTRY
)
DUPLICATE_PAIRS = Gauge(
    "quartier_registry_duplicate_pairs", "Suspected duplicate offer pairs per status.", ["status"], registry=REGISTRY
)
ACTORS = Gauge("quartier_registry_actors", "Actors (Akteur:innen) not withdrawn.", registry=REGISTRY)
PERSONS = Gauge("quartier_registry_persons", "People per state (active, erased).", ["state"], registry=REGISTRY)
BODIES = Gauge("quartier_registry_bodies", "Bodies (Gremien).", registry=REGISTRY)


async def refresh(ctx: ServiceContext) -> None:
    async with ctx.pool.acquire() as conn:
        row = await db.counts(conn, domain.add_months(offers.today(), -domain.REVIEW_AFTER_MONTHS))
        pairs = await db.duplicate_pairs_per_status(conn)
    OFFERS.labels("active").set(row["offers_active"])
    OFFERS.labels("withdrawn").set(row["offers_withdrawn"])
    OFFERS_REVIEW_DUE.set(row["review_due"])
    for status in ("open", "dismissed", "merged", "closed"):
        DUPLICATE_PAIRS.labels(status).set(pairs.get(status, 0))
    ACTORS.set(row["actors"])
    PERSONS.labels("active").set(row["persons_active"])
    PERSONS.labels("erased").set(row["persons_erased"])
    BODIES.set(row["bodies"])


refresh_metrics = periodic(refresh, 15.0)
