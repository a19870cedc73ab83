"""The Jahresplan cycle as pure rules: every step, its guard and its event."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import replace

import pytest

from quartier_planning.domain import plans as d
from quartier_planning.domain.plans import (
    AnnualPlan,
    Answer,
    Catalogue,
    EvaluationEntry,
    InvalidInput,
    MeasureInput,
    NotFound,
    OutOfOrder,
    PlanState,
    ReviewEntry,
)

ACTOR = uuid.UUID(int=1)
PARTNER = uuid.UUID(int=2)
WESTEN = Catalogue(
    district_names={"mitte": "Hamm-Mitte", "pelkum": "Hamm-Pelkum", "herringen": "Hamm-Herringen"},
    residential_area_numbers=frozenset({14, 15, 42, 52}),
    fields_of_action=frozenset({"Familienarbeit", "Quartiersmanagement"}),
    cross_cutting_themes=frozenset({"Inklusion"}),
    goals=frozenset({"Funktionierende Netzwerke bündeln die Ressourcen der Sozialräume."}),
    known_actor_ids=frozenset({ACTOR, PARTNER}),
)


def spec(**changes: object) -> MeasureInput:
    base = MeasureInput(
        title="Elterncafé",
        description="Wöchentliches Treffen",
        field_of_action="Familienarbeit",
        responsible_actor_id=ACTOR,
        starts_on=dt.date(2027, 2, 1),
        ends_on=dt.date(2027, 11, 30),
        partner_actor_ids=(PARTNER,),
        residential_area_number=42,
        planned_indicators=("20 Familien erreicht",),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def drafted(catalogue: Catalogue = WESTEN) -> AnnualPlan:
    plan, events = d.draft(uuid.uuid4(), "westen", 2027, catalogue)
    assert [e.event_type for e in events] == ["quartier.planning.PlanDrafted.v1"]
    return plan


def with_measure(plan: AnnualPlan) -> tuple[AnnualPlan, uuid.UUID]:
    measure_id = uuid.uuid4()
    plan, _ = d.add_measure(plan, measure_id, spec(), WESTEN)
    return plan, measure_id


def test_the_whole_cycle_of_westen_opens_three_hearings_and_ends_in_a_carry_over() -> None:
    plan, measure_id = with_measure(drafted())
    plan, events = d.present(plan, WESTEN)
    assert plan.state == PlanState.PRESENTED
    assert events[0].hearing_district_keys == ["mitte", "pelkum", "herringen"]  # type: ignore[attr-defined]
    assert events[0].partition_key() == "plan/westen/2027"
    need = uuid.uuid4()
    plan, _ = d.record_needs(plan, "pelkum", [(need, "Mehr Angebote für Jugendliche", None)], WESTEN)
    plan, _ = d.answer_need(plan, need, Answer("taken_into_plan", measure_id=measure_id))
    for key in ("mitte", "pelkum", "herringen"):
        plan, _ = d.close_hearing(plan, key)
    plan, events = d.finalize(plan)
    assert plan.state == PlanState.FINAL
    plan, _ = d.start(plan)
    plan, events = d.mid_year_review(
        plan, [ReviewEntry("continued", "läuft gut", measure_id=measure_id)], WESTEN, lambda: uuid.UUID(int=9)
    )
    assert plan.state == PlanState.MID_YEAR_REVIEWED
    assert events[0].continued == [measure_id]  # type: ignore[attr-defined]
    plan, _ = d.evaluate(plan, [EvaluationEntry(measure_id, "partly", ("12 Familien",), "Später beginnen")])
    assert plan.state == PlanState.EVALUATED
    source, target, events = d.carry_over(plan, None, uuid.uuid4())
    assert target.year == 2028 and target.state == PlanState.DRAFT
    assert [m.carried_from for m in target.measures] == [measure_id]
    assert target.measures[0].spec.starts_on == dt.date(2028, 2, 1)
    assert [e.event_type for e in events] == [
        "quartier.planning.PlanDrafted.v1",
        "quartier.planning.MeasuresCarriedOver.v1",
    ]
    with pytest.raises(OutOfOrder):
        d.carry_over(source, target, uuid.uuid4())


def test_finalising_names_what_is_missing() -> None:
    plan, _ = with_measure(drafted())
    plan, _ = d.present(plan, WESTEN)
    plan, _ = d.record_needs(plan, "mitte", [(uuid.uuid4(), "a", None), (uuid.uuid4(), "b", None)], WESTEN)
    plan, _ = d.close_hearing(plan, "mitte")
    plan, _ = d.close_hearing(plan, "herringen")
    with pytest.raises(OutOfOrder) as refused:
        d.finalize(plan)
    assert refused.value.message == (
        "Die Anhörung der Bezirksvertretung Hamm-Pelkum ist noch offen; 2 Bedarfe sind unbeantwortet."
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"field_of_action": "Raumfahrt"}, "field_of_action"),
        ({"responsible_actor_id": uuid.UUID(int=77)}, "responsible_actor_id"),
        ({"partner_actor_ids": (uuid.UUID(int=78),)}, "partner_actor_ids"),
        ({"starts_on": dt.date(2026, 12, 1)}, "starts_on"),
        ({"ends_on": dt.date(2028, 1, 1)}, "ends_on"),
        ({"ends_on": dt.date(2027, 1, 1)}, "ends_on"),
        ({"residential_area_number": 11}, "residential_area_number"),
        ({"residential_area_number": None}, "residential_area_number"),
        ({"strategic_goals": ("Weltfrieden",)}, "strategic_goals"),
        ({"title": "  "}, "title"),
    ],
)
def test_a_wrong_measure_is_refused_naming_the_field(changes: dict[str, object], field: str) -> None:
    plan = drafted()
    with pytest.raises(InvalidInput) as refused:
        d.add_measure(plan, uuid.uuid4(), spec(**changes), WESTEN)
    assert refused.value.field == field


def test_steps_out_of_order_are_refused_with_what_comes_first() -> None:
    plan = drafted()
    with pytest.raises(OutOfOrder, match="mindestens eine Maßnahme"):
        d.present(plan, WESTEN)
    with pytest.raises(OutOfOrder, match="zuerst den Bezirksvertretungen vor"):
        d.finalize(plan)
    with pytest.raises(OutOfOrder):
        d.start(plan)
    with pytest.raises(OutOfOrder, match="Start der Umsetzung"):
        d.mid_year_review(plan, [], WESTEN)
    with pytest.raises(OutOfOrder, match="Halbjahresbilanz"):
        d.evaluate(plan, [])


def test_a_final_plan_is_edited_only_in_the_mid_year_review() -> None:
    plan, measure_id = with_measure(drafted())
    plan, _ = d.present(plan, WESTEN)
    for key in WESTEN.district_names:
        plan, _ = d.close_hearing(plan, key)
    plan, _ = d.finalize(plan)
    edits: list[Callable[[], d.Result]] = [
        lambda: d.add_measure(plan, uuid.uuid4(), spec(), WESTEN),
        lambda: d.change_measure(plan, measure_id, spec(title="Neu"), WESTEN),
        lambda: d.remove_measure(plan, measure_id),
    ]
    for edit in edits:
        with pytest.raises(OutOfOrder, match="Halbjahresbilanz"):
            edit()
    plan, _ = d.start(plan)
    with pytest.raises(InvalidInput, match="Ohne Entscheidung"):
        d.mid_year_review(plan, [], WESTEN)
    plan, _events = d.mid_year_review(
        plan,
        [
            ReviewEntry(
                "changed",
                "Raum gewechselt",
                measure_id=measure_id,
                spec=spec(at_community_centre=True, residential_area_number=None),
            ),
            ReviewEntry("added", "neuer Bedarf", spec=spec(title="Sprachcafé")),
        ],
        WESTEN,
    )
    assert [m.review for m in plan.measures] == ["changed", "added"]
    assert plan.measures[0].spec.at_community_centre


def test_needs_are_answered_once_and_only_with_a_measure_of_the_plan() -> None:
    plan, _measure_id = with_measure(drafted())
    plan, _ = d.present(plan, WESTEN)
    need = uuid.uuid4()
    with pytest.raises(NotFound):
        d.record_needs(plan, "uentrop", [(need, "x", None)], WESTEN)
    plan, _ = d.record_needs(plan, "herringen", [(need, "Spielplatz", "Familienarbeit")], WESTEN)
    with pytest.raises(InvalidInput) as refused:
        d.answer_need(plan, need, Answer("taken_into_plan", measure_id=uuid.uuid4()))
    assert refused.value.field == "measure_id"
    with pytest.raises(InvalidInput) as refused:
        d.answer_need(plan, need, Answer("not_possible"))
    assert refused.value.field == "reason"
    plan, _events = d.answer_need(plan, need, Answer("forwarded", forwarded_to="Grünflächenamt"))
    with pytest.raises(OutOfOrder, match="bereits beantwortet"):
        d.answer_need(plan, need, Answer("not_possible", reason="x"))
    plan, _ = d.close_hearing(plan, "herringen")
    with pytest.raises(OutOfOrder, match="bereits geschlossen"):
        d.record_needs(plan, "herringen", [(uuid.uuid4(), "y", None)], WESTEN)


def test_a_measure_that_answers_a_need_cannot_be_removed() -> None:
    plan, measure_id = with_measure(drafted())
    plan, _ = d.present(plan, WESTEN)
    need = uuid.uuid4()
    plan, _ = d.record_needs(plan, "mitte", [(need, "Treffpunkt", None)], WESTEN)
    plan, _ = d.answer_need(plan, need, Answer("taken_into_plan", measure_id=measure_id))
    with pytest.raises(OutOfOrder):
        d.remove_measure(plan, measure_id)


def test_evaluation_covers_every_measure_not_dropped() -> None:
    plan, first = with_measure(drafted())
    plan, second = with_measure(plan)
    plan, _ = d.present(plan, WESTEN)
    for key in WESTEN.district_names:
        plan, _ = d.close_hearing(plan, key)
    plan, _ = d.start(d.finalize(plan)[0])
    plan, _ = d.mid_year_review(
        plan,
        [ReviewEntry("continued", "ok", measure_id=first), ReviewEntry("dropped", "kein Raum", measure_id=second)],
        WESTEN,
    )
    with pytest.raises(InvalidInput):
        d.evaluate(plan, [EvaluationEntry(second, "done")])
    plan, events = d.evaluate(plan, [EvaluationEntry(first, "done")])
    assert events[0].done == [first]  # type: ignore[attr-defined]
    _, target, _ = d.carry_over(plan, None, uuid.uuid4())
    assert target.measures == ()


def test_an_unknown_social_area_has_no_plan() -> None:
    empty = Catalogue({}, frozenset(), frozenset(), frozenset(), frozenset(), frozenset())
    with pytest.raises(InvalidInput) as refused:
        d.draft(uuid.uuid4(), "atlantis", 2027, empty)
    assert refused.value.field == "social_area_key"
