"""The status board (Lagebild), the evaluation distributions and the public view of a Sozialraum, read from
reporting's read models."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from quartier_reporting.db import board as board_db
from quartier_reporting.db import distribution as distribution_db
from quartier_reporting.db import read_models as db
from quartier_reporting.db import reports as reports_db
from quartier_reporting.domain import board as domain
from quartier_reporting.service.controlling import overdue_agreement_reports

BERLIN = ZoneInfo("Europe/Berlin")


def today_in_hamm(now: dt.datetime | None = None) -> dt.date:
    return (now or dt.datetime.now(dt.UTC)).astimezone(BERLIN).date()


async def next_conferences(conn: asyncpg.Connection, now: dt.datetime) -> dict[str, dict[str, Any]]:
    return {
        r["social_area_key"]: {"meeting_id": str(r["meeting_id"]), "title": r["title"], "starts_at": r["starts_at"]}
        for r in await board_db.next_conferences(conn, now)
    }


async def board(conn: asyncpg.Connection, year: int, now: dt.datetime | None = None) -> dict[str, Any]:
    now = now or dt.datetime.now(dt.UTC)
    today = today_in_hamm(now)
    plans = await board_db.plans_of_year(conn, year)
    statuses = await _plan_statuses(conn, list(plans.values()), today)
    needs = await _standalone_needs_of_year(conn, year)
    conferences = await next_conferences(conn, now)
    overdue_reports = await overdue_agreement_reports(conn, year, today)
    areas_out = []
    for area in await db.areas(conn):
        key = area["key"]
        plan = plans.get(key)
        status = statuses.get(plan["plan_id"]) if plan is not None else None
        needs_open, needs_answered = needs.get(key, (0, 0))
        if status is not None:
            needs_open += status.council_needs_open
            needs_answered += status.council_needs_answered
        areas_out.append(
            {
                "social_area_key": key,
                "name": area["name"],
                "district_keys": area["districts"],
                "plan": _plan_brief(plan) if plan is not None else None,
                "next_deadline": _deadline(status.deadlines.next) if status and status.deadlines.next else None,
                "overdue": [_deadline(d) for d in status.deadlines.overdue] if status else [],
                "hearings_open": status.hearings_open if status else 0,
                "needs_open": needs_open,
                "needs_answered": needs_answered,
                "next_conference": conferences.get(key),
                "overdue_agreement_reports": overdue_reports.get(key, []),
            }
        )
    return {"year": year, "areas": areas_out}


async def _plan_statuses(
    conn: asyncpg.Connection, plans: list[asyncpg.Record], today: dt.date
) -> dict[uuid.UUID, domain.PlanStatus]:
    """Per plan: its deadlines, hearings and council needs as the board shows them."""
    plan_ids = [p["plan_id"] for p in plans]
    hearings = await board_db.hearings_of(conn, plan_ids)
    council = await board_db.council_needs_of(conn, plan_ids)
    deadlines = await board_db.deadlines_of(conn, plan_ids)
    return {
        p["plan_id"]: domain.plan_status(
            p["state"],
            [h["closed"] for h in hearings if h["plan_id"] == p["plan_id"]],
            [n["answer"] is not None for n in council if n["plan_id"] == p["plan_id"]],
            [domain.Deadline(d["step"], d["due_on"], d["missed"]) for d in deadlines if d["plan_id"] == p["plan_id"]],
            today,
        )
        for p in plans
    }


async def _standalone_needs_of_year(conn: asyncpg.Connection, year: int) -> dict[str, tuple[int, int]]:
    """Per Sozialraum: the standalone needs of ``year`` still open and those answered."""
    plan_years = await board_db.plan_years(conn)
    statuses: dict[str, list[str]] = {}
    for n in await board_db.standalone_needs(conn):
        if domain.year_of_need(n["status"], n["plan_id"], n["raised_on"], plan_years) == year:
            statuses.setdefault(n["social_area_key"], []).append(n["status"])
    return {key: domain.needs_open_and_answered(s) for key, s in statuses.items()}


def _plan_brief(plan: asyncpg.Record) -> dict[str, Any]:
    return {
        "plan_id": str(plan["plan_id"]),
        "state": plan["state"],
        "state_name": domain.STATE_NAMES.get(plan["state"], plan["state"]),
        "version": plan["version"],
    }


def _deadline(d: domain.Deadline) -> dict[str, Any]:
    return {"step": d.step, "step_name": domain.STEP_NAMES.get(d.step, d.step), "due_on": d.due_on}


async def distributions(
    conn: asyncpg.Connection, district_key: str | None, year: int | None, social_area_key: str | None = None
) -> list[dict[str, Any]]:
    rows = await distribution_db.distributions(conn, district_key, year, social_area_key)
    return [
        {
            "plan_id": str(r["plan_id"]),
            "social_area_key": r["social_area_key"],
            "year": r["year"],
            "kind": r["kind"],
            "distributed_at": r["distributed_at"],
            "district_keys": json.loads(r["district_keys"]),
            "summary": json.loads(r["summary"]),
        }
        for r in rows
    ]


async def public_social_area(
    conn: asyncpg.Connection, key: str, year: int, now: dt.datetime | None = None
) -> dict[str, Any] | None:
    """What anyone may see of a Sozialraum: the plan in brief (only once it is final), the next
    Stadtteilkonferenz, the published reports. No personal data (no actors, no names)."""
    area = next((a for a in await db.areas(conn) if a["key"] == key), None)
    if area is None:
        return None
    now = now or dt.datetime.now(dt.UTC)
    plan_out: dict[str, Any] | None = None
    plan = (await board_db.plans_of_year(conn, year)).get(key)
    if plan is not None and domain.reached(plan["state"], domain.PUBLIC_FROM):
        fields = (await db.vocabularies(conn)).get("fields_of_action", [])
        by_field: dict[str, list[dict[str, Any]]] = {}
        for m in await db.measures_of(conn, plan["plan_id"]):
            if m["review_decision"] == "dropped":
                continue
            by_field.setdefault(m["field_of_action"], []).append(
                {"title": m["title"], "period": {"starts_on": m["starts_on"], "ends_on": m["ends_on"]}}
            )
        order = {f: i for i, f in enumerate(fields)}
        plan_out = {
            "year": year,
            "state": plan["state"],
            "state_name": domain.STATE_NAMES.get(plan["state"], plan["state"]),
            "measures_by_field": [
                {"field_of_action": f, "measures": by_field[f]}
                for f in sorted(by_field, key=lambda f: (order.get(f, len(order)), f))
            ],
        }
    return {
        "social_area_key": key,
        "name": area["name"],
        "plan": plan_out,
        "next_conference": (await next_conferences(conn, now)).get(key),
        "published_reports": await published_reports(conn),
    }


async def published_reports(conn: asyncpg.Connection) -> list[dict[str, Any]]:
    """The published versions of the Gesamtbericht, newest year first (without who published them)."""
    return [
        {"year": r["year"], "version": r["version"], "published_at": r["published_at"]}
        for r in await reports_db.versions(conn)
    ]
