"""The Jahresplan of a Sozialraum: measures, council hearings, needs and answers, review, evaluation.

Pure rules, no I/O. Every command takes the plan (frozen) and returns the changed plan with the events that
announce the change; a refused command raises and changes nothing. The territory and the registry's
vocabularies and actors arrive as a ``Catalogue`` the service reads from planning's copy of the registry.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum

from quartier_shared import errors
from quartier_shared.events.envelope import EventPayload
from quartier_shared.events.planning import (
    CouncilNeedsRecorded,
    CouncilNeedV1,
    HearingClosed,
    MeasureAdded,
    MeasureChanged,
    MeasureFactsV1,
    MeasureRemoved,
    MeasuresCarriedOver,
    MidYearReviewCompleted,
    NeedAnswered,
    PlanDrafted,
    PlanEvaluated,
    PlanFinalized,
    PlanStarted,
    PlanSubmitted,
)


class PlanState(StrEnum):
    DRAFT = "draft"
    PRESENTED = "presented"
    FINAL = "final"
    IN_PROGRESS = "in_progress"
    MID_YEAR_REVIEWED = "mid_year_reviewed"
    EVALUATED = "evaluated"


STATE_NAMES: dict[PlanState, str] = {
    PlanState.DRAFT: "Entwurf",
    PlanState.PRESENTED: "vorgelegt",
    PlanState.FINAL: "final",
    PlanState.IN_PROGRESS: "in Umsetzung",
    PlanState.MID_YEAR_REVIEWED: "halbjährlich überprüft",
    PlanState.EVALUATED: "ausgewertet",
}
ANSWER_KINDS = ("taken_into_plan", "forwarded", "not_possible")
REVIEW_DECISIONS = ("continued", "changed", "dropped", "added")
OUTCOMES = ("done", "partly", "not_done")


class PlanError(errors.DomainError):
    """A planning rule is broken. ``field`` names the input, ``message`` says what is wrong (German)."""


class InvalidInput(PlanError, errors.InvalidInput):
    """The input itself is wrong (→ 422)."""


class OutOfOrder(PlanError, errors.OutOfOrder):
    """The step does not fit the plan's state; the message says what must happen first (→ 409)."""


class NotFound(PlanError, errors.NotFound):
    """Plan, measure, hearing or need does not exist (→ 404)."""


@dataclass(frozen=True)
class GoalRef:
    """What a measure's link to a steering goal (Steuerungsziel, ``domain.goals``) is checked against."""

    title: str
    retired: bool
    valid_from_year: int
    valid_until_year: int | None = None

    def valid_in(self, year: int) -> bool:
        return self.valid_from_year <= year and (self.valid_until_year is None or year <= self.valid_until_year)


@dataclass(frozen=True)
class AgreementRef:
    """What a measure's link to a target agreement (Zielvereinbarung, ``domain.agreements``) is checked against."""

    year: int
    social_area_keys: tuple[str, ...]
    title: str = ""


@dataclass(frozen=True)
class OfferRef:
    """An offer of the registry's directory as planning's copy knows it."""

    withdrawn: bool = False
    merged_into: uuid.UUID | None = None


@dataclass(frozen=True)
class Catalogue:
    """What the rules need from the registry (territory, vocabularies, known actors and offers) and from
    planning's other aggregates (steering goals, standalone needs taken into the plan's measures)."""

    district_names: Mapping[str, str]  # district key → name, of the plan's social area, in order
    residential_area_numbers: frozenset[int]
    fields_of_action: frozenset[str]
    cross_cutting_themes: frozenset[str]
    goals: frozenset[str]  # strategic_goals ∪ steering_goals (the registry's vocabularies, as text)
    known_actor_ids: frozenset[uuid.UUID]
    steering_goals: Mapping[uuid.UUID, GoalRef] = field(default_factory=dict)  # every goal, retired ones too
    offers: Mapping[uuid.UUID, OfferRef] = field(default_factory=dict)  # at least the offers asked about
    # measure id → titles of the standalone needs taken into that measure of this plan (and not reopened)
    needs_taken_into: Mapping[uuid.UUID, tuple[str, ...]] = field(default_factory=dict)
    # target agreements (Zielvereinbarungen) a measure may point to: every agreement, by id
    agreements: Mapping[uuid.UUID, AgreementRef] = field(default_factory=dict)


