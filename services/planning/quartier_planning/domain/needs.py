"""Needs (Bedarfe) raised outside a council hearing, and where they went: need → measure → evaluation.

Pure rules, no I/O. A need belongs to a Sozialraum (optionally one of its Wohnbereiche) and a field of
action; it moves open → taken into a plan (a measure of that Sozialraum's plan) / forwarded / declined. A
resolved need changes again only through an explicit reopen with a reason. No personal data of residents:
``raised_by`` is an actor id, the literal ``Bewohner:in``, or ``Stadtteilkonferenz`` for a need raised at a
neighbourhood conference (then ``meeting_id`` names the meeting of the invitations service).

Council needs recorded in a plan's hearing stay in the plan document (``domain.plans``); ``trace_council``
shows them in the same trace form as standalone needs.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from quartier_planning.domain.plans import (
    STATE_NAMES,
    AnnualPlan,
    InvalidInput,
    Measure,
    NotFound,
    OutOfOrder,
    PlanState,
)
from quartier_shared.events.envelope import EventPayload
from quartier_shared.events.planning import (
    NeedDeclined,
    NeedForwarded,
    NeedRaised,
    NeedReopened,
    NeedTakenIntoPlan,
)

SOURCES = ("neighbourhood_conference", "district_council", "service", "resident")
RESIDENT = "Bewohner:in"
CONFERENCE = "Stadtteilkonferenz"
TITLE_MAX = 200


class NeedStatus(StrEnum):
    OPEN = "open"
    TAKEN_INTO_PLAN = "taken_into_plan"
    FORWARDED = "forwarded"
    DECLINED = "declined"


STATUS_NAMES: dict[NeedStatus, str] = {
    NeedStatus.OPEN: "offen",
    NeedStatus.TAKEN_INTO_PLAN: "in einen Plan aufgenommen",
    NeedStatus.FORWARDED: "weitergeleitet",
    NeedStatus.DECLINED: "abgelehnt",
}


@dataclass(frozen=True)
class NeedCatalogue:
    """What the rules need from planning's registry copy for one Sozialraum."""

    social_area_exists: bool
    residential_area_numbers: frozenset[int]  # of the need's social area
    fields_of_action: frozenset[str]
    known_actor_ids: frozenset[uuid.UUID]


@dataclass(frozen=True)
class NeedInput:
    source: str
    social_area_key: str
    field_of_action: str
    title: str
    raised_by: str  # actor id (as text) or "Bewohner:in"
    description: str = ""
    residential_area_number: int | None = None
    raised_on: dt.date | None = None  # default: today
    meeting_id: uuid.UUID | None = None  # the Stadtteilkonferenz it was raised at (invitations service)


@dataclass(frozen=True)
class StandaloneNeed:
    id: uuid.UUID
    source: str
    social_area_key: str
    field_of_action: str
    title: str
    description: str
    raised_on: dt.date
    raised_by: str
    residential_area_number: int | None = None
    status: NeedStatus = NeedStatus.OPEN
    plan_id: uuid.UUID | None = None
    measure_id: uuid.UUID | None = None
    forwarded_to: str | None = None
    forwarded_to_actor_id: uuid.UUID | None = None
    declined_because: str | None = None
    reopened_because: str | None = None
    meeting_id: uuid.UUID | None = None


NeedResult = tuple[StandaloneNeed, list[EventPayload]]


def _text(value: str, name: str, what: str, max_len: int = 2000) -> str:
    text = " ".join(value.split())
    if not text:
        raise InvalidInput(name, f"{what} fehlt.")
    if len(text) > max_len:
        raise InvalidInput(name, f"{what} ist zu lang (höchstens {max_len} Zeichen).")
    return text


def _as_uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value.strip())
    except ValueError:
        return None


def actor_ids_in(*values: str | None) -> list[uuid.UUID]:
    """The actor ids among free-text fields (``raised_by``, ``forwarded_to``), for the catalogue lookup."""
    return [u for v in values if v for u in [_as_uuid(v)] if u is not None]


