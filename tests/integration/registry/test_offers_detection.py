"""Precision and recall of the duplicate detector on the labelled set (offer_pairs.yaml).

Runs against the real Postgres, because the text similarities come from pg_trgm there
(``offer_text_features``, migration 003); the rest is the domain's ``assess``, exactly as the service
uses them. ``bench/duplicates.py`` prints the same figures with a threshold sweep (bench/DUPLICATES.md).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import yaml

from quartier_registry import db as registry_db
from quartier_registry.db import offers as db
from quartier_registry.domain import offers as domain
from quartier_registry.domain.offers import Assessment, OfferData
from quartier_registry.domain.territory import Territory
from quartier_registry.service.territory import read_territory_file
from quartier_shared.db import migrate
from tests.support.helpers import pool_as
from tests.support.stack import base_env

REGISTRY = Path(__file__).resolve().parents[3] / "services" / "registry"
PAIRS = REGISTRY / "tests" / "offer_pairs.yaml"
HAMM = REGISTRY / "data" / "hamm.yaml"
PROVIDER = uuid.UUID("00000000-0000-0000-0000-000000000001")

# Floors the detector reaches on the labelled set (measured: bench/DUPLICATES.md).
MIN_PRECISION = 0.9
MIN_RECALL = 0.85

_WHEN = re.compile(r"^(weekly|monthly)\s+(?:([-0-9,]+)\s+)?([a-z,]+)\s+(\d\d:\d\d)-(\d\d:\d\d)$")


def offer_input(compact: dict[str, Any]) -> dict[str, Any]:
    """The API input for an offer in the labelled set's compact notation."""
    place = compact["place"]
    if isinstance(place, str):
        kind, key = place.split(":")
        assert kind == "centre", place
        place_in: dict[str, Any] = {"kind": "community_centre", "social_area_key": key}
    else:
        place_in = {
            "kind": "address",
            "residential_area_number": place["wb"],
            "street": place["street"],
            "postal_code": place.get("plz"),
        }
    recurrences = []
    for when in compact["when"]:
        m = _WHEN.match(when)
        assert m, when
        frequency, ordinals, days, start, end = m.groups()
        recurrence: dict[str, Any] = {
            "frequency": frequency,
            "weekdays": days.split(","),
            "start_time": start,
            "end_time": end,
        }
        if ordinals:
            recurrence["ordinals"] = [int(o) for o in ordinals.split(",")]
        recurrences.append(recurrence)
    return {
        "title": compact["title"],
        "description": compact["description"],
        "provider_actor_id": str(PROVIDER),
        "field_of_action": compact.get("field", "Quartiersmanagement"),
        "target_groups": compact["groups"],
        "place": place_in,
        "schedule": {"recurrences": recurrences},
        "free_of_charge": True,
        "contact": {"office": "Stadtteilbüro", "email": "stadtteilbuero@example.org"},
    }


@dataclass(frozen=True)
class Judged:
    id: str
    duplicate: bool
    assessment: Assessment | None  # None: the areas are neither the same nor neighbours

    @property
    def score(self) -> float:
        return self.assessment.score if self.assessment else 0.0


def load_pairs(path: Path = PAIRS) -> list[dict[str, Any]]:
    pairs: list[dict[str, Any]] = yaml.safe_load(path.read_text(encoding="utf-8"))["pairs"]
    return pairs


async def judge(conn: asyncpg.Connection, territory: Territory, pairs: list[dict[str, Any]]) -> list[Judged]:
    """Runs the detector's rules on every pair: area range, pg_trgm features, assessment."""
    judged: list[Judged] = []
    for pair in pairs:
        a: OfferData = domain.parse_offer(offer_input(pair["a"]), territory)
        b: OfferData = domain.parse_offer(offer_input(pair["b"]), territory)
        if not domain.in_range(territory, a.place, b.place):
            judged.append(Judged(pair["id"], bool(pair["duplicate"]), None))
            continue
        features = await db.text_features(conn, a, b)
        judged.append(Judged(pair["id"], bool(pair["duplicate"]), domain.assess(a, b, features)))
    return judged


@dataclass(frozen=True)
class Confusion:
    tp: int
    fp: int
    fn: int
    tn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def confusion(judged: list[Judged], threshold: float = domain.THRESHOLD) -> Confusion:
    tp = sum(1 for j in judged if j.duplicate and j.score >= threshold)
    fp = sum(1 for j in judged if not j.duplicate and j.score >= threshold)
    fn = sum(1 for j in judged if j.duplicate and j.score < threshold)
    tn = sum(1 for j in judged if not j.duplicate and j.score < threshold)
    return Confusion(tp, fp, fn, tn)


@pytest.fixture(scope="module")
def hamm() -> Territory:
    return read_territory_file(HAMM).territory


@pytest.fixture
async def registry_conn() -> AsyncIterator[asyncpg.Connection]:
    pool = await pool_as(base_env(), "registry", min_size=1, max_size=2)
    try:
        await migrate(pool, "registry", registry_db.MIGRATIONS)
        async with pool.acquire() as conn:
            yield conn
    finally:
        await pool.close()


def test_the_labelled_set_has_at_least_40_valid_pairs_of_both_kinds(hamm: Territory) -> None:
    pairs = load_pairs()
    assert len(pairs) >= 40
    assert len({p["id"] for p in pairs}) == len(pairs)
    assert sum(p["duplicate"] for p in pairs) >= 15
    assert sum(not p["duplicate"] for p in pairs) >= 15
    for p in pairs:  # every offer is valid input
        domain.parse_offer(offer_input(p["a"]), hamm)
        domain.parse_offer(offer_input(p["b"]), hamm)


async def test_precision_and_recall_on_the_labelled_set(registry_conn: asyncpg.Connection, hamm: Territory) -> None:
    judged = await judge(registry_conn, hamm, load_pairs())
    c = confusion(judged)
    missed = [j.id for j in judged if j.duplicate and j.score < domain.THRESHOLD]
    wrong = [j.id for j in judged if not j.duplicate and j.score >= domain.THRESHOLD]
    report = f"{c} precision={c.precision:.3f} recall={c.recall:.3f} missed={missed} false={wrong}"
    assert c.precision >= MIN_PRECISION, report
    assert c.recall >= MIN_RECALL, report


async def test_every_suspected_pair_says_why(registry_conn: asyncpg.Connection, hamm: Territory) -> None:
    judged = await judge(registry_conn, hamm, load_pairs())
    for j in judged:
        if j.assessment and j.assessment.suspected:
            assert j.assessment.reasons, j.id
            assert set(j.assessment.reasons) <= set(domain.REASONS)


async def test_pairs_outside_the_neighbourhood_are_never_suspected(
    registry_conn: asyncpg.Connection, hamm: Territory
) -> None:
    judged = {j.id: j for j in await judge(registry_conn, hamm, load_pairs())}
    for key in ("n01-mittagstisch-not-neighbours", "n07-jugendtreff-not-neighbours", "n16-tafel-not-neighbours"):
        assert judged[key].assessment is None