@dataclass(frozen=True)
class MeasureInput:
    title: str
    description: str
    field_of_action: str
    responsible_actor_id: uuid.UUID
    starts_on: dt.date
    ends_on: dt.date
    cross_cutting_themes: tuple[str, ...] = ()
    target_groups: tuple[str, ...] = ()
    strategic_goals: tuple[str, ...] = ()
    partner_actor_ids: tuple[uuid.UUID, ...] = ()
    residential_area_number: int | None = None
    at_community_centre: bool = False
    planned_indicators: tuple[str, ...] = ()
    offer_ids: tuple[uuid.UUID, ...] = ()
    steering_goal_ids: tuple[uuid.UUID, ...] = ()
    agreement_id: uuid.UUID | None = None  # the target agreement (Zielvereinbarung) the measure fulfils


@dataclass(frozen=True)
class Measure:
    id: uuid.UUID
    spec: MeasureInput
    review: str | None = None  # continued / changed / dropped / added
    review_reason: str | None = None
    outcome: str | None = None  # done / partly / not_done
    indicators_reached: tuple[str, ...] = ()
    lessons: str | None = None
    carried_from: uuid.UUID | None = None


@dataclass(frozen=True)
class Hearing:
    district_key: str
    district_name: str
    closed: bool = False


@dataclass(frozen=True)
class Answer:
    kind: str
    measure_id: uuid.UUID | None = None
    forwarded_to: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Need:
    id: uuid.UUID
    district_key: str
    text: str
    field_of_action: str | None = None
    answer: Answer | None = None


@dataclass(frozen=True)
class AnnualPlan:
    id: uuid.UUID
    social_area_key: str
    year: int
    state: PlanState = PlanState.DRAFT
    measures: tuple[Measure, ...] = ()
    hearings: tuple[Hearing, ...] = ()
    needs: tuple[Need, ...] = ()
    carried_over_to: uuid.UUID | None = None
    carried_from: uuid.UUID | None = None

    def measure(self, measure_id: uuid.UUID) -> Measure:
        for m in self.measures:
            if m.id == measure_id:
                return m
        raise NotFound("measure_id", f"Maßnahme {measure_id} gehört nicht zu diesem Plan.")

    def hearing(self, district_key: str) -> Hearing:
        for h in self.hearings:
            if h.district_key == district_key:
                return h
        raise NotFound("district_key", f"Für den Stadtbezirk „{district_key}“ gibt es keine Anhörung zu diesem Plan.")

    def need(self, need_id: uuid.UUID) -> Need:
        for n in self.needs:
            if n.id == need_id:
                return n
        raise NotFound("need_id", f"Bedarf {need_id} gehört nicht zu diesem Plan.")

    def active_measures(self) -> tuple[Measure, ...]:
        return tuple(m for m in self.measures if m.review != "dropped")

    def missing_for_final(self) -> list[str]:
        missing = [
            f"Die Anhörung der Bezirksvertretung {h.district_name} ist noch offen"
            for h in self.hearings
            if not h.closed
        ]
        unanswered = sum(1 for n in self.needs if n.answer is None)
        if unanswered == 1:
            missing.append("1 Bedarf ist unbeantwortet")
        elif unanswered:
            missing.append(f"{unanswered} Bedarfe sind unbeantwortet")
        return missing


Result = tuple[AnnualPlan, list[EventPayload]]


def _ids(plan: AnnualPlan) -> dict[str, object]:
    return {"plan_id": plan.id, "social_area_key": plan.social_area_key, "year": plan.year}


