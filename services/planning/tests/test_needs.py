"""Standalone needs as pure rules: raising, answering once, reopening, and the trace need → measure → evaluation."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import replace

import pytest

from quartier_planning.db.needs import from_document, to_document
from quartier_planning.domain import needs as n
from quartier_planning.domain import plans as d
from quartier_planning.domain.needs import NeedCatalogue, NeedInput, NeedStatus, StandaloneNeed
from quartier_planning.domain.plans import (
    AnnualPlan,
    Catalogue,
    EvaluationEntry,
    InvalidInput,
    MeasureInput,
    NotFound,
    OutOfOrder,
    ReviewEntry,
)

TODAY = dt.date(2027, 3, 1)
ACTOR = uuid.UUID(int=1)
WESTEN = NeedCatalogue(
    social_area_exists=True,
    residential_area_numbers=frozenset({14, 15, 42, 52}),
    fields_of_action=frozenset({"Familienarbeit", "Quartiersmanagement"}),
    known_actor_ids=frozenset({ACTOR}),
)
PLAN_CAT = Catalogue(
    district_names={"mitte": "Hamm-Mitte", "pelkum": "Hamm-Pelkum", "herringen": "Hamm-Herringen"},
    residential_area_numbers=WESTEN.residential_area_numbers,
    fields_of_action=WESTEN.fields_of_action,
    cross_cutting_themes=frozenset(),
    goals=frozenset(),
    known_actor_ids=frozenset({ACTOR}),
)


def spec(**changes: object) -> NeedInput:
    base = NeedInput(
        source="resident",
        social_area_key="westen",
        field_of_action="Familienarbeit",
        title="  Spielplatz   am Bahnhof fehlt ",
        raised_by="Bewohner:in",
        description="Kinder spielen auf dem Parkplatz",
        residential_area_number=42,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def raised(**changes: object) -> StandaloneNeed:
    need, events = n.raise_need(uuid.uuid4(), spec(**changes), WESTEN, TODAY)
    assert [e.event_type for e in events] == ["quartier.planning.NeedRaised.v1"]
    return need


def plan_with_measure(area: str = "westen") -> tuple[AnnualPlan, uuid.UUID]:
    plan, _ = d.draft(uuid.uuid4(), area, 2027, PLAN_CAT)
    measure_id = uuid.uuid4()
    measure = MeasureInput(
        title="Spielplatzpatenschaft",
        description="",
        field_of_action="Familienarbeit",
        responsible_actor_id=ACTOR,
        starts_on=dt.date(2027, 4, 1),
        ends_on=dt.date(2027, 10, 31),
        residential_area_number=42,
    )
    plan, _ = d.add_measure(plan, measure_id, measure, PLAN_CAT)
    return plan, measure_id


def test_a_raised_need_is_open_with_its_facts_and_an_event_of_ids_only() -> None:
    need_id = uuid.uuid4()
    need, events = n.raise_need(need_id, spec(), WESTEN, TODAY)
    assert need.status == NeedStatus.OPEN
    assert need.title == "Spielplatz am Bahnhof fehlt"
    assert (need.raised_on, need.raised_by) == (TODAY, "Bewohner:in")
    event = events[0]
    assert event.partition_key() == f"need/{need_id}"
    assert event.model_dump() == {
        "need_id": need_id,
        "social_area_key": "westen",
        "source": "resident",
        "field_of_action": "Familienarbeit",
        "residential_area_number": 42,
        "raised_on": TODAY,
        "meeting_id": None,
    }


def test_raised_by_is_an_actor_id_or_bewohner_in() -> None:
    assert raised(source="service", raised_by=f" {ACTOR} ").raised_by == str(ACTOR)
    with pytest.raises(InvalidInput) as name:
        raised(raised_by="Erika Mustermann")
    assert name.value.field == "raised_by"
    assert "keine Namen" in name.value.message
    with pytest.raises(InvalidInput, match="nicht bekannt"):
        raised(raised_by=str(uuid.UUID(int=99)))


@pytest.mark.parametrize(
    ("changes", "field", "text"),
    [
        ({"source": "presse"}, "source", "Herkunft ist eine von"),
        ({"residential_area_number": 99}, "residential_area_number", "gehört nicht zum Sozialraum „westen“"),
        ({"field_of_action": "Raumfahrt"}, "field_of_action", "Handlungsfeld „Raumfahrt“ ist nicht bekannt"),
        ({"title": "   "}, "title", "Der Titel fehlt"),
        ({"raised_on": dt.date(2027, 3, 2)}, "raised_on", "in der Zukunft"),
    ],
)
def test_bad_input_names_the_field_in_german(changes: dict[str, object], field: str, text: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        raised(**changes)
    assert refused.value.field == field
    assert text in refused.value.message


def test_an_unknown_social_area_is_refused() -> None:
    with pytest.raises(InvalidInput, match="Sozialraum „atlantis“ ist nicht bekannt"):
        n.raise_need(uuid.uuid4(), spec(social_area_key="atlantis"), replace(WESTEN, social_area_exists=False), TODAY)


def test_taking_into_plan_needs_a_measure_of_that_social_areas_plan() -> None:
    plan, measure_id = plan_with_measure()
    need = raised()
    taken, events = n.take_into_plan(need, plan, measure_id)
    assert (taken.status, taken.plan_id, taken.measure_id) == (NeedStatus.TAKEN_INTO_PLAN, plan.id, measure_id)
    assert events[0].model_dump() == {
        "need_id": need.id,
        "social_area_key": "westen",
        "plan_id": plan.id,
        "measure_id": measure_id,
    }
    with pytest.raises(InvalidInput) as unknown:
        n.take_into_plan(need, plan, uuid.uuid4())
    assert unknown.value.field == "measure_id"
    other, other_measure = plan_with_measure("norden")
    with pytest.raises(InvalidInput, match="Sozialraum „norden“"):
        n.take_into_plan(need, other, other_measure)
    with pytest.raises(InvalidInput, match="Plan ist nicht bekannt"):
        n.take_into_plan(need, None, measure_id)


def test_a_resolved_need_is_not_answered_again_until_reopened() -> None:
    plan, measure_id = plan_with_measure()
    need = raised()
    declined, events = n.decline(need, "Fläche gehört der Bahn")
    assert (declined.status, declined.declined_because) == (NeedStatus.DECLINED, "Fläche gehört der Bahn")
    assert events[0].event_type == "quartier.planning.NeedDeclined.v1"
    for again in (
        lambda x: n.decline(x, "nochmal"),
        lambda x: n.forward(x, "Grünflächenamt", frozenset()),
        lambda x: n.take_into_plan(x, plan, measure_id),
    ):
        with pytest.raises(OutOfOrder, match=r"bereits abgelehnt.*wieder"):
            again(declined)
    with pytest.raises(InvalidInput, match="Begründung fehlt"):
        n.reopen(declined, " ")
    reopened, events = n.reopen(declined, "Bahn verkauft die Fläche")
    assert (reopened.status, reopened.declined_because, reopened.reopened_because) == (
        NeedStatus.OPEN,
        None,
        "Bahn verkauft die Fläche",
    )
    assert events[0].model_dump()["previous_status"] == "declined"
    with pytest.raises(OutOfOrder, match="Der Bedarf ist offen"):
        n.reopen(reopened, "warum nicht")
    taken, _ = n.take_into_plan(reopened, plan, measure_id)
    assert taken.status == NeedStatus.TAKEN_INTO_PLAN


def test_forwarding_to_text_or_a_known_actor() -> None:
    need = raised()
    to_office, events = n.forward(need, " Grünflächenamt ", frozenset())
    assert (to_office.forwarded_to, to_office.forwarded_to_actor_id) == ("Grünflächenamt", None)
    assert events[0].model_dump()["forwarded_to_actor_id"] is None
    to_actor, events = n.forward(need, str(ACTOR), frozenset({ACTOR}))
    assert to_actor.forwarded_to_actor_id == ACTOR
    assert events[0].model_dump()["forwarded_to_actor_id"] == ACTOR
    with pytest.raises(InvalidInput, match="nicht bekannt"):
        n.forward(need, str(uuid.UUID(int=7)), frozenset({ACTOR}))
    with pytest.raises(InvalidInput) as empty:
        n.forward(need, "", frozenset())
    assert empty.value.field == "forwarded_to"


def test_the_trace_follows_the_need_to_the_measure_and_its_evaluation() -> None:
    plan, measure_id = plan_with_measure()
    need, _ = n.take_into_plan(raised(), plan, measure_id)
    trace = n.trace(need, to_document(need), plan)
    assert trace["where"] == {
        "plan_id": str(plan.id),
        "year": 2027,
        "measure_id": str(measure_id),
        "measure_title": "Spielplatzpatenschaft",
    }
    assert (trace["measure_state"], trace["evaluation"]) == ("draft", None)
    plan, _ = d.present(plan, PLAN_CAT)
    for key in ("mitte", "pelkum", "herringen"):
        plan, _ = d.close_hearing(plan, key)
    plan, _ = d.finalize(plan)
    plan, _ = d.start(plan)
    plan, _ = d.mid_year_review(plan, [ReviewEntry("continued", "läuft", measure_id=measure_id)], PLAN_CAT)
    plan, _ = d.evaluate(plan, [EvaluationEntry(measure_id, "partly", ("3 Paten",), "früher anfangen")])
    trace = n.trace(need, to_document(need), plan)
    assert trace["measure_state"] == "evaluated"
    assert trace["evaluation"] == {"outcome": "partly", "indicators_reached": ["3 Paten"], "lessons": "früher anfangen"}
    with pytest.raises(InvalidInput, match="bereits ausgewertet"):
        n.take_into_plan(raised(), plan, measure_id)


def test_the_trace_of_forwarded_declined_and_open_needs() -> None:
    need = raised()
    assert n.trace(need, {}, None)["where"] is None
    forwarded, _ = n.forward(need, "Jugendamt", frozenset())
    assert n.trace(forwarded, {}, None)["where"] == {"forwarded_to": "Jugendamt"}
    declined, _ = n.decline(need, "kein Geld")
    assert n.trace(declined, {}, None)["where"] == {"declined_because": "kein Geld"}


def test_a_council_need_of_a_hearing_has_the_same_trace_form() -> None:
    plan, measure_id = plan_with_measure()
    plan, _ = d.present(plan, PLAN_CAT)
    taken_id, forwarded_id, open_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    plan, _ = d.record_needs(
        plan,
        "pelkum",
        [(taken_id, "Spielplatz", None), (forwarded_id, "Ampel", None), (open_id, "Bank", None)],
        PLAN_CAT,
    )
    plan, _ = d.answer_need(plan, taken_id, d.Answer("taken_into_plan", measure_id=measure_id))
    plan, _ = d.answer_need(plan, forwarded_id, d.Answer("forwarded", forwarded_to="Straßenverkehrsamt"))
    taken = n.trace_council(plan, taken_id)
    assert taken["need"]["source"] == "district_council"
    assert (taken["need"]["status"], taken["need"]["district_key"]) == ("taken_into_plan", "pelkum")
    assert taken["where"]["measure_title"] == "Spielplatzpatenschaft"
    assert n.trace_council(plan, forwarded_id)["where"] == {"forwarded_to": "Straßenverkehrsamt"}
    assert n.trace_council(plan, open_id)["need"]["status"] == "open"
    with pytest.raises(NotFound):
        n.trace_council(plan, uuid.uuid4())


def test_the_document_round_trips() -> None:
    need, _ = n.forward(raised(), str(ACTOR), frozenset({ACTOR}))
    assert from_document(to_document(need)) == need
