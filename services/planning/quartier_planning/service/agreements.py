"""Use cases of the target agreements (Zielvereinbarungen): load the agreement under its row lock, decide
(domain), save it with its events (outbox) and history in one transaction. ``If-Match`` (expected version)
refuses a stale edit.

The demo agreements (``data/demo-agreements.yaml``, fictitious) are concluded through the same use cases when
``demo_data`` is on, with fixed ids under an advisory lock. They need the registry's demo actors and
territory in planning's copy, which arrive as events after the start; so the demo loader retries until the
copy knows them (``load_demo_agreements_when_ready``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import asyncpg
import yaml

from quartier_planning.db import agreements as db
from quartier_planning.db import goals as goals_db
from quartier_planning.db import plans as plans_db
from quartier_planning.domain import agreements as domain
from quartier_planning.domain.agreements import (
    Agreement,
    AgreementCatalogue,
    AgreementInput,
    AgreementResult,
    ReachedValue,
    ReportInput,
    TargetInput,
)
from quartier_planning.domain.plans import NotFound, OutOfOrder, PlanError
from quartier_planning.settings import SOURCE
from quartier_shared.events.envelope import EventPayload
from quartier_shared.outbox import enqueue

log = logging.getLogger(__name__)

DEMO_FILE = Path(__file__).resolve().parents[1] / "data" / "demo-agreements.yaml"
DEMO_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://quartier.example/demo/planning/agreements")


def demo_agreement_id(key: str) -> uuid.UUID:
    return uuid.uuid5(DEMO_NAMESPACE, key)


async def catalogue(conn: asyncpg.Connection, spec: AgreementInput) -> AgreementCatalogue:
    areas = frozenset([k for k in set(spec.social_area_keys) if await plans_db.social_area_exists(conn, k)])
    return AgreementCatalogue(
        social_area_keys=areas,
        fields_of_action=await plans_db.vocabulary(conn, "fields_of_action"),
        goals=await plans_db.vocabulary(conn, "strategic_goals") | await plans_db.vocabulary(conn, "steering_goals"),
        provider_known=bool(await plans_db.known_actors(conn, [spec.provider_actor_id])),
        steering_goals=await goals_db.refs(conn),
    )


def _check_version(current: int, expected: int | None) -> None:
    if expected is not None and expected != current:
        raise OutOfOrder(
            "version",
            f"Die Zielvereinbarung wurde inzwischen geändert (Version {current}, Ihre Fassung: {expected}); "
            "bitte laden Sie sie neu und wiederholen Sie die Änderung.",
        )


async def _save(
    conn: asyncpg.Connection, agreement: Agreement, events: list[EventPayload], actor: str, *, new: bool = False
) -> int:
    if new:
        if not await db.insert(conn, agreement):
            raise OutOfOrder("id", f"Eine Zielvereinbarung {agreement.id} gibt es bereits.")
        version = 1
    else:
        version = await db.update(conn, agreement)
    for payload in events:
        event = await enqueue(conn, payload, source=SOURCE)
        await db.audit(conn, agreement.id, version, event.id, event.type, actor, payload.model_dump(mode="json"))
    return version


async def conclude_in(
    conn: asyncpg.Connection, agreement_id: uuid.UUID, spec: AgreementInput, actor: str
) -> tuple[Agreement, int]:
    agreement, events = domain.conclude(agreement_id, spec, await catalogue(conn, spec))
    return agreement, await _save(conn, agreement, events, actor, new=True)


async def conclude(pool: asyncpg.Pool, spec: AgreementInput, actor: str) -> tuple[Agreement, int]:
    async with pool.acquire() as conn, conn.transaction():
        return await conclude_in(conn, uuid.uuid4(), spec, actor)


async def _command_in(
    conn: asyncpg.Connection,
    agreement_id: uuid.UUID,
    actor: str,
    decide: Callable[[Agreement, int], AgreementResult],
    expected_version: int | None,
) -> tuple[Agreement, int]:
    found = await db.load(conn, agreement_id, for_update=True)
    if found is None:
        raise NotFound("agreement_id", f"Zielvereinbarung {agreement_id} ist nicht bekannt.")
    agreement, current = found
    _check_version(current, expected_version)
    agreement, events = decide(agreement, current)
    return agreement, await _save(conn, agreement, events, actor)


async def change(
    pool: asyncpg.Pool,
    agreement_id: uuid.UUID,
    spec: AgreementInput,
    actor: str,
    expected_version: int | None = None,
) -> tuple[Agreement, int]:
    async with pool.acquire() as conn, conn.transaction():
        cat = await catalogue(conn, spec)
        return await _command_in(
            conn,
            agreement_id,
            actor,
            lambda agreement, current: domain.change(agreement, spec, cat, current + 1),
            expected_version,
        )


async def submit_report_in(
    conn: asyncpg.Connection,
    agreement_id: uuid.UUID,
    report: ReportInput,
    actor: str,
    today: dt.date,
    expected_version: int | None = None,
) -> tuple[Agreement, int]:
    return await _command_in(
        conn, agreement_id, actor, lambda agreement, _: domain.submit_report(agreement, report, today), expected_version
    )


async def submit_report(
    pool: asyncpg.Pool, agreement_id: uuid.UUID, report: ReportInput, actor: str, expected_version: int | None = None
) -> tuple[Agreement, int]:
    async with pool.acquire() as conn, conn.transaction():
        return await submit_report_in(conn, agreement_id, report, actor, dt.date.today(), expected_version)


async def _document(
    conn: asyncpg.Connection, agreement: Agreement, version: int, today: dt.date, *, full: bool
) -> dict[str, Any]:
    doc = db.to_document(agreement)
    doc["version"] = version
    doc["provider_name"] = await db.provider_name(conn, agreement.provider_actor_id)
    doc["overdue_reports"] = [
        {"period": o.period, "due_on": o.due_on.isoformat(), "days_overdue": o.days_overdue}
        for o in domain.overdue_reports(agreement, today)
    ]
    doc["reached"] = db.reached_document(agreement)
    doc["measures"] = await db.linked_measures(conn, agreement.id)
    if full:
        doc["history"] = await db.history(conn, agreement.id)
    return doc


async def document_of(pool: asyncpg.Pool, agreement: Agreement, version: int) -> dict[str, Any]:
    async with pool.acquire() as conn:
        return await _document(conn, agreement, version, dt.date.today(), full=False)


async def get_agreement(pool: asyncpg.Pool, agreement_id: uuid.UUID) -> dict[str, Any]:
    """The agreement with its reports, overdue reports, the measures pointing to it and its history."""
    async with pool.acquire() as conn:
        found = await db.load(conn, agreement_id)
        if found is None:
            raise NotFound("agreement_id", f"Zielvereinbarung {agreement_id} ist nicht bekannt.")
        return await _document(conn, *found, dt.date.today(), full=True)


async def list_agreements(
    pool: asyncpg.Pool,
    *,
    year: int | None = None,
    social_area_key: str | None = None,
    provider_actor_id: uuid.UUID | None = None,
) -> list[dict[str, Any]]:
    today = dt.date.today()
    async with pool.acquire() as conn:
        found = await db.list_agreements(
            conn, year=year, social_area_key=social_area_key, provider_actor_id=provider_actor_id
        )
        return [await _document(conn, a, v, today, full=False) for a, v in found]


# ---------------------------------------------------------------- demo data


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


DemoAgreement = tuple[uuid.UUID, AgreementInput, list[ReportInput], list[uuid.UUID]]


def read_demo_agreements(path: Path = DEMO_FILE) -> list[DemoAgreement]:
    """The demo agreements with their reports and the fixed ids of their targets (uuid5 of the agreement id
    and the target key)."""
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    out = []
    for raw in doc.get("agreements", []):
        agreement_id = demo_agreement_id(str(raw["key"]))
        target_ids = {str(t["key"]): uuid.uuid5(agreement_id, str(t["key"])) for t in raw["targets"]}
        spec = AgreementInput(
            provider_actor_id=uuid.UUID(str(raw["provider_actor_id"])),
            year=int(raw["year"]),
            social_area_keys=tuple(str(k) for k in raw["social_area_keys"]),
            field_of_action=str(raw["field_of_action"]),
            title=str(raw.get("title") or ""),
            responsible_department=str(raw["responsible_department"]),
            strategic_goals=tuple(str(g) for g in raw.get("strategic_goals") or ()),
            targets=tuple(
                TargetInput(str(t["indicator"]), float(t["target_value"]), str(t.get("unit") or ""))
                for t in raw["targets"]
            ),
        )
        reports = [
            ReportInput(
                period=str(r["period"]),
                values=tuple(ReachedValue(target_ids[str(k)], float(v)) for k, v in r["values"].items()),
                narrative=str(r["narrative"]),
                delivered_on=_date(r["delivered_on"]),
            )
            for r in raw.get("reports") or ()
        ]
        out.append((agreement_id, spec, reports, list(target_ids.values())))
    return out


def _fixed_ids(ids: Iterable[uuid.UUID]) -> Callable[[], uuid.UUID]:
    it = iter(list(ids))
    return lambda: next(it)


async def load_demo_agreements(pool: asyncpg.Pool, path: Path = DEMO_FILE, who: str = "demo") -> tuple[int, int]:
    """Concludes the demo agreements not yet there (with their reports); returns (created, still missing)."""
    entries = await asyncio.to_thread(read_demo_agreements, path)
    created = missing = 0
    today = dt.date.today()
    async with pool.acquire() as conn, conn.transaction():
        await db.lock_demo_agreements(conn)
        for agreement_id, spec, reports, target_ids in entries:
            if await db.load(conn, agreement_id) is not None:
                continue
            try:
                async with conn.transaction():  # a savepoint: one refused demo agreement leaves the others
                    ids = _fixed_ids(target_ids)
                    agreement, events = domain.conclude(agreement_id, spec, await catalogue(conn, spec), ids)
                    await _save(conn, agreement, events, who, new=True)
                    for report in reports:
                        if report.delivered_on <= today:
                            await submit_report_in(conn, agreement_id, report, who, today)
            except PlanError as exc:
                log.info(
                    "demo agreement not yet possible", extra={"agreement_id": str(agreement_id), "error": str(exc)}
                )
                missing += 1
                continue
            created += 1
    return created, missing


async def load_demo_agreements_when_ready(
    pool: asyncpg.Pool, interval: float = 5.0, attempts: int = 120, path: Path = DEMO_FILE
) -> None:
    """Retries until planning's registry copy knows the demo providers and areas (or gives up)."""
    for _ in range(attempts):
        created, missing = await load_demo_agreements(pool, path)
        if created:
            log.info("demo agreements loaded", extra={"agreements": created})
        if not missing:
            return
        await asyncio.sleep(interval)
    log.warning("demo agreements not loaded: the registry copy lacks their providers or areas")