def measure_facts(measure_id: uuid.UUID, spec: MeasureInput) -> dict[str, object]:
    """The facts of a measure as its events announce them (``MeasureAdded``/``MeasureChanged`` fields)."""
    return {
        "measure_id": measure_id,
        "title": spec.title,
        "field_of_action": spec.field_of_action,
        "responsible_actor_id": spec.responsible_actor_id,
        "cross_cutting_themes": list(spec.cross_cutting_themes),
        "strategic_goals": list(spec.strategic_goals),
        "steering_goal_ids": list(spec.steering_goal_ids),
        "target_groups": list(spec.target_groups),
        "residential_area_number": spec.residential_area_number,
        "at_community_centre": spec.at_community_centre,
        "starts_on": spec.starts_on,
        "ends_on": spec.ends_on,
        "offer_ids": list(spec.offer_ids),
        "agreement_id": spec.agreement_id,
    }


def _facts_of(measure: Measure) -> MeasureFactsV1:
    return MeasureFactsV1.model_validate(
        {**measure_facts(measure.id, measure.spec), "carried_from_measure_id": measure.carried_from}
    )


def _require(plan: AnnualPlan, *states: PlanState, first: str) -> None:
    if plan.state not in states:
        raise OutOfOrder("state", f"Der Plan ist {STATE_NAMES[plan.state]}. {first}")


def _text(value: str, name: str, what: str, max_len: int = 2000) -> str:
    text = " ".join(value.split())
    if not text:
        raise InvalidInput(name, f"{what} fehlt.")
    if len(text) > max_len:
        raise InvalidInput(name, f"{what} ist zu lang (höchstens {max_len} Zeichen).")
    return text


# ---------------------------------------------------------------- draft and measures


def draft(plan_id: uuid.UUID, social_area_key: str, year: int, catalogue: Catalogue) -> Result:
    if not catalogue.district_names:
        raise InvalidInput("social_area_key", f"Sozialraum „{social_area_key}“ ist nicht bekannt.")
    if not 2000 <= year <= 2100:
        raise InvalidInput("year", f"{year} ist kein gültiges Planjahr.")
    plan = AnnualPlan(plan_id, social_area_key, year)
    return plan, [PlanDrafted(plan_id=plan_id, social_area_key=social_area_key, year=year)]


def validate_measure(plan: AnnualPlan, spec: MeasureInput, catalogue: Catalogue) -> MeasureInput:
    title = _text(spec.title, "title", "Der Titel", 200)
    description = " ".join(spec.description.split())
    _check_vocabulary(spec, catalogue)
    steering_goal_ids = tuple(dict.fromkeys(spec.steering_goal_ids))
    _check_steering_goals(plan, steering_goal_ids, catalogue)
    _check_agreement(plan, spec, catalogue)
    offer_ids = tuple(dict.fromkeys(spec.offer_ids))
    _check_offers(offer_ids, catalogue)
    _check_actors(spec, catalogue)
    _check_place(plan, spec, catalogue)
    _check_period(plan, spec)
    return replace(
        spec,
        title=title,
        description=description,
        target_groups=tuple(_text(t, "target_groups", "Eine Zielgruppe", 200) for t in spec.target_groups),
        planned_indicators=tuple(_text(t, "planned_indicators", "Ein Indikator", 500) for t in spec.planned_indicators),
        offer_ids=offer_ids,
        steering_goal_ids=steering_goal_ids,
    )


def _check_vocabulary(spec: MeasureInput, catalogue: Catalogue) -> None:
    """Handlungsfeld, Querschnittsthemen and Leit-/Steuerungsziele from the registry's vocabularies."""
    if spec.field_of_action not in catalogue.fields_of_action:
        raise InvalidInput("field_of_action", f"Handlungsfeld „{spec.field_of_action}“ ist nicht bekannt.")
    for theme in spec.cross_cutting_themes:
        if catalogue.cross_cutting_themes and theme not in catalogue.cross_cutting_themes:
            raise InvalidInput("cross_cutting_themes", f"Querschnittsthema „{theme}“ ist nicht bekannt.")
    for goal in spec.strategic_goals:
        if goal not in catalogue.goals:
            raise InvalidInput("strategic_goals", f"Ziel „{goal}“ ist weder Leitziel noch Steuerungsziel.")


