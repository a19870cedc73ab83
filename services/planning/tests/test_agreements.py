"""Target agreements (Zielvereinbarungen) and activity reports (Sachberichte) as pure rules, their document
round trip, and a measure's link to an agreement."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from quartier_planning.db import agreements as adb
from quartier_planning.db.plans import from_document, to_document
from quartier_planning.domain import agreements as a
from quartier_planning.domain import plans as d
from quartier_planning.domain.agreements import (
    AgreementCatalogue,
    AgreementInput,
    AgreementState,
    ReachedValue,
    ReportInput,
    TargetInput,
)
from quartier_planning.domain.plans import AgreementRef, AnnualPlan, Catalogue, GoalRef, InvalidInput, MeasureInput
from quartier_planning.domain.plans import OutOfOrder as PlanOutOfOrder
from quartier_planning.service.agreements import DEMO_FILE, read_demo_agreements
from quartier_shared.events.agreements import ActivityReportSubmitted, AgreementChanged, AgreementConcluded

PROVIDER = uuid.UUID(int=7)
OTHER = uuid.UUID(int=8)
GOAL = uuid.UUID(int=9)
CAT = AgreementCatalogue(
    social_area_keys=frozenset({"westen", "norden"}),
    fields_of_action=frozenset({"Quartiersmanagement", "Familienarbeit"}),
    goals=frozenset({"Funktionierende Netzwerke"}),
    provider_known=True,
    steering_goals={GOAL: GoalRef("Teilhabe", False, 2025, 2027)},
)
TODAY = dt.date(2026, 11, 25)


def spec(**changes: object) -> AgreementInput:
    base = AgreementInput(
        provider_actor_id=PROVIDER,
        year=2026,
        social_area_keys=("westen",),
        field_of_action="Quartiersmanagement",
        title="Quartiersmanagement Westen",
        targets=(TargetInput("Stadtteilkonferenzen", 4, "Konferenzen"), TargetInput("Beratungen", 300, "Gespräche")),
        responsible_department="Amt für Soziales",
        strategic_goals=("Funktionierende Netzwerke",),
        steering_goal_ids=(GOAL,),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def concluded(**changes: object) -> a.Agreement:
    agreement, _ = a.conclude(uuid.uuid4(), spec(**changes), CAT)
    return agreement


def report(agreement: a.Agreement, period: str, *values: float, on: dt.date = dt.date(2026, 8, 20)) -> ReportInput:
    return ReportInput(
        period, tuple(ReachedValue(t.id, v) for t, v in zip(agreement.targets, values, strict=True)), "Gut.", on
    )


def test_conclude_announces_the_terms_with_default_due_dates() -> None:
    agreement, events = a.conclude(uuid.uuid4(), spec(social_area_keys=(" westen", "norden", "westen")), CAT)
    assert agreement.state is AgreementState.CONCLUDED
    assert agreement.social_area_keys == ("westen", "norden")
    assert agreement.mid_year_report_due == dt.date(2026, 8, 31)
    assert agreement.year_end_report_due == dt.date(2027, 3, 31)
    [event] = events
    assert isinstance(event, AgreementConcluded)
    assert event.partition_key() == f"agreement/{agreement.id}"
    assert [(t.indicator, t.target_value) for t in event.targets] == [("Stadtteilkonferenzen", 4), ("Beratungen", 300)]
    assert event.provider_actor_id == PROVIDER and event.version == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"year": 1999}, "year"),
        ({"social_area_keys": ("atlantis",)}, "social_area_keys"),
        ({"social_area_keys": ()}, "social_area_keys"),
        ({"field_of_action": "Raumfahrt"}, "field_of_action"),
        ({"targets": ()}, "targets"),
        ({"targets": (TargetInput("A", -1),)}, "targets[0].target_value"),
        ({"targets": (TargetInput("A", float("nan")),)}, "targets[0].target_value"),
        ({"targets": (TargetInput("A", 1), TargetInput(" a ", 2))}, "targets[1].indicator"),
        ({"targets": (TargetInput("  ", 1),)}, "targets[0].indicator"),
        ({"responsible_department": " "}, "responsible_department"),
        ({"strategic_goals": ("Weltfrieden",)}, "strategic_goals"),
        ({"steering_goal_ids": (uuid.UUID(int=99),)}, "steering_goal_ids"),
        ({"year": 2028}, "steering_goal_ids"),
        ({"year_end_report_due": dt.date(2026, 7, 1)}, "year_end_report_due"),
    ],
)
def test_wrong_terms_are_refused_naming_the_field(changes: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        a.conclude(uuid.uuid4(), spec(**changes), CAT)
    assert refused.value.field == field


def test_an_unknown_provider_is_refused() -> None:
    with pytest.raises(InvalidInput) as refused:
        a.conclude(uuid.uuid4(), spec(), replace(CAT, provider_known=False))
    assert refused.value.field == "provider_actor_id"


def test_reports_mid_year_and_year_end_keep_the_values_per_target() -> None:
    agreement = concluded()
    agreement, [mid] = a.submit_report(agreement, report(agreement, "mid_year", 2, 164), TODAY)
    assert isinstance(mid, ActivityReportSubmitted) and not mid.late and not mid.replaces_earlier
    assert [(v.target_value, v.value) for v in mid.values] == [(4, 2), (300, 164)]
    end_day = dt.date(2027, 3, 20)
    agreement, [end] = a.submit_report(agreement, report(agreement, "year_end", 4, 310, on=end_day), end_day)
    assert end.period == "year_end" and end.due_on == dt.date(2027, 3, 31)
    rows = a.reached_against_targets(agreement)
    assert [(r["target_value"], r["mid_year"], r["year_end"]) for r in rows] == [(4, 2, 4), (300, 164, 310)]
    assert a.overdue_reports(agreement, dt.date(2028, 1, 1)) == []


def test_a_report_given_again_replaces_the_earlier_one() -> None:
    agreement = concluded()
    agreement, _ = a.submit_report(agreement, report(agreement, "mid_year", 2, 164), TODAY)
    agreement, [event] = a.submit_report(agreement, report(agreement, "mid_year", 3, 170), TODAY)
    assert event.replaces_earlier
    assert len(agreement.reports) == 1 and agreement.reports[0].value_of(agreement.targets[0].id) == 3


def test_report_rules() -> None:
    agreement = concluded()
    with pytest.raises(PlanOutOfOrder):
        a.submit_report(agreement, report(agreement, "year_end", 4, 300), TODAY)
    with pytest.raises(InvalidInput) as refused:
        a.submit_report(agreement, replace(report(agreement, "mid_year", 1, 2), values=()), TODAY)
    assert refused.value.field == "values" and "Stadtteilkonferenzen" in refused.value.message
    with pytest.raises(InvalidInput) as refused:
        a.submit_report(agreement, report(agreement, "mid_year", 1, 2, on=TODAY + dt.timedelta(days=1)), TODAY)
    assert refused.value.field == "delivered_on"
    alien = ReportInput("mid_year", (ReachedValue(uuid.uuid4(), 1),), "x", TODAY)
    with pytest.raises(InvalidInput) as refused:
        a.submit_report(agreement, alien, TODAY)
    assert refused.value.field == "values[0].target_id"
    with pytest.raises(InvalidInput):
        a.submit_report(agreement, replace(report(agreement, "mid_year", 1, 2), narrative=" "), TODAY)
    with pytest.raises(InvalidInput):
        a.submit_report(agreement, replace(report(agreement, "mid_year", 1, 2), period="quarter"), TODAY)


def test_overdue_and_late_reports() -> None:
    agreement = concluded()
    assert a.overdue_reports(agreement, dt.date(2026, 8, 31)) == []
    [overdue] = a.overdue_reports(agreement, dt.date(2026, 9, 10))
    assert (overdue.period, overdue.due_on, overdue.days_overdue) == ("mid_year", dt.date(2026, 8, 31), 10)
    late_day = dt.date(2026, 9, 10)
    agreement, [event] = a.submit_report(agreement, report(agreement, "mid_year", 1, 2, on=late_day), late_day)
    assert event.late and agreement.reports[0].late
    assert a.overdue_reports(agreement, late_day) == []
    assert [o.period for o in a.overdue_reports(agreement, dt.date(2027, 4, 1))] == ["year_end"]


def test_configured_due_dates_are_used() -> None:
    agreement = concluded(mid_year_report_due=dt.date(2026, 7, 15), year_end_report_due=dt.date(2027, 2, 1))
    assert [o.period for o in a.overdue_reports(agreement, dt.date(2026, 7, 16))] == ["mid_year"]


def test_change_keeps_target_ids_and_guards_reported_targets() -> None:
    agreement = concluded()
    first, second = agreement.targets
    new_terms = spec(targets=(TargetInput("Stadtteilkonferenzen", 5, "Konferenzen", first.id),))
    changed, [event] = a.change(agreement, new_terms, CAT, 2)
    assert isinstance(event, AgreementChanged) and event.version == 2
    assert changed.state is AgreementState.CHANGED and changed.targets[0].id == first.id
    assert changed.targets[0].target_value == 5
    reported, _ = a.submit_report(agreement, report(agreement, "mid_year", 1, 2), TODAY)
    with pytest.raises(PlanOutOfOrder) as refused:
        a.change(reported, new_terms, CAT, 3)
    assert "Beratungen" in refused.value.message
    with pytest.raises(PlanOutOfOrder):
        a.change(reported, spec(provider_actor_id=OTHER), CAT, 3)
    with pytest.raises(InvalidInput):
        a.change(agreement, spec(targets=(TargetInput("X", 1, "", uuid.uuid4()),)), CAT, 2)
    assert second.id != first.id


def test_document_round_trip() -> None:
    agreement = concluded()
    agreement, _ = a.submit_report(agreement, report(agreement, "mid_year", 2, 164.5), TODAY)
    doc = adb.to_document(agreement)
    assert doc["targets"][0]["target_value"] == 4 and doc["reports"][0]["values"][1]["value"] == 164.5
    assert adb.from_document(doc) == agreement


@given(st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=5))
def test_any_reported_figures_read_back_equal(figures: list[int]) -> None:
    targets = tuple(TargetInput(f"Indikator {i}", 10 * i) for i in range(len(figures)))
    agreement, _ = a.conclude(uuid.UUID(int=1), spec(targets=targets), CAT)
    agreement, [event] = a.submit_report(agreement, report(agreement, "mid_year", *figures), TODAY)
    assert isinstance(event, ActivityReportSubmitted)
    assert [v.value for v in event.values] == figures
    back = adb.from_document(adb.to_document(agreement))
    assert [r["mid_year"] for r in a.reached_against_targets(back)] == figures


# ---------------------------------------------------------------- a measure pointing to an agreement

ACTOR = uuid.UUID(int=1)
AGREEMENT = uuid.UUID(int=42)
PLAN_CAT = Catalogue(
    district_names={"mitte": "Hamm-Mitte"},
    residential_area_numbers=frozenset({42}),
    fields_of_action=frozenset({"Familienarbeit"}),
    cross_cutting_themes=frozenset(),
    goals=frozenset(),
    known_actor_ids=frozenset({ACTOR}),
    agreements={AGREEMENT: AgreementRef(2026, ("westen", "norden"), "QM Westen")},
)


def measure(**changes: object) -> MeasureInput:
    base = MeasureInput(
        title="Elterncafé",
        description="",
        field_of_action="Familienarbeit",
        responsible_actor_id=ACTOR,
        starts_on=dt.date(2026, 2, 1),
        ends_on=dt.date(2026, 11, 30),
        residential_area_number=42,
        agreement_id=AGREEMENT,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_a_measure_points_to_an_agreement_of_its_area_and_year() -> None:
    plan = AnnualPlan(uuid.uuid4(), "westen", 2026)
    plan, _ = d.add_measure(plan, uuid.uuid4(), measure(), PLAN_CAT)
    assert plan.measures[0].spec.agreement_id == AGREEMENT
    assert from_document(to_document(plan)) == plan


@pytest.mark.parametrize(
    ("area", "year", "agreement_id", "words"),
    [
        ("westen", 2026, uuid.UUID(int=43), "nicht bekannt"),
        ("mitte", 2026, AGREEMENT, "nicht für den Sozialraum „mitte“"),
        ("westen", 2027, AGREEMENT, "im Planjahr 2027"),
    ],
)
def test_a_measure_pointing_elsewhere_is_refused(area: str, year: int, agreement_id: uuid.UUID, words: str) -> None:
    plan = AnnualPlan(uuid.uuid4(), area, year)
    days = {"starts_on": dt.date(year, 2, 1), "ends_on": dt.date(year, 11, 30)}
    with pytest.raises(InvalidInput) as refused:
        d.add_measure(plan, uuid.uuid4(), measure(agreement_id=agreement_id, **days), PLAN_CAT)
    assert refused.value.field == "agreement_id" and words in refused.value.message


def test_old_plan_documents_without_agreement_still_load() -> None:
    plan = AnnualPlan(uuid.uuid4(), "westen", 2026)
    plan, _ = d.add_measure(plan, uuid.uuid4(), measure(agreement_id=None), PLAN_CAT)
    doc = to_document(plan)
    del doc["measures"][0]["spec"]["agreement_id"]
    assert from_document(doc).measures[0].spec.agreement_id is None


def test_demo_agreements_name_registry_demo_actors() -> None:
    from quartier_registry.domain.people import demo_actor_id

    raw = yaml.safe_load(Path(DEMO_FILE).read_text(encoding="utf-8"))["agreements"]
    entries = read_demo_agreements()
    assert len(entries) == 2
    for entry, (_, spec_, reports, target_ids) in zip(raw, entries, strict=True):
        assert spec_.provider_actor_id == demo_actor_id(entry["provider_key"])
        assert len(target_ids) == len(spec_.targets) >= 2
        for r in reports:
            assert {v.target_id for v in r.values} == set(target_ids)
