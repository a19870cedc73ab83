"""Stateful property test of the Jahresplan: no sequence of commands reaches a state the rules forbid,
and a refused command changes nothing."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable

import hypothesis.strategies as st
from hypothesis import HealthCheck, settings
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from quartier_planning.domain import plans as d
from quartier_planning.domain.plans import (
    AnnualPlan,
    Answer,
    Catalogue,
    EvaluationEntry,
    Measure,
    MeasureInput,
    PlanError,
    PlanState,
    ReviewEntry,
)

ACTOR = uuid.UUID(int=1)
CATALOGUES = {
    "westen": Catalogue(
        {"mitte": "Hamm-Mitte", "pelkum": "Hamm-Pelkum", "herringen": "Hamm-Herringen"},
        frozenset({14, 15, 42, 52}),
        frozenset({"Familienarbeit"}),
        frozenset(),
        frozenset(),
        frozenset({ACTOR}),
    ),
    "norden": Catalogue(
        {"bockum-hoevel": "Hamm-Bockum-Hövel", "heessen": "Hamm-Heessen"},
        frozenset({62, 72}),
        frozenset({"Familienarbeit"}),
        frozenset(),
        frozenset(),
        frozenset({ACTOR}),
    ),
    "mitte": Catalogue(
        {"mitte": "Hamm-Mitte"},
        frozenset({11, 12, 13}),
        frozenset({"Familienarbeit"}),
        frozenset(),
        frozenset(),
        frozenset({ACTOR}),
    ),
}
ORDER = list(PlanState)
districts = st.sampled_from(["mitte", "pelkum", "herringen", "bockum-hoevel", "heessen", "uentrop"])
fields = st.sampled_from(["Familienarbeit", "Familienarbeit", "Familienarbeit", "Raumfahrt"])
# mostly inside the plan's year, sometimes just outside
days = st.one_of(
    st.dates(dt.date(2027, 1, 1), dt.date(2027, 6, 30)),
    st.dates(dt.date(2027, 7, 1), dt.date(2027, 12, 31)),
    st.dates(dt.date(2026, 11, 1), dt.date(2028, 2, 1)),
)


def measure_input(field: str, starts: dt.date, ends: dt.date, place: int | None) -> MeasureInput:
    return MeasureInput(
        "Maßnahme",
        "",
        field,
        ACTOR,
        starts,
        ends,
        residential_area_number=place,
        at_community_centre=place is None,
    )


class PlanLifecycle(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.catalogue: Catalogue = CATALOGUES["westen"]
        self.plan: AnnualPlan | None = None
        self.measures_at_final: tuple[Measure, ...] | None = None
        self.reviewed = False

    def attempt(self, command: Callable[[AnnualPlan], d.Result]) -> None:
        assert self.plan is not None
        before = self.plan
        try:
            after, events = command(before)
        except PlanError:
            assert self.plan == before  # refused: nothing changed
            return
        assert events, "every accepted command announces itself"
        assert all(e.partition_key() == f"plan/{before.social_area_key}/{before.year}" for e in events)
        assert ORDER.index(after.state) - ORDER.index(before.state) in (0, 1), "no step is skipped"
        if after.state == PlanState.MID_YEAR_REVIEWED and before.state == PlanState.IN_PROGRESS:
            self.reviewed = True
        if after.state == PlanState.FINAL and before.state == PlanState.PRESENTED:
            self.measures_at_final = after.measures
        self.plan = after

    @precondition(lambda self: self.plan is None)
    @rule(area=st.sampled_from(sorted(CATALOGUES)))
    def draft(self, area: str) -> None:
        self.catalogue = CATALOGUES[area]
        self.plan, _ = d.draft(uuid.uuid4(), area, 2027, self.catalogue)

    @precondition(lambda self: self.plan is not None)
    @rule(field=fields, starts=days, ends=days, place=st.sampled_from([None, None, 11, 14, 42, 62, 99]))
    def add_measure(self, field: str, starts: dt.date, ends: dt.date, place: int | None) -> None:
        spec = measure_input(field, starts, ends, place)
        self.attempt(lambda p: d.add_measure(p, uuid.uuid4(), spec, self.catalogue))

    @precondition(lambda self: self.plan is not None and bool(self.plan.measures))
    @rule(i=st.integers(0, 5), field=fields, starts=days, ends=days)
    def change_measure(self, i: int, field: str, starts: dt.date, ends: dt.date) -> None:
        assert self.plan is not None
        measure = self.plan.measures[i % len(self.plan.measures)]
        spec = measure_input(field, starts, ends, None)
        self.attempt(lambda p: d.change_measure(p, measure.id, spec, self.catalogue))

    @precondition(lambda self: self.plan is not None and bool(self.plan.measures))
    @rule(i=st.integers(0, 5))
    def remove_measure(self, i: int) -> None:
        assert self.plan is not None
        measure = self.plan.measures[i % len(self.plan.measures)]
        self.attempt(lambda p: d.remove_measure(p, measure.id))

    @precondition(lambda self: self.plan is not None)
    @rule()
    def present(self) -> None:
        self.attempt(lambda p: d.present(p, self.catalogue))

    @precondition(lambda self: self.plan is not None)
    @rule(district=districts, count=st.integers(0, 2))
    def record_needs(self, district: str, count: int) -> None:
        needs = [(uuid.uuid4(), f"Bedarf {i}", None) for i in range(count)]
        self.attempt(lambda p: d.record_needs(p, district, needs, self.catalogue))

    @precondition(lambda self: self.plan is not None and bool(self.plan.needs))
    @rule(
        i=st.integers(0, 9),
        kind=st.sampled_from(["taken_into_plan", "forwarded", "not_possible", "x"]),
        j=st.integers(0, 5),
    )
    def answer(self, i: int, kind: str, j: int) -> None:
        assert self.plan is not None
        need = self.plan.needs[i % len(self.plan.needs)]
        measure_id = self.plan.measures[j % len(self.plan.measures)].id if self.plan.measures else uuid.uuid4()
        answer = Answer(kind, measure_id=measure_id, forwarded_to="Jugendamt", reason="kein Budget")
        self.attempt(lambda p: d.answer_need(p, need.id, answer))

    @precondition(lambda self: self.plan is not None)
    @rule(district=districts)
    def close_hearing(self, district: str) -> None:
        self.attempt(lambda p: d.close_hearing(p, district))

    @precondition(lambda self: self.plan is not None)
    @rule()
    def finalize(self) -> None:
        self.attempt(d.finalize)

    @precondition(lambda self: self.plan is not None)
    @rule()
    def start(self) -> None:
        self.attempt(d.start)

    @precondition(lambda self: self.plan is not None)
    @rule(decisions=st.lists(st.sampled_from(["continued", "changed", "dropped"]), max_size=6), complete=st.booleans())
    def review(self, decisions: list[str], complete: bool) -> None:
        assert self.plan is not None
        measures = self.plan.measures if complete else self.plan.measures[1:]
        entries = [
            ReviewEntry(
                decisions[k] if k < len(decisions) else "continued",
                "Grund",
                measure_id=m.id,
                spec=m.spec if (k < len(decisions) and decisions[k] == "changed") else None,
            )
            for k, m in enumerate(measures)
        ]
        self.attempt(lambda p: d.mid_year_review(p, entries, self.catalogue))

    @precondition(lambda self: self.plan is not None)
    @rule(outcome=st.sampled_from(["done", "partly", "not_done", "perhaps"]))
    def evaluate(self, outcome: str) -> None:
        assert self.plan is not None
        entries = [EvaluationEntry(m.id, outcome) for m in self.plan.active_measures()]
        self.attempt(lambda p: d.evaluate(p, entries))

    @invariant()
    def rules_hold(self) -> None:
        plan = self.plan
        if plan is None:
            return
        stage = ORDER.index(plan.state)
        if stage >= ORDER.index(PlanState.PRESENTED):
            assert [h.district_key for h in plan.hearings] == list(self.catalogue.district_names)
        else:
            assert plan.hearings == () and plan.needs == ()
        if stage >= ORDER.index(PlanState.FINAL):
            assert all(h.closed for h in plan.hearings), "final with an open hearing"
            assert all(n.answer is not None for n in plan.needs), "final with an unanswered need"
            assert plan.measures
        if plan.state in (PlanState.FINAL, PlanState.IN_PROGRESS):
            assert plan.measures == self.measures_at_final, "measures edited outside the mid-year review"
        if plan.state == PlanState.EVALUATED:
            assert self.reviewed, "evaluated without mid-year review"
            assert all(m.outcome for m in plan.active_measures())
        if stage >= ORDER.index(PlanState.MID_YEAR_REVIEWED):
            assert all(m.review for m in plan.measures)
        for need in plan.needs:
            if need.answer and need.answer.kind == "taken_into_plan":
                assert any(m.id == need.answer.measure_id for m in plan.measures)
        for m in plan.measures:
            assert dt.date(plan.year, 1, 1) <= m.spec.starts_on <= m.spec.ends_on <= dt.date(plan.year, 12, 31)
            assert m.spec.field_of_action in self.catalogue.fields_of_action


PlanLifecycle.TestCase.settings = settings(
    max_examples=400, stateful_step_count=80, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
TestPlanLifecycle = PlanLifecycle.TestCase