def _check_steering_goals(plan: AnnualPlan, goal_ids: Sequence[uuid.UUID], catalogue: Catalogue) -> None:
    """The goals of the Lenkungskreis a measure serves: known, not retired, valid in the plan's year."""
    for goal_id in goal_ids:
        ref = catalogue.steering_goals.get(goal_id)
        if ref is None:
            raise InvalidInput("steering_goal_ids", f"Steuerungsziel {goal_id} ist nicht bekannt.")
        if ref.retired:
            raise InvalidInput("steering_goal_ids", f"Steuerungsziel „{ref.title}“ ist zurückgezogen.")
        if not ref.valid_in(plan.year):
            until = "" if ref.valid_until_year is None else f" bis {ref.valid_until_year}"
            raise InvalidInput(
                "steering_goal_ids",
                f"Steuerungsziel „{ref.title}“ gilt nicht im Planjahr {plan.year} "
                f"(gültig ab {ref.valid_from_year}{until}).",
            )


def _check_agreement(plan: AnnualPlan, spec: MeasureInput, catalogue: Catalogue) -> None:
    """A target agreement a measure serves is one of the plan's Sozialraum and year."""
    if spec.agreement_id is None:
        return
    agreement = catalogue.agreements.get(spec.agreement_id)
    if agreement is None:
        raise InvalidInput("agreement_id", f"Zielvereinbarung {spec.agreement_id} ist nicht bekannt.")
    if not (agreement.year == plan.year and plan.social_area_key in agreement.social_area_keys):
        raise InvalidInput(
            "agreement_id",
            f"Die Zielvereinbarung „{agreement.title or spec.agreement_id}“ gilt für "
            f"{', '.join(agreement.social_area_keys)} im Jahr {agreement.year}, nicht für den Sozialraum "
            f"„{plan.social_area_key}“ im Planjahr {plan.year}.",
        )


def _check_offers(offer_ids: Sequence[uuid.UUID], catalogue: Catalogue) -> None:
    for offer_id in offer_ids:
        offer = catalogue.offers.get(offer_id)
        if offer is None:
            raise InvalidInput("offer_ids", f"Angebot {offer_id} ist nicht bekannt.")
        if offer.withdrawn:
            merged = f" (zusammengeführt mit Angebot {offer.merged_into})" if offer.merged_into else ""
            raise InvalidInput("offer_ids", f"Angebot {offer_id} wurde zurückgezogen{merged}.")


def _check_actors(spec: MeasureInput, catalogue: Catalogue) -> None:
    if spec.responsible_actor_id not in catalogue.known_actor_ids:
        raise InvalidInput("responsible_actor_id", f"Akteur {spec.responsible_actor_id} ist nicht bekannt.")
    for partner in spec.partner_actor_ids:
        if partner not in catalogue.known_actor_ids:
            raise InvalidInput("partner_actor_ids", f"Akteur {partner} ist nicht bekannt.")


def _check_place(plan: AnnualPlan, spec: MeasureInput, catalogue: Catalogue) -> None:
    """Either a Wohnbereich of the Sozialraum or its Stadtteilzentrum."""
    if (spec.residential_area_number is None) == (not spec.at_community_centre):
        raise InvalidInput(
            "residential_area_number",
            "Bitte geben Sie als Ort entweder einen Wohnbereich oder das Stadtteilzentrum an.",
        )
    if (
        spec.residential_area_number is not None
        and spec.residential_area_number not in catalogue.residential_area_numbers
    ):
        raise InvalidInput(
            "residential_area_number",
            f"Wohnbereich {spec.residential_area_number} gehört nicht zum Sozialraum „{plan.social_area_key}“.",
        )