def raise_need(need_id: uuid.UUID, spec: NeedInput, catalogue: NeedCatalogue, today: dt.date) -> NeedResult:
    if spec.source not in SOURCES:
        raise InvalidInput("source", "Herkunft ist eine von: " + ", ".join(SOURCES) + ".")
    if not catalogue.social_area_exists:
        raise InvalidInput("social_area_key", f"Sozialraum „{spec.social_area_key}“ ist nicht bekannt.")
    if (
        spec.residential_area_number is not None
        and spec.residential_area_number not in catalogue.residential_area_numbers
    ):
        raise InvalidInput(
            "residential_area_number",
            f"Wohnbereich {spec.residential_area_number} gehört nicht zum Sozialraum „{spec.social_area_key}“.",
        )
    if spec.field_of_action not in catalogue.fields_of_action:
        raise InvalidInput("field_of_action", f"Handlungsfeld „{spec.field_of_action}“ ist nicht bekannt.")
    title = _text(spec.title, "title", "Der Titel", 200)
    description = " ".join(spec.description.split())
    if len(description) > 5000:
        raise InvalidInput("description", "Die Beschreibung ist zu lang (höchstens 5000 Zeichen).")
    raised_by = " ".join(spec.raised_by.split())
    actor_id = _as_uuid(raised_by)
    if spec.meeting_id is not None:
        if spec.source != "neighbourhood_conference":
            raise InvalidInput("meeting_id", "Nur ein Bedarf aus einer Stadtteilkonferenz nennt eine Sitzung.")
        raised_by = CONFERENCE
    elif actor_id is not None:
        if actor_id not in catalogue.known_actor_ids:
            raise InvalidInput("raised_by", f"Akteur {actor_id} ist nicht bekannt.")
        raised_by = str(actor_id)
    elif raised_by != RESIDENT:
        raise InvalidInput(
            "raised_by",
            f"Bitte geben Sie die Id eines Akteurs oder „{RESIDENT}“ an (keine Namen von Bewohnerinnen und Bewohnern).",
        )
    raised_on = spec.raised_on or today
    if raised_on > today:
        raise InvalidInput("raised_on", f"Das Datum {raised_on.isoformat()} liegt in der Zukunft.")
    need = StandaloneNeed(
        id=need_id,
        source=spec.source,
        social_area_key=spec.social_area_key,
        field_of_action=spec.field_of_action,
        title=title,
        description=description,
        raised_on=raised_on,
        raised_by=raised_by,
        residential_area_number=spec.residential_area_number,
        meeting_id=spec.meeting_id,
    )
    return need, [
        NeedRaised(
            need_id=need.id,
            social_area_key=need.social_area_key,
            source=need.source,
            field_of_action=need.field_of_action,
            residential_area_number=need.residential_area_number,
            raised_on=need.raised_on,
            meeting_id=need.meeting_id,
        )
    ]


def from_conference(
    meeting_id: uuid.UUID,
    social_area_key: str,
    text: str,
    field_of_action: str,
    residential_area_number: int | None,
    raised_on: dt.date,
) -> NeedInput:
    """A need residents raised at a Stadtteilkonferenz (announced by the invitations service), in the words
    of the minutes: a short text is the title; a long one gives a title cut at a word and stays whole in the
    description."""
    words = " ".join(text.split())
    if len(words) <= TITLE_MAX:
        title, description = words, ""
    else:
        cut = words[: TITLE_MAX - 1]
        title = (cut.rsplit(" ", 1)[0] if " " in cut else cut) + "…"
        description = words
    return NeedInput(
        source="neighbourhood_conference",
        social_area_key=social_area_key,
        field_of_action=field_of_action,
        title=title,
        raised_by=CONFERENCE,
        description=description,
        residential_area_number=residential_area_number,
        raised_on=raised_on,
        meeting_id=meeting_id,
    )


def _require_open(need: StandaloneNeed) -> None:
    if need.status != NeedStatus.OPEN:
        raise OutOfOrder(
            "status",
            f"Der Bedarf ist bereits {STATUS_NAMES[need.status]}. "
            "Öffnen Sie ihn zuerst wieder (mit Begründung), um ihn anders zu beantworten.",
        )


def take_into_plan(need: StandaloneNeed, plan: AnnualPlan | None, measure_id: uuid.UUID) -> NeedResult:
    _require_open(need)
    if plan is None:
        raise InvalidInput("plan_id", "Der Plan ist nicht bekannt.")
    if plan.social_area_key != need.social_area_key:
        raise InvalidInput(
            "plan_id",
            f"Der Plan gehört zum Sozialraum „{plan.social_area_key}“, der Bedarf zu „{need.social_area_key}“.",
        )
    try:
        measure = plan.measure(measure_id)
    except NotFound as exc:
        raise InvalidInput("measure_id", exc.message) from None
    if measure.review == "dropped":
        raise InvalidInput("measure_id", f"Maßnahme „{measure.spec.title}“ wurde in der Halbjahresbilanz gestrichen.")
    if plan.state == PlanState.EVALUATED:
        raise InvalidInput("plan_id", f"Der Plan {plan.year} ist bereits ausgewertet; wählen Sie einen laufenden Plan.")
    need = replace(
        need, status=NeedStatus.TAKEN_INTO_PLAN, plan_id=plan.id, measure_id=measure.id, reopened_because=None
    )
    return need, [
        NeedTakenIntoPlan(need_id=need.id, social_area_key=need.social_area_key, plan_id=plan.id, measure_id=measure.id)
    ]


