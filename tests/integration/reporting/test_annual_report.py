"""The Gesamtbericht on a generated data set: all 9 Sozialräume over three years, driven through the APIs of
planning and invitations (registry's demo offers included), on the real broker and database.

Every figure of the report must equal the count recomputed here, independently of reporting's code, from the
events read back from the broker; the PDF must carry the totals, CSV and JSON must agree with the report, and
publishing must freeze a version and announce it on the broker.
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import json
import random
import re
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import pypdf
import pytest
from aiokafka import ConsumerRecord

# the payload classes register their event types, so that valid events are told from poison
import quartier_shared.events.invitations
import quartier_shared.events.offers
import quartier_shared.events.planning
import quartier_shared.events.reporting
import quartier_shared.events.territory  # noqa: F401
from quartier_shared.events.envelope import PoisonEvent, decode_record
from quartier_shared.events.topics import (
    INVITATIONS_MEETINGS,
    PLANNING_GOALS,
    PLANNING_PLANS,
    REGISTRY_OFFERS,
    REGISTRY_TERRITORY,
    REPORTING_REPORTS,
)
from tests.support.helpers import connect_as, eventually
from tests.support.kafka import read_topic
from tests.support.stack import Stack

BERLIN = ZoneInfo("Europe/Berlin")
ACTOR = {"X-Quartier-Actor": "koordination-jahresbericht"}
STEERING = {"X-Quartier-Actor": "lenkungskreis-jahresbericht"}
SOURCES = ("neighbourhood_conference", "district_council", "service", "resident")


# ---------------------------------------------------------------- reading the broker


def _records_to_events(records: list[ConsumerRecord[bytes, bytes]]) -> list[tuple[str, dt.datetime, dict[str, Any]]]:
    """(short type, event time, payload) in (partition, offset) order, so one key's events stay in order.

    As every consumer does: records that are no valid event (other tests put poison on some topics) are
    skipped, and an event delivered twice counts once (by its id)."""
    seen: set[uuid.UUID] = set()
    out = []
    for r in sorted(records, key=lambda r: (r.partition, r.offset)):
        try:
            event = decode_record(list(r.headers or ()), r.value)
            event.payload()
        except PoisonEvent:
            continue
        if event.id in seen:
            continue
        seen.add(event.id)
        out.append((event.type.split(".")[-2], event.time, event.data))
    return out


async def broker_events(stack: Stack, *topics: str) -> dict[str, list[tuple[str, dt.datetime, dict[str, Any]]]]:
    bootstrap = stack.env["QUARTIER_KAFKA_BOOTSTRAP"]
    read = await asyncio.gather(*(read_topic(bootstrap, stack.topic_prefix + t) for t in topics))
    return {t: _records_to_events(r) for t, r in zip(topics, read, strict=True)}


# ---------------------------------------------------------------- the independent recomputation


@dataclass
class _Measure:
    id: str
    facts: dict[str, Any]
    decision: str | None = None
    outcome: str | None = None


@dataclass
class _Plan:
    id: str
    area: str
    year: int
    state: str = "draft"
    measures: dict[str, _Measure] = field(default_factory=dict)
    hearings: dict[str, bool] = field(default_factory=dict)  # district → closed
    council_needs: dict[str, dict[str, Any]] = field(default_factory=dict)  # id → {district, answer, measure}


Expected = dict[tuple[str, str, str], list[tuple[str, str, str | None, int]]]


def recompute(events: dict[str, list[tuple[str, dt.datetime, dict[str, Any]]]], year: int) -> Expected:
    """(area key or "" for the city, dimension, key) → sorted [(kind, id, plan_id, amount)], from events only."""
    areas: list[str] = []
    districts_of: dict[str, list[str]] = defaultdict(list)
    vocab: dict[str, list[str]] = {}
    for etype, _, p in events[REGISTRY_TERRITORY.name]:
        if etype == "SocialAreaRegistered" and p["social_area_key"] not in areas:
            areas.append(p["social_area_key"])
        elif etype == "ResidentialAreaRegistered":
            if p["district_key"] not in districts_of[p["social_area_key"]]:
                districts_of[p["social_area_key"]].append(p["district_key"])
        elif etype == "VocabularyPublished":
            vocab[p["vocabulary"]] = p["terms"]
    leitziele = set(vocab.get("strategic_goals", []))
    steuerungsziele = set(vocab.get("steering_goals", []))

    plans: dict[str, _Plan] = {}
    needs: dict[str, dict[str, Any]] = {}
    state_after = {
        "PlanSubmitted": "presented",
        "PlanFinalized": "final",
        "PlanStarted": "in_progress",
        "MidYearReviewCompleted": "mid_year_reviewed",
        "PlanEvaluated": "evaluated",
    }
    for etype, at, p in events[PLANNING_PLANS.name]:
        if etype == "PlanDrafted":
            plans[p["plan_id"]] = _Plan(p["plan_id"], p["social_area_key"], p["year"])
            continue
        if etype == "NeedRaised":
            raised_on = dt.date.fromisoformat(p["raised_on"]) if p.get("raised_on") else at.astimezone(BERLIN).date()
            needs[p["need_id"]] = {
                "area": p["social_area_key"],
                "source": p["source"],
                "raised_on": raised_on,
                "status": "open",
                "plan": None,
                "measure": None,
            }
            continue
        if etype in ("NeedTakenIntoPlan", "NeedForwarded", "NeedDeclined", "NeedReopened"):
            need = needs[p["need_id"]]
            need["status"] = {
                "NeedTakenIntoPlan": "taken_into_plan",
                "NeedForwarded": "forwarded",
                "NeedDeclined": "declined",
                "NeedReopened": "open",
            }[etype]
            need["plan"] = p.get("plan_id") if etype == "NeedTakenIntoPlan" else None
            need["measure"] = p.get("measure_id") if etype == "NeedTakenIntoPlan" else None
            continue
        plan = plans.get(p.get("plan_id", ""))
        if plan is None:
            continue
        plan.state = state_after.get(etype, plan.state)
        if etype in ("MeasureAdded", "MeasureChanged"):
            old = plan.measures.get(p["measure_id"])
            plan.measures[p["measure_id"]] = _Measure(p["measure_id"], p, old.decision if old else None)
        elif etype == "MeasureRemoved":
            plan.measures.pop(p["measure_id"], None)
        elif etype == "MeasuresCarriedOver":
            for facts in p["measures"]:
                plan.measures[facts["measure_id"]] = _Measure(facts["measure_id"], facts)
        elif etype == "PlanSubmitted":
            plan.hearings = {d: False for d in p["hearing_district_keys"]}
        elif etype == "HearingClosed":
            plan.hearings[p["district_key"]] = True
        elif etype == "CouncilNeedsRecorded":
            for need_id in p["need_ids"]:
                plan.council_needs[need_id] = {"district": p["district_key"], "answer": None, "measure": None}
        elif etype == "NeedAnswered":
            plan.council_needs[p["need_id"]].update(answer=p["answer"], measure=p.get("measure_id"))
        elif etype == "MidYearReviewCompleted":
            facts_of = {f["measure_id"]: f for f in p["measures"]}
            for decision in ("continued", "changed", "dropped", "added"):
                for mid in p[decision]:
                    measure = plan.measures.get(mid) or _Measure(mid, facts_of[mid])
                    if mid in facts_of:
                        measure.facts = facts_of[mid]
                    measure.decision = decision
                    plan.measures[mid] = measure
        elif etype == "PlanEvaluated":
            for outcome in ("done", "partly", "not_done"):
                for mid in p[outcome]:
                    plan.measures[mid].outcome = outcome

    meetings: dict[str, dict[str, Any]] = {}
    for etype, _, p in events[INVITATIONS_MEETINGS.name]:
        if etype == "MeetingScheduled" and p["kind"] == "neighbourhood_conference":
            meetings[p["meeting_id"]] = {
                "area": p["social_area_key"],
                "starts_at": dt.datetime.fromisoformat(p["starts_at"]),
                "cancelled": False,
                "attendance": None,
            }
        elif p.get("meeting_id") in meetings:
            meeting = meetings[p["meeting_id"]]
            if etype == "MeetingRescheduled":
                meeting["starts_at"] = dt.datetime.fromisoformat(p["starts_at"])
            elif etype == "MeetingCancelled":
                meeting["cancelled"] = True
            elif etype == "AttendanceRecorded":
                meeting["attendance"] = len(p["person_ids"]) + p["guests"]

    offers: dict[str, dict[str, Any]] = {}
    for etype, _, p in events[REGISTRY_OFFERS.name]:
        if etype in ("OfferRegistered", "OfferChanged"):
            withdrawn = offers.get(p["offer_id"], {}).get("withdrawn", False)
            offers[p["offer_id"]] = {
                "field": p["offer"]["field_of_action"],
                "area": p["offer"]["place"]["social_area_key"],
                "withdrawn": withdrawn,
            }
        elif etype == "OfferWithdrawn":
            offers.setdefault(p["offer_id"], {"field": None, "area": None})["withdrawn"] = True
        elif etype == "OffersMerged":
            offers.setdefault(p["withdrawn_offer_id"], {"field": None, "area": None})["withdrawn"] = True

    out: Expected = defaultdict(list)

    def add(area: str, dimension: str, key: str, kind: str, ref_id: str, plan_id: str | None, amount: int = 1) -> None:
        if area not in areas:
            return
        for scope in (area, ""):
            out[(scope, dimension, key)].append((kind, ref_id, plan_id, amount))

    def funnel(area: str, source: str, kind: str, ref_id: str, plan_id: str | None, taken: bool, done: bool) -> None:
        stages = ["raised"] + ["taken"] * taken + ["done"] * done
        for stage in stages:
            add(area, "needs_funnel", stage, kind, ref_id, plan_id)
            add(area, f"needs_funnel.{source}", stage, kind, ref_id, plan_id)

    outcome_of = {(pl.id, m.id): m.outcome for pl in plans.values() for m in pl.measures.values()}
    for plan in plans.values():
        if plan.year != year:
            continue
        a = plan.area
        add(a, "plans_by_state", plan.state, "plan", plan.id, plan.id)
        for m in plan.measures.values():
            add(a, "mid_year_review", m.decision or "not_reviewed", "measure", m.id, plan.id)
            add(a, "evaluation_outcomes", m.outcome or "not_evaluated", "measure", m.id, plan.id)
            if m.decision == "dropped":
                continue
            f = m.facts
            add(a, "measures_by_field_of_action", f["field_of_action"], "measure", m.id, plan.id)
            for theme in set(f.get("cross_cutting_themes", [])):
                add(a, "measures_by_cross_cutting_theme", theme, "measure", m.id, plan.id)
            for goal in set(f.get("strategic_goals", [])):
                steering = goal in steuerungsziele and goal not in leitziele
                add(a, f"measures_by_{'steering' if steering else 'strategic'}_goal", goal, "measure", m.id, plan.id)
            for goal_id in set(f.get("steering_goal_ids", [])):
                add(a, "measures_by_committee_goal", goal_id, "measure", m.id, plan.id)
        for district, closed in plan.hearings.items():
            add(a, "council_hearings", "hearings", "hearing", district, plan.id)
            add(a, "council_hearings", "closed" if closed else "open", "hearing", district, plan.id)
        for need_id, n in plan.council_needs.items():
            add(a, "council_needs_by_district", n["district"], "council_need", need_id, plan.id)
            add(a, "council_need_answers", n["answer"] or "unanswered", "council_need", need_id, plan.id)
            taken = n["answer"] == "taken_into_plan"
            done = taken and outcome_of.get((plan.id, n["measure"])) == "done"
            funnel(a, "district_council", "council_need", need_id, plan.id, taken, done)
    for need_id, n in needs.items():
        taken = n["status"] == "taken_into_plan"
        need_year = plans[n["plan"]].year if taken and n["plan"] in plans else n["raised_on"].year
        if need_year != year:
            continue
        done = taken and outcome_of.get((n["plan"], n["measure"])) == "done"
        funnel(n["area"], n["source"], "need", need_id, n["plan"] if taken else None, taken, done)
    for meeting_id, mt in meetings.items():
        if mt["cancelled"] or mt["starts_at"].astimezone(BERLIN).year != year:
            continue
        add(mt["area"], "neighbourhood_conferences", "scheduled", "meeting", meeting_id, None)
        if mt["attendance"] is not None:
            add(mt["area"], "neighbourhood_conferences", "held", "meeting", meeting_id, None)
            add(mt["area"], "neighbourhood_conferences", "participants", "meeting", meeting_id, None, mt["attendance"])
    for offer_id, o in offers.items():
        if not o["withdrawn"]:
            add(o["area"], "offers_by_field_of_action", o["field"], "offer", offer_id, None)
    return {k: sorted(v, key=str) for k, v in out.items()}


def actual_figures(report: dict[str, Any]) -> Expected:
    out: Expected = {}
    for scope in (report["city"], *report["areas"]):
        for section in scope["sections"]:
            for fig in section["figures"]:
                refs = [(r["kind"], r["id"], r.get("plan_id"), r.get("amount", 1)) for r in fig["refs"]]
                assert fig["value"] == sum(r[3] for r in refs)
                out[(scope["social_area_key"] or "", section["dimension"], fig["key"])] = sorted(refs, key=str)
    return out


def differences(expected: Expected, actual: Expected) -> list[str]:
    diffs = []
    for key in sorted(set(expected) | set(actual)):
        if key not in actual:
            diffs.append(f"{key}: missing in the report (expected {len(expected[key])})")
        elif expected.get(key, []) != actual[key]:
            exp = expected.get(key, [])
            diffs.append(f"{key}: report {sum(r[3] for r in actual[key])}, events {sum(r[3] for r in exp)}")
    return diffs


# ---------------------------------------------------------------- the generated data set


@dataclass
class DataSet:
    years: list[int]
    areas: list[str]
    plans: dict[tuple[str, int], str] = field(default_factory=dict)


async def _ok(response: httpx.Response, *status: int) -> dict[str, Any]:
    assert response.status_code in (status or (200, 201)), f"{response.request.url}: {response.text}"
    body: dict[str, Any] = response.json()
    return body


def _measure(i: int, j: int, k: int, year: int, ctx: dict[str, Any], title: str | None = None) -> dict[str, Any]:
    fields, themes = ctx["fields"], ctx["themes"]
    leit, steer = ctx["leitziele"], ctx["steuerungsziele"]
    goals = [leit[(i + j) % len(leit)]] + ([steer[(k + i) % len(steer)]] if j == 0 and steer else [])
    return {
        "title": title or f"Maßnahme {j + 1} ({ctx['names'][i]}, {year})",
        "description": "Erzeugt für den Gesamtbericht-Test",
        "field_of_action": fields[(i + j + k) % len(fields)],
        "responsible_actor_id": ctx["actor"],
        "starts_on": f"{year}-02-01",
        "ends_on": f"{year}-11-30",
        "cross_cutting_themes": [themes[(i + j) % len(themes)], themes[(i + 2 * j + 1) % len(themes)]][: 1 + j % 2],
        "strategic_goals": goals,
        "steering_goal_ids": [ctx["goal_id"]] if (i + j) % 2 == 0 else [],
        "at_community_centre": True,
        "target_groups": ["Familien"],
    }


# What each plan of the data set reaches: Y0 all evaluated; Y1 and Y2 spread over the other states.
def _target(i: int, k: int) -> str:
    if k == 0:
        return "evaluated"
    if k == 1:
        return ("evaluated", "mid_year_reviewed", "in_progress")[i % 3]
    return ("final", "presented", "draft")[i % 3]


_ORDER = ("draft", "presented", "final", "in_progress", "mid_year_reviewed", "evaluated")


def _reaches(target: str, state: str) -> bool:
    return _ORDER.index(target) >= _ORDER.index(state)


async def _one_plan(client: httpx.AsyncClient, api: str, ctx: dict[str, Any], i: int, k: int, year: int) -> str:
    area = ctx["areas"][i]
    target = _target(i, k)
    plan = await _ok(await client.post(f"{api}/plans", json={"social_area_key": area, "year": year}, headers=ACTOR))
    pid = str(plan["id"])
    measure_ids = []
    for j in range(2 + (i + k) % 2):
        added = await _ok(
            await client.post(f"{api}/plans/{pid}/measures", json=_measure(i, j, k, year, ctx), headers=ACTOR)
        )
        measure_ids.append(added["measure_id"])
    # standalone needs of the year: one taken into the plan, one forwarded, one declined or left open
    raised_on = f"{year}-03-{1 + i:02d}"
    need_ids = []
    for n, source in enumerate((SOURCES[(i + k) % 4], "resident", "service")):
        body = {
            "source": source,
            "social_area_key": area,
            "field_of_action": ctx["fields"][(i + n) % len(ctx["fields"])],
            "title": f"Bedarf {n + 1} aus {ctx['names'][i]} {year}",
            "raised_on": raised_on,
            "raised_by": "Bewohner:in" if source == "resident" else ctx["actor"],
        }
        need_ids.append((await _ok(await client.post(f"{api}/needs", json=body, headers=ACTOR)))["id"])
    await _ok(
        await client.post(
            f"{api}/needs/{need_ids[0]}/take-into-plan",
            json={"plan_id": pid, "measure_id": measure_ids[0]},
            headers=ACTOR,
        )
    )
    await _ok(
        await client.post(f"{api}/needs/{need_ids[1]}/forward", json={"forwarded_to": "Jugendamt"}, headers=ACTOR)
    )
    if i % 2 == 0:
        await _ok(
            await client.post(f"{api}/needs/{need_ids[2]}/decline", json={"reason": "nicht zuständig"}, headers=ACTOR)
        )
    if target == "draft":
        return pid

    presented = await _ok(await client.post(f"{api}/plans/{pid}/present", headers=ACTOR))
    districts = [h["district_key"] for h in presented["hearings"]]
    council_needs: list[str] = []
    for d in districts:
        recorded = await _ok(
            await client.post(
                f"{api}/plans/{pid}/hearings/{d}/needs",
                json={"needs": [{"text": f"Bedarf der Bezirksvertretung {d} für {area} {year}"}]},
                headers={"X-Quartier-Actor": f"bv-{d}"},
            ),
            201,
        )
        council_needs += recorded["need_ids"]
    answers = [
        {"kind": "taken_into_plan", "measure_id": measure_ids[0]},
        {"kind": "forwarded", "forwarded_to": "Ordnungsamt"},
        {"kind": "not_possible", "reason": "kein Raum"},
    ]
    for n, need_id in enumerate(council_needs):
        if target == "presented" and n > 0:
            break  # the rest stays unanswered
        await _ok(
            await client.post(f"{api}/plans/{pid}/needs/{need_id}/answer", json=answers[(i + n) % 3], headers=ACTOR)
        )
    for n, d in enumerate(districts):
        if target == "presented" and n > 0:
            break  # the other hearings stay open
        await _ok(await client.post(f"{api}/plans/{pid}/hearings/{d}/close", headers=ACTOR))
    if target == "presented":
        return pid
    await _ok(await client.post(f"{api}/plans/{pid}/finalize", headers=ACTOR))
    if target == "final":
        return pid
    await _ok(await client.post(f"{api}/plans/{pid}/start", headers=ACTOR))
    if target == "in_progress":
        return pid
    entries: list[dict[str, Any]] = [
        {"decision": "continued", "reason": "läuft gut", "measure_id": measure_ids[0]},
        {
            "decision": "changed",
            "reason": "anderer Schwerpunkt",
            "measure_id": measure_ids[1],
            "measure": _measure(i + 1, 1, k + 1, year, ctx, title=f"Geänderte Maßnahme ({ctx['names'][i]}, {year})"),
        },
        {
            "decision": "added",
            "reason": "neuer Bedarf",
            "measure": _measure(i, 3, k, year, ctx, title=f"Neue Maßnahme ({ctx['names'][i]}, {year})"),
        },
    ]
    if len(measure_ids) > 2:
        entries.append({"decision": "dropped", "reason": "kein Träger", "measure_id": measure_ids[2]})
    reviewed = await _ok(
        await client.post(f"{api}/plans/{pid}/mid-year-review", json={"entries": entries}, headers=ACTOR)
    )
    if target == "mid_year_reviewed":
        return pid
    active = [m["id"] for m in reviewed["measures"] if m.get("review") != "dropped"]
    outcomes = ("done", "partly", "not_done")
    evaluation = [
        {"measure_id": mid, "outcome": outcomes[(i + n + k) % 3], "indicators_reached": [], "lessons": "–"}
        for n, mid in enumerate(active)
    ]
    await _ok(await client.post(f"{api}/plans/{pid}/evaluate", json={"entries": evaluation}, headers=ACTOR))
    return pid


async def _conference(client: httpx.AsyncClient, api: str, ctx: dict[str, Any], i: int, k: int, year: int) -> None:
    area = ctx["areas"][i]
    start = dt.datetime(year, 4 + k, 2 + i, 18, 0, tzinfo=BERLIN)
    body = {
        "kind": "neighbourhood_conference",
        "body_ids": [ctx["conference_bodies"][area]],
        "social_area_key": area,
        "title": "",
        "local_title": None,
        "purposes": [],
        "format": "in_person",
        "starts_at": start.isoformat(),
        "ends_at": (start + dt.timedelta(hours=2)).isoformat(),
        "timezone": "Europe/Berlin",
        "location": {"community_centre": True, "address": None, "online_url": None},
        "agenda": ["Begrüßung", "Jahresplan"],
        "description": "Alle Bewohner:innen sind eingeladen.",
        "public": True,
        "override_reason": None,
    }
    response = await client.post(f"{api}/meetings", json=body, headers=ACTOR)
    if response.status_code == 409:  # a date conflict with the political calendar: decided consciously
        response = await client.post(f"{api}/meetings", json=body | {"override_reason": "Testdaten"}, headers=ACTOR)
    meeting = await _ok(response, 201)
    url = f"{api}/meetings/{meeting['id']}"
    if (i + k) % 3 != 2:
        persons = [str(uuid.uuid4()) for _ in range(i % 3)]
        await _ok(await client.post(f"{url}/attendance", json={"person_ids": persons, "guests": 5 + i}, headers=ACTOR))
    if (i, k) == (8, 1):
        await _ok(await client.post(f"{url}/cancel", json={"reason": "Saal belegt"}, headers=ACTOR))


async def _outboxes_empty(env: dict[str, str]) -> bool:
    for service in ("registry", "planning", "invitations"):
        conn = await connect_as(env, service)
        try:
            if await conn.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL"):
                return False
        finally:
            await conn.close()
    return True


@pytest.fixture(scope="module")
async def dataset(stack: Stack, env: dict[str, str]) -> AsyncIterator[DataSet]:
    for name in ("registry", "planning", "invitations", "reporting"):
        stack.start(name)
    planning = f"{stack.url('planning')}/api/v1"
    invitations = f"{stack.url('invitations')}/api/v1"
    registry = f"{stack.url('registry')}/api/v1"
    conn: asyncpg.Connection = await connect_as(env, "planning")
    try:

        async def copied() -> bool:
            vocab = await conn.fetchval("SELECT count(*) FROM registry_vocabularies WHERE name = 'fields_of_action'")
            areas = await conn.fetchval("SELECT count(DISTINCT social_area_key) FROM registry_residential_areas")
            return bool(vocab and areas == 9)

        await eventually(copied, timeout=60)
        # three consecutive past years without any plan, so that needs may be raised on days inside them
        start: int = await conn.fetchval(
            """SELECT y FROM generate_series(2003, 2021) y
               WHERE NOT EXISTS (SELECT 1 FROM plans WHERE year BETWEEN y AND y + 2)
               ORDER BY random() LIMIT 1"""
        )
        vocab = {
            r["name"]: json.loads(r["terms"])
            for r in await conn.fetch("SELECT name, terms::text AS terms FROM registry_vocabularies")
        }
    finally:
        await conn.close()
    years = [start, start + 1, start + 2]
    async with httpx.AsyncClient(timeout=60) as client:
        areas = (await client.get(f"{registry}/social-areas")).json()
        actors = [a for a in (await client.get(f"{registry}/actors")).json() if not a["withdrawn"]]
        bodies = (await client.get(f"{registry}/bodies")).json()

        goal = await _ok(
            await client.post(
                f"{planning}/goals",
                json={
                    "title": f"Testziel Gesamtbericht {years[0]}",
                    "council_decision": f"Ratsbeschluss {years[0]}/{random.randint(100, 999)}",
                    "decided_on": f"{years[0]}-01-15",
                    "valid_from_year": years[0],
                    "valid_until_year": years[2],
                },
                headers=STEERING,
            ),
            201,
        )
        ctx = {
            "areas": [a["key"] for a in areas],
            "names": [a["name"] for a in areas],
            "fields": vocab["fields_of_action"],
            "themes": vocab["cross_cutting_themes"],
            "leitziele": vocab["strategic_goals"],
            "steuerungsziele": vocab.get("steering_goals", []),
            "actor": actors[0]["id"],
            "goal_id": goal["id"],
            "conference_bodies": {
                b["social_area_key"]: b["id"] for b in bodies if b["kind"] == "neighbourhood_conference"
            },
        }
        assert len(ctx["areas"]) == 9
        await eventually(_actor_known(env, actors[0]["id"]), timeout=60)
        plan_ids = await asyncio.gather(
            *(_one_plan(client, planning, ctx, i, k, y) for i in range(9) for k, y in enumerate(years))
        )
        await asyncio.gather(
            *(_conference(client, invitations, ctx, i, k, y) for i in range(9) for k, y in enumerate(years))
        )
    data = DataSet(years, ctx["areas"])
    for n, (i, k) in enumerate((i, k) for i in range(9) for k in range(3)):
        data.plans[(ctx["areas"][i], years[k])] = plan_ids[n]
    await eventually(lambda: _outboxes_empty(env), timeout=60)
    yield data


def _actor_known(env: dict[str, str], actor_id: str) -> Any:
    async def check() -> bool:
        conn = await connect_as(env, "planning")
        try:
            return bool(await conn.fetchval("SELECT count(*) FROM registry_actors WHERE id = $1", uuid.UUID(actor_id)))
        finally:
            await conn.close()

    return check


TOPICS = (
    REGISTRY_TERRITORY.name,
    PLANNING_PLANS.name,
    PLANNING_GOALS.name,
    INVITATIONS_MEETINGS.name,
    REGISTRY_OFFERS.name,
)


async def _report(client: httpx.AsyncClient, stack: Stack, year: int, **params: Any) -> dict[str, Any]:
    response = await client.get(f"{stack.url('reporting')}/api/v1/reports/{year}", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _matching_report(client: httpx.AsyncClient, stack: Stack, year: int) -> tuple[dict[str, Any], Expected]:
    """The draft report once reporting has taken in every event on the broker (fails with the differences)."""
    events = await broker_events(stack, *TOPICS)
    expected = recompute(events, year)
    last: list[str] = []

    async def check() -> dict[str, Any] | None:
        nonlocal last
        report = await _report(client, stack, year)
        last = differences(expected, actual_figures(report))
        return None if last else report

    try:
        report = await eventually(check, timeout=120, interval=1)
    except AssertionError:
        raise AssertionError(f"report {year} differs from the events:\n" + "\n".join(last[:40])) from None
    assert report is not None
    return report, expected


# ---------------------------------------------------------------- the tests


async def test_every_figure_equals_the_count_recomputed_from_the_events(stack: Stack, dataset: DataSet) -> None:
    async with httpx.AsyncClient(timeout=60) as client:
        for k, year in enumerate(dataset.years):
            report, _ = await _matching_report(client, stack, year)
            city = {(s["dimension"], f["key"]): f["value"] for s in report["city"]["sections"] for f in s["figures"]}
            # the data set is visible in the figures (not only zeros on both sides)
            assert city[("plans_by_state", "evaluated")] == (9, 3, 0)[k]
            assert sum(v for (d, _), v in city.items() if d == "measures_by_field_of_action") >= 18
            assert city[("needs_funnel", "raised")] >= city[("needs_funnel", "taken")] >= city[("needs_funnel", "done")]
            assert city[("needs_funnel", "taken")] >= 9
            assert city[("neighbourhood_conferences", "held")] >= 5
            assert city[("neighbourhood_conferences", "participants")] >= 30
            assert city[("council_hearings", "hearings")] >= (6 if k < 2 else 1)
            assert sum(v for (d, _), v in city.items() if d == "offers_by_field_of_action") >= 1
            if k == 0:
                assert city[("evaluation_outcomes", "done")] >= 1 and city[("mid_year_review", "dropped")] >= 1
            # the plans of the data set are named per Sozialraum
            for area in report["areas"]:
                assert dataset.plans[(area["social_area_key"], year)] in [p["plan_id"] for p in area["plans"]]
            assert len(report["charts"]) >= 2 and all('role="img"' in c["svg"] for c in report["charts"])


async def test_json_and_csv_agree_with_the_report_and_the_pdf_has_the_totals(stack: Stack, dataset: DataSet) -> None:
    year = dataset.years[0]
    base = f"{stack.url('reporting')}/api/v1/reports/{year}"
    async with httpx.AsyncClient(timeout=60) as client:
        report, _ = await _matching_report(client, stack, year)
        figures = actual_figures(report)
        as_json = await client.get(f"{base}.json", params={"draft": "true"})
        assert as_json.status_code == 200 and as_json.headers["content-type"].startswith("application/json")
        assert actual_figures(as_json.json()) == figures
        assert as_json.json()["status"] == "draft"

        as_csv = await client.get(f"{base}.csv", params={"draft": "true"})
        assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(as_csv.text, newline="")))
        assert len(rows) == len(figures)
        for row in rows:
            assert not any(v.startswith(("=", "+", "-", "@", "\t", "\r")) for v in row.values())
            key = row["key"][1:] if row["key"].startswith("'") else row["key"]
            area = "" if row["scope"] == "city" else row["area"]
            assert int(row["year"]) == year
            assert int(row["value"]) == sum(r[3] for r in figures[(area, row["dimension"], key)])

        pdf = await client.get(f"{base}.pdf", params={"draft": "true"})
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        text = _pdf_text(pdf.content)
        assert f"Gesamtbericht Stadtteilarbeit {year}" in text
        for label, value in _totals(report):
            assert re.search(rf"{re.escape(label)} {value}\b", text), (label, value)


def _pdf_text(pdf: bytes) -> str:
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages))


def _totals(report: dict[str, Any]) -> list[tuple[str, str]]:
    city = {s["dimension"]: {f["key"]: f["value"] for f in s["figures"]} for s in report["city"]["sections"]}

    def n(value: int) -> str:
        return f"{value:,}".replace(",", ".")

    return [
        ("Jahrespläne", n(sum(city["plans_by_state"].values()))),
        ("Maßnahmen", n(sum(city["measures_by_field_of_action"].values()))),
        ("Maßnahmen umgesetzt", n(city["evaluation_outcomes"]["done"])),
        ("Maßnahmen teilweise umgesetzt", n(city["evaluation_outcomes"]["partly"])),
        ("Maßnahmen nicht umgesetzt", n(city["evaluation_outcomes"]["not_done"])),
        ("Bedarfe erfasst", n(city["needs_funnel"]["raised"])),
        ("Bedarfe in einen Plan aufgenommen", n(city["needs_funnel"]["taken"])),
        ("Bedarfe umgesetzt", n(city["needs_funnel"]["done"])),
        ("Anhörungen der Bezirksvertretungen", n(city["council_hearings"]["hearings"])),
        ("Stadtteilkonferenzen durchgeführt", n(city["neighbourhood_conferences"]["held"])),
        ("Teilnehmende an Stadtteilkonferenzen", n(city["neighbourhood_conferences"]["participants"])),
        ("Angebote", n(sum(city["offers_by_field_of_action"].values()))),
    ]


async def test_publishing_freezes_a_version_and_announces_it(stack: Stack, dataset: DataSet) -> None:
    year = dataset.years[1]
    base = f"{stack.url('reporting')}/api/v1/reports"
    planning = f"{stack.url('planning')}/api/v1"
    async with httpx.AsyncClient(timeout=60) as client:
        assert (await client.get(f"{base}/{year}.csv")).status_code == 404  # nothing published yet
        unknown = await client.get(f"{base}/{year}", params={"version": 1})
        assert unknown.status_code == 404 and "Version 1" in unknown.json()["detail"]
        for bad in ("1999", "zwanzig"):
            wrong = await client.get(f"{base}/{bad}")
            assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "year"
        report, _ = await _matching_report(client, stack, year)
        refused = await client.post(f"{base}/{year}/publish")
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "X-Quartier-Actor"

        first = await _ok(await client.post(f"{base}/{year}/publish", headers=STEERING), 201)
        assert first["version"] == 1
        v1_json = (await client.get(f"{base}/{year}.json")).content
        v1_csv = (await client.get(f"{base}/{year}.csv")).content
        v1_pdf = await client.get(f"{base}/{year}.pdf")
        assert v1_pdf.status_code == 200 and v1_pdf.content.startswith(b"%PDF")
        frozen = json.loads(v1_json)
        assert (frozen["status"], frozen["version"], frozen["figures_hash"]) == ("published", 1, first["figures_hash"])
        assert actual_figures(frozen) == actual_figures(report)
        pdf_text = _pdf_text(v1_pdf.content)
        assert "Version 1" in pdf_text
        for label, value in _totals(report):
            assert re.search(rf"{re.escape(label)} {value}\b", pdf_text), (label, value)

        # a later change: a new need raised in that year; the draft follows, version 1 does not
        area = dataset.areas[0]
        await _ok(
            await client.post(
                f"{planning}/needs",
                json={
                    "source": "resident",
                    "social_area_key": area,
                    "field_of_action": report["city"]["sections"][1]["figures"][0]["key"],
                    "title": "Später erfasster Bedarf",
                    "raised_on": f"{year}-10-01",
                    "raised_by": "Bewohner:in",
                },
                headers=ACTOR,
            ),
            201,
        )
        raised = {
            f["key"]: f["value"]
            for s in report["city"]["sections"]
            if s["dimension"] == "needs_funnel"
            for f in s["figures"]
        }["raised"]

        async def draft_moved() -> bool:
            now = await _report(client, stack, year)
            fig = next(s for s in now["city"]["sections"] if s["dimension"] == "needs_funnel")["figures"]
            return bool(next(f["value"] for f in fig if f["key"] == "raised") == raised + 1)

        await eventually(draft_moved, timeout=60)
        assert (await client.get(f"{base}/{year}.json")).content == v1_json
        assert (await client.get(f"{base}/{year}.csv")).content == v1_csv
        again = await _report(client, stack, year, version=1)
        assert actual_figures(again) == actual_figures(report)

        second = await _ok(await client.post(f"{base}/{year}/publish", headers=STEERING), 201)
        assert second["version"] == 2 and second["figures_hash"] != first["figures_hash"]
        assert (await client.get(f"{base}/{year}.csv", params={"version": 1})).content == v1_csv
        assert (await client.get(f"{base}/{year}.csv")).content != v1_csv
        assert (await client.get(f"{base}/{year}.csv", params={"version": 3})).status_code == 404
        listed = (await client.get(base)).json()
        mine = next(r for r in listed if r["year"] == year)
        assert [v["version"] for v in mine["versions"]] == [1, 2]
        assert all(v["published_by"] == STEERING["X-Quartier-Actor"] for v in mine["versions"])

    async def announced() -> list[dict[str, Any]] | None:
        events = (await broker_events(stack, REPORTING_REPORTS.name))[REPORTING_REPORTS.name]
        found = [p for t, _, p in events if t == "AnnualReportPublished" and p["year"] == year]
        return found if len(found) >= 2 else None

    published = await eventually(announced, timeout=30)
    assert published is not None
    assert sorted((p["version"], p["figures_hash"]) for p in published) == [
        (1, first["figures_hash"]),
        (2, second["figures_hash"]),
    ]