def _check_period(plan: AnnualPlan, spec: MeasureInput) -> None:
    """A measure runs within the plan's year, ending on or after its start."""
    first, last = dt.date(plan.year, 1, 1), dt.date(plan.year, 12, 31)
    for name, day in (("starts_on", spec.starts_on), ("ends_on", spec.ends_on)):
        if not first <= day <= last:
            raise InvalidInput(name, f"Der Zeitraum muss im Planjahr {plan.year} liegen ({day.isoformat()}).")
    if spec.ends_on < spec.starts_on:
        raise InvalidInput("ends_on", "Das Ende liegt vor dem Beginn.")


_EDITABLE = (PlanState.DRAFT, PlanState.PRESENTED)
_EDIT_FIRST = "Maßnahmen eines finalen Plans ändern sich nur in der Halbjahresbilanz."


def add_measure(plan: AnnualPlan, measure_id: uuid.UUID, spec: MeasureInput, catalogue: Catalogue) -> Result:
    _require(plan, *_EDITABLE, first=_EDIT_FIRST)
    spec = validate_measure(plan, spec, catalogue)
    plan = replace(plan, measures=(*plan.measures, Measure(measure_id, spec)))
    return plan, [MeasureAdded.model_validate({**_ids(plan), **measure_facts(measure_id, spec)})]


def change_measure(plan: AnnualPlan, measure_id: uuid.UUID, spec: MeasureInput, catalogue: Catalogue) -> Result:
    _require(plan, *_EDITABLE, first=_EDIT_FIRST)
    old = plan.measure(measure_id)
    spec = validate_measure(plan, spec, catalogue)
    measures = tuple(replace(m, spec=spec) if m.id == old.id else m for m in plan.measures)
    plan = replace(plan, measures=measures)
    return plan, [MeasureChanged.model_validate({**_ids(plan), **measure_facts(measure_id, spec)})]


def remove_measure(plan: AnnualPlan, measure_id: uuid.UUID, catalogue: Catalogue | None = None) -> Result:
    """Removes a measure of a draft or presented plan; refused while a council need of the plan is answered
    with it or a standalone need is taken into it (``catalogue.needs_taken_into``): the need's trace would
    lead nowhere. (Dropping a measure in the mid-year review stays possible; the trace shows it dropped.)"""
    _require(plan, *_EDITABLE, first=_EDIT_FIRST)
    measure = plan.measure(measure_id)
    if any(n.answer and n.answer.measure_id == measure_id for n in plan.needs):
        raise OutOfOrder(
            "measure_id", "Ein Bedarf wurde mit dieser Maßnahme beantwortet; beantworten Sie ihn zuerst anders."
        )
    taken = catalogue.needs_taken_into.get(measure_id, ()) if catalogue is not None else ()
    if taken:
        names = ", ".join(f"„{t}“" for t in taken)
        which = f"Der Bedarf {names} wurde" if len(taken) == 1 else f"Die Bedarfe {names} wurden"
        it = "ihn" if len(taken) == 1 else "sie"
        raise OutOfOrder(
            "measure_id",
            f"{which} mit der Maßnahme „{measure.spec.title}“ in den Plan aufgenommen. Öffnen Sie {it} "
            f"zuerst wieder (mit Begründung); danach kann die Maßnahme entfernt werden.",
        )
    plan = replace(plan, measures=tuple(m for m in plan.measures if m.id != measure_id))
    return plan, [MeasureRemoved(**_ids(plan), measure_id=measure_id)]


# ---------------------------------------------------------------- hearings


def present(plan: AnnualPlan, catalogue: Catalogue) -> Result:
    _require(plan, PlanState.DRAFT, first="Nur ein Entwurf kann vorgelegt werden.")
    if not plan.measures:
        raise OutOfOrder("measures", "Legen Sie zuerst mindestens eine Maßnahme an.")
    if not catalogue.district_names:
        raise InvalidInput(
            "social_area_key", f"Die Stadtbezirke des Sozialraums „{plan.social_area_key}“ sind nicht bekannt."
        )
    hearings = tuple(Hearing(key, name) for key, name in catalogue.district_names.items())
    plan = replace(plan, state=PlanState.PRESENTED, hearings=hearings)
    return plan, [PlanSubmitted(**_ids(plan), hearing_district_keys=[h.district_key for h in hearings])]