def forward(need: StandaloneNeed, forwarded_to: str, known_actor_ids: frozenset[uuid.UUID]) -> NeedResult:
    _require_open(need)
    to = _text(forwarded_to, "forwarded_to", "Wohin der Bedarf weitergeleitet wurde,", 300)
    actor_id = _as_uuid(to)
    if actor_id is not None and actor_id not in known_actor_ids:
        raise InvalidInput("forwarded_to", f"Akteur {actor_id} ist nicht bekannt.")
    need = replace(
        need,
        status=NeedStatus.FORWARDED,
        forwarded_to=str(actor_id) if actor_id else to,
        forwarded_to_actor_id=actor_id,
        reopened_because=None,
    )
    return need, [NeedForwarded(need_id=need.id, social_area_key=need.social_area_key, forwarded_to_actor_id=actor_id)]


def decline(need: StandaloneNeed, reason: str) -> NeedResult:
    _require_open(need)
    need = replace(
        need,
        status=NeedStatus.DECLINED,
        declined_because=_text(reason, "reason", "Die Begründung"),
        reopened_because=None,
    )
    return need, [NeedDeclined(need_id=need.id, social_area_key=need.social_area_key)]


def reopen(need: StandaloneNeed, reason: str) -> NeedResult:
    if need.status == NeedStatus.OPEN:
        raise OutOfOrder("status", "Der Bedarf ist offen; wieder geöffnet wird nur ein beantworteter Bedarf.")
    why = _text(reason, "reason", "Die Begründung")
    previous = need.status
    need = replace(
        need,
        status=NeedStatus.OPEN,
        plan_id=None,
        measure_id=None,
        forwarded_to=None,
        forwarded_to_actor_id=None,
        declined_because=None,
        reopened_because=why,
    )
    return need, [NeedReopened(need_id=need.id, social_area_key=need.social_area_key, previous_status=previous.value)]


# ---------------------------------------------------------------- the trace: need → measure → evaluation


def _evaluation(measure: Measure) -> dict[str, Any] | None:
    if measure.outcome is None:
        return None
    return {
        "outcome": measure.outcome,
        "indicators_reached": list(measure.indicators_reached),
        "lessons": measure.lessons,
    }


def _in_plan(plan: AnnualPlan | None, plan_id: uuid.UUID, measure_id: uuid.UUID) -> dict[str, Any]:
    if plan is None:
        return {
            "where": {"plan_id": str(plan_id), "year": None, "measure_id": str(measure_id), "measure_title": None},
            "measure_state": None,
            "measure_review": None,
            "evaluation": None,
        }
    measure = next((m for m in plan.measures if m.id == measure_id), None)
    return {
        "where": {
            "plan_id": str(plan.id),
            "year": plan.year,
            "measure_id": str(measure_id),
            "measure_title": measure.spec.title if measure else None,
        },
        "measure_state": plan.state.value,
        "measure_state_name": STATE_NAMES[plan.state],
        "measure_review": measure.review if measure else None,
        "evaluation": _evaluation(measure) if measure else None,
    }


def trace(need: StandaloneNeed, need_out: dict[str, Any], plan: AnnualPlan | None) -> dict[str, Any]:
    """Where the need went and what became of it; ``plan`` is the plan it was taken into (or None)."""
    out: dict[str, Any] = {"need": need_out, "where": None, "measure_state": None, "evaluation": None}
    if need.status == NeedStatus.TAKEN_INTO_PLAN and need.plan_id and need.measure_id:
        out.update(_in_plan(plan, need.plan_id, need.measure_id))
    elif need.status == NeedStatus.FORWARDED:
        out["where"] = {"forwarded_to": need.forwarded_to}
    elif need.status == NeedStatus.DECLINED:
        out["where"] = {"declined_because": need.declined_because}
    return out


def trace_council(plan: AnnualPlan, need_id: uuid.UUID) -> dict[str, Any]:
    """A council need of a plan's hearing in the same trace form (source ``district_council``)."""
    need = plan.need(need_id)
    answer = need.answer
    status = {
        None: NeedStatus.OPEN,
        "taken_into_plan": NeedStatus.TAKEN_INTO_PLAN,
        "forwarded": NeedStatus.FORWARDED,
        "not_possible": NeedStatus.DECLINED,
    }[answer.kind if answer else None]
    out: dict[str, Any] = {
        "need": {
            "id": str(need.id),
            "source": "district_council",
            "social_area_key": plan.social_area_key,
            "district_key": need.district_key,
            "field_of_action": need.field_of_action,
            "title": need.text,
            "status": status.value,
            "plan_id": str(plan.id),
        },
        "where": None,
        "measure_state": None,
        "evaluation": None,
    }
    if answer is not None and answer.kind == "taken_into_plan" and answer.measure_id:
        out.update(_in_plan(plan, plan.id, answer.measure_id))
    elif answer is not None and answer.kind == "forwarded":
        out["where"] = {"forwarded_to": answer.forwarded_to}
    elif answer is not None:
        out["where"] = {"declined_because": answer.reason}
    return out
