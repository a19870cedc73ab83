"""The status board (Lagebild), the evaluation distributions and the public view of a Sozialraum, read from
reporting's read models."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from quartier_reporting.db import controlling as controlling_db
from quartier_reporting.db import read_models as db
from quartier_reporting.db import reports as reports_db
from quartier_reporting.domain import board as domain
from quartier_reporting.domain import controlling
from quartier_reporting.service.report_input import agreement_infos

BERLIN = ZoneInfo("Europe/Berlin")


def today_in_hamm(now: dt.datetime | None = None) -> dt.date:
    return (now or dt.datetime.now(dt.UTC)).astimezone(BERLIN).date()


async def _plans_of_year(conn: asyncpg.Connection, year: int) -> dict[str, asyncpg.Record]:
    rows = await conn.fetch(
        "SELECT * FROM plans WHERE year = $1 ORDER BY social_area_key, drafted_at NULLS LAST, plan_id", year
    )
    out: dict[str, asyncpg.Record] = {}
    for r in rows:
        out.setdefault(r["social_area_key"], r)
    return out


def _year_of_need(row: asyncpg.Record, plan_years: dict[uuid.UUID, int]) -> int | None:
    """A need taken into a plan belongs to that plan's year, any other to the year it was raised."""
    if row["status"] == "taken_into_plan" and row["plan_id"] in plan_years:
        return plan_years[row["plan_id"]]
    raised: dt.date | None = row["raised_on"]
    return raised.year if raised else None


async def next_conferences(conn: asyncpg.Connection, now: dt.datetime) -> dict[str, dict[str, Any]]:
    rows = await conn.fetch(
        """SELECT DISTINCT ON (social_area_key) meeting_id, social_area_key, coalesce(display_title, title) AS title,
                  starts_at
           FROM meetings
           WHERE kind = 'neighbourhood_conference' AND NOT cancelled AND social_area_key IS NOT NULL
             AND starts_at >= $1
           ORDER BY social_area_key, starts_at, meeting_id""",
        now,
    )
    return {
        r["social_area_key"]: {"meeting_id": str(r["meeting_id"]), "title": r["title"], "starts_at": r["starts_at"]}
        for r in rows
    }


async def board(conn: asyncpg.Connection, year: int, now: dt.datetime | None = None) -> dict[str, Any]:
    now = now or dt.datetime.now(dt.UTC)
    today = today_in_hamm(now)
    plans = await _plans_of_year(conn, year)
    plan_ids = [p["plan_id"] for p in plans.values()]
    hearings = await conn.fetch("SELECT plan_id, closed FROM plan_hearings WHERE plan_id = ANY($1::uuid[])", plan_ids)
    council = await conn.fetch("SELECT plan_id, answer FROM council_needs WHERE plan_id = ANY($1::uuid[])", plan_ids)
    deadlines = await conn.fetch("SELECT * FROM deadlines WHERE plan_id = ANY($1::uuid[])", plan_ids)
    plan_years = {r["plan_id"]: r["year"] for r in await conn.fetch("SELECT plan_id, year FROM plans")}
    needs = await conn.fetch("SELECT social_area_key, status, plan_id, raised_on FROM needs WHERE source <> ''")
    conferences = await next_conferences(conn, now)
    overdue_reports = await overdue_agreement_reports(conn, year, today)
    areas_out = []
    for area in await db.areas(conn):
        key = area["key"]
        plan = plans.get(key)
        plan_out: dict[str, Any] | None = None
        next_deadline: dict[str, Any] | None = None
        overdue: list[dict[str, Any]] = []
        hearings_open = needs_open = needs_answered = 0
        if plan is not None:
            pid = plan["plan_id"]
            mine = [h for h in hearings if h["plan_id"] == pid]
            hearings_open = sum(1 for h in mine if not h["closed"])
            all_closed = bool(mine) and hearings_open == 0
            status = domain.deadline_status(
                plan["state"],
                all_closed,
                [domain.Deadline(d["step"], d["due_on"], d["missed"]) for d in deadlines if d["plan_id"] == pid],
                today,
            )
            if status.next is not None:
                next_deadline = _deadline(status.next)
            overdue = [_deadline(d) for d in status.overdue]
            for n in council:
                if n["plan_id"] == pid:
                    if n["answer"] is None:
                        needs_open += 1
                    else:
                        needs_answered += 1
            plan_out = {
                "plan_id": str(pid),
                "state": plan["state"],
                "state_name": domain.STATE_NAMES.get(plan["state"], plan["state"]),
                "version": plan["version"],
            }
        for n in needs:
            if n["social_area_key"] == key and _year_of_need(n, plan_years) == year:
                if n["status"] == "open":
                    needs_open += 1
                else:
                    needs_answered += 1
        areas_out.append(
            {
                "social_area_key": key,
                "name": area["name"],
                "district_keys": area["districts"],
                "plan": plan_out,
                "next_deadline": next_deadline,
                "overdue": overdue,
                "hearings_open": hearings_open,
                "needs_open": needs_open,
                "needs_answered": needs_answered,
                "next_conference": conferences.get(key),
                "overdue_agreement_reports": overdue_reports.get(key, []),
            }
        )
    return {"year": year, "areas": areas_out}


async def overdue_agreement_reports(
    conn: asyncpg.Connection, year: int, today: dt.date
) -> dict[str, list[dict[str, Any]]]:
    """Per Sozialraum: the activity reports of the year's target agreements not delivered by their due date."""
    rows = await controlling_db.agreements_of_year(conn, year)
    reports = await controlling_db.reports_of(conn, [r["agreement_id"] for r in rows])
    out: dict[str, list[dict[str, Any]]] = {}
    for agreement in agreement_infos(rows, reports):
        for period in controlling.PERIODS:
            status = controlling.report_status(agreement, period, today)
            if status is None or status.status != "overdue":
                continue
            for key in agreement.social_area_keys:
                out.setdefault(key, []).append(
                    {
                        "agreement_id": str(agreement.agreement_id),
                        "title": agreement.title,
                        "provider_actor_id": str(agreement.provider_actor_id),
                        "period": period,
                        "period_name": controlling.PERIODS[period],
                        "due_on": dt.date.fromisoformat(status.due_on),
                    }
                )
    for items in out.values():
        items.sort(key=lambda o: (o["due_on"], o["title"], o["agreement_id"]))
    return out


def _deadline(d: domain.Deadline) -> dict[str, Any]:
    return {"step": d.step, "step_name": domain.STEP_NAMES.get(d.step, d.step), "due_on": d.due_on}


async def distributions(
    conn: asyncpg.Connection, district_key: str | None, year: int | None, social_area_key: str | None = None
) -> list[dict[str, Any]]:
    rows = await db.distributions(conn, district_key, year, social_area_key)
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
    plan = (await _plans_of_year(conn, year)).get(key)
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