def record_needs(
    plan: AnnualPlan, district_key: str, needs: Sequence[tuple[uuid.UUID, str, str | None]], catalogue: Catalogue
) -> Result:
    _require(plan, PlanState.PRESENTED, first="Bedarfe werden in der Anhörung eines vorgelegten Plans erfasst.")
    hearing = plan.hearing(district_key)
    if hearing.closed:
        raise OutOfOrder(
            "district_key", f"Die Anhörung der Bezirksvertretung {hearing.district_name} ist bereits geschlossen."
        )
    if not needs:
        raise InvalidInput("needs", "Bitte erfassen Sie mindestens einen Bedarf.")
    new: list[Need] = []
    for i, (need_id, text, field_of_action) in enumerate(needs):
        if field_of_action is not None and field_of_action not in catalogue.fields_of_action:
            raise InvalidInput(f"needs[{i}].field_of_action", f"Handlungsfeld „{field_of_action}“ ist nicht bekannt.")
        new.append(
            Need(
                need_id, district_key, _text(text, f"needs[{i}].text", "Die Beschreibung des Bedarfs"), field_of_action
            )
        )
    plan = replace(plan, needs=(*plan.needs, *new))
    return plan, [
        CouncilNeedsRecorded(
            **_ids(plan),
            district_key=district_key,
            need_ids=[n.id for n in new],
            needs=[CouncilNeedV1(need_id=n.id, text=n.text, field_of_action=n.field_of_action) for n in new],
        )
    ]


def answer_need(plan: AnnualPlan, need_id: uuid.UUID, answer: Answer) -> Result:
    _require(plan, PlanState.PRESENTED, first="Bedarfe werden beantwortet, solange der Plan vorgelegt ist.")
    need = plan.need(need_id)
    if need.answer is not None:
        raise OutOfOrder("need_id", "Dieser Bedarf ist bereits beantwortet.")
    if answer.kind == "taken_into_plan":
        if answer.measure_id is None:
            raise InvalidInput("measure_id", "Bitte nennen Sie die Maßnahme, die den Bedarf aufnimmt.")
        try:
            plan.measure(answer.measure_id)
        except NotFound as exc:
            raise InvalidInput("measure_id", exc.message) from None
        answer = Answer("taken_into_plan", measure_id=answer.measure_id)
    elif answer.kind == "forwarded":
        answer = Answer(
            "forwarded",
            forwarded_to=_text(
                answer.forwarded_to or "", "forwarded_to", "Wohin der Bedarf weitergeleitet wurde,", 300
            ),
        )
    elif answer.kind == "not_possible":
        answer = Answer("not_possible", reason=_text(answer.reason or "", "reason", "Die Begründung"))
    else:
        raise InvalidInput("kind", "Antwort ist eine von: taken_into_plan, forwarded, not_possible.")
    plan = replace(plan, needs=tuple(replace(n, answer=answer) if n.id == need_id else n for n in plan.needs))
    return plan, [
        NeedAnswered(
            **_ids(plan),
            need_id=need_id,
            district_key=need.district_key,
            answer=answer.kind,
            measure_id=answer.measure_id,
        )
    ]


def close_hearing(plan: AnnualPlan, district_key: str) -> Result:
    _require(plan, PlanState.PRESENTED, first="Eine Anhörung wird geschlossen, solange der Plan vorgelegt ist.")
    hearing = plan.hearing(district_key)
    if hearing.closed:
        raise OutOfOrder(
            "district_key", f"Die Anhörung der Bezirksvertretung {hearing.district_name} ist bereits geschlossen."
        )
    hearings = tuple(replace(h, closed=True) if h.district_key == district_key else h for h in plan.hearings)
    plan = replace(plan, hearings=hearings)
    return plan, [HearingClosed(**_ids(plan), district_key=district_key)]


def finalize(plan: AnnualPlan) -> Result:
    _require(plan, PlanState.PRESENTED, first="Legen Sie den Plan zuerst den Bezirksvertretungen vor.")
    if not plan.measures:
        raise OutOfOrder("measures", "Ein Plan ohne Maßnahmen kann nicht final werden; legen Sie zuerst eine an.")
    missing = plan.missing_for_final()
    if missing:
        raise OutOfOrder("state", "; ".join(missing) + ".")
    plan = replace(plan, state=PlanState.FINAL)
    return plan, [PlanFinalized(**_ids(plan), measure_ids=[m.id for m in plan.measures])]


def start(plan: AnnualPlan) -> Result:
    _require(plan, PlanState.FINAL, first="Nur ein finaler Plan kann in die Umsetzung gehen.")
    plan = replace(plan, state=PlanState.IN_PROGRESS)
    return plan, [PlanStarted(**_ids(plan))]


# ---------------------------------------------------------------- review, evaluation, carry-over


@dataclass(frozen=True)
class ReviewEntry:
    decision: str
    reason: str
    measure_id: uuid.UUID | None = None  # continued / changed / dropped
    spec: MeasureInput | None = None  # changed / added


def mid_year_review(
    plan: AnnualPlan,
    entries: Sequence[ReviewEntry],
    catalogue: Catalogue,
    new_id: Callable[[], uuid.UUID] = uuid.uuid4,
) -> Result:
    _require(plan, PlanState.IN_PROGRESS, first="Die Halbjahresbilanz folgt auf den Start der Umsetzung.")
    decided: dict[uuid.UUID, Measure] = {}
    added: list[Measure] = []
    for i, entry in enumerate(entries):
        where = f"entries[{i}]"
        reason = _text(entry.reason, f"{where}.reason", "Die Begründung")
        if entry.decision not in REVIEW_DECISIONS:
            raise InvalidInput(f"{where}.decision", "Entscheidung ist eine von: continued, changed, dropped, added.")
        if entry.decision == "added":
            if entry.spec is None:
                raise InvalidInput(f"{where}.measure", "Eine hinzugefügte Maßnahme braucht ihre Angaben.")
            spec = validate_measure(plan, entry.spec, catalogue)
            added.append(Measure(new_id(), spec, review="added", review_reason=reason))
            continue
        if entry.measure_id is None:
            raise InvalidInput(f"{where}.measure_id", "Bitte nennen Sie die Maßnahme.")
        try:
            measure = plan.measure(entry.measure_id)
        except NotFound as exc:
            raise InvalidInput(f"{where}.measure_id", exc.message) from None
        if measure.id in decided:
            raise InvalidInput(f"{where}.measure_id", f"Maßnahme „{measure.spec.title}“ ist doppelt bewertet.")
        spec = measure.spec
        if entry.decision == "changed":
            if entry.spec is None:
                raise InvalidInput(f"{where}.measure", "Eine geänderte Maßnahme braucht ihre neuen Angaben.")
            spec = validate_measure(plan, entry.spec, catalogue)
        decided[measure.id] = replace(measure, spec=spec, review=entry.decision, review_reason=reason)
    missing = [m.spec.title for m in plan.measures if m.id not in decided]
    if missing:
        raise InvalidInput("entries", "Ohne Entscheidung: " + ", ".join(f"„{t}“" for t in missing) + ".")
    plan = replace(plan, state=PlanState.MID_YEAR_REVIEWED, measures=(*(decided[m.id] for m in plan.measures), *added))

    def of(decision: str) -> list[uuid.UUID]:
        return [m.id for m in plan.measures if m.review == decision]

    return plan, [
        MidYearReviewCompleted(
            **_ids(plan),
            continued=of("continued"),
            changed=of("changed"),
            dropped=of("dropped"),
            added=of("added"),
            district_keys=[h.district_key for h in plan.hearings],
            measures=[_facts_of(m) for m in plan.measures if m.review in ("changed", "added")],
            reasons={str(m.id): m.review_reason for m in plan.measures if m.review_reason is not None},
        )
    ]


@dataclass(frozen=True)
class EvaluationEntry:
    measure_id: uuid.UUID
    outcome: str
    indicators_reached: tuple[str, ...] = ()
    lessons: str = ""


def evaluate(plan: AnnualPlan, entries: Sequence[EvaluationEntry]) -> Result:
    _require(plan, PlanState.MID_YEAR_REVIEWED, first="Die Auswertung folgt auf die Halbjahresbilanz.")
    results: dict[uuid.UUID, Measure] = {}
    for i, entry in enumerate(entries):
        where = f"entries[{i}]"
        try:
            measure = plan.measure(entry.measure_id)
        except NotFound as exc:
            raise InvalidInput(f"{where}.measure_id", exc.message) from None
        if measure.review == "dropped":
            raise InvalidInput(
                f"{where}.measure_id", f"Maßnahme „{measure.spec.title}“ wurde in der Halbjahresbilanz gestrichen."
            )
        if measure.id in results:
            raise InvalidInput(f"{where}.measure_id", f"Maßnahme „{measure.spec.title}“ ist doppelt ausgewertet.")
        if entry.outcome not in OUTCOMES:
            raise InvalidInput(f"{where}.outcome", "Ergebnis ist eines von: done, partly, not_done.")
        results[measure.id] = replace(
            measure,
            outcome=entry.outcome,
            indicators_reached=tuple(
                _text(t, f"{where}.indicators_reached", "Ein Indikator", 500) for t in entry.indicators_reached
            ),
            lessons=" ".join(entry.lessons.split()) or None,
        )
    missing = [m.spec.title for m in plan.active_measures() if m.id not in results]
    if missing:
        raise InvalidInput("entries", "Ohne Auswertung: " + ", ".join(f"„{t}“" for t in missing) + ".")
    plan = replace(plan, state=PlanState.EVALUATED, measures=tuple(results.get(m.id, m) for m in plan.measures))

    def of(outcome: str) -> list[uuid.UUID]:
        return [m.id for m in plan.measures if m.outcome == outcome]

    return plan, [PlanEvaluated(**_ids(plan), done=of("done"), partly=of("partly"), not_done=of("not_done"))]


def _next_year(day: dt.date) -> dt.date:
    return day.replace(year=day.year + 1) if (day.month, day.day) != (2, 29) else dt.date(day.year + 1, 2, 28)


def carry_over(
    plan: AnnualPlan,
    target: AnnualPlan | None,
    target_id: uuid.UUID,
    new_id: Callable[[], uuid.UUID] = uuid.uuid4,
) -> tuple[AnnualPlan, AnnualPlan, list[EventPayload]]:
    """Proposes the unfinished measures for next year's draft; creates that draft if it does not exist."""
    _require(plan, PlanState.EVALUATED, first="Übertragen wird nach der Auswertung.")
    if plan.carried_over_to is not None:
        raise OutOfOrder("state", "Die offenen Maßnahmen dieses Plans wurden bereits übertragen.")
    events: list[EventPayload] = []
    if target is None:
        target = AnnualPlan(target_id, plan.social_area_key, plan.year + 1, carried_from=plan.id)
        events.append(PlanDrafted(**_ids(target), carried_from_plan_id=plan.id))
    elif target.state != PlanState.DRAFT:
        raise OutOfOrder(
            "state",
            f"Der Plan {target.year} ist bereits {STATE_NAMES[target.state]}; übertragen wird nur in einen Entwurf.",
        )
    unfinished = [m for m in plan.measures if m.outcome in ("partly", "not_done")]
    copies = tuple(
        Measure(
            new_id(),
            replace(m.spec, starts_on=_next_year(m.spec.starts_on), ends_on=_next_year(m.spec.ends_on)),
            carried_from=m.id,
        )
        for m in unfinished
    )
    target = replace(target, measures=(*target.measures, *copies))
    plan = replace(plan, carried_over_to=target.id)
    events.append(
        MeasuresCarriedOver(
            **_ids(target),
            from_plan_id=plan.id,
            from_measure_ids=[m.id for m in unfinished],
            measure_ids=[m.id for m in copies],
            measures=[_facts_of(m) for m in copies],
        )
    )
    return plan, target, events
