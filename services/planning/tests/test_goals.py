"""Steering goals (Steuerungsziele) as pure rules, and a measure's links to goals and offers."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import replace

import pytest

from quartier_planning.db.plans import from_document, to_document
from quartier_planning.domain import goals as g
from quartier_planning.domain import plans as d
from quartier_planning.domain.goals import GoalInput, SteeringGoal
from quartier_planning.domain.plans import (
    AnnualPlan,
    Catalogue,
    InvalidInput,
    MeasureInput,
    OfferRef,
    OutOfOrder,
    ReviewEntry,
)
from quartier_shared.events.planning import GoalChanged, GoalDefined, GoalRetired

TODAY = dt.date(2027, 3, 1)
ACTOR = uuid.UUID(int=1)
WESTEN = Catalogue(
    district_names={"mitte": "Hamm-Mitte", "pelkum": "Hamm-Pelkum", "herringen": "Hamm-Herringen"},
    residential_area_numbers=frozenset({14, 15, 42, 52}),
    fields_of_action=frozenset({"Familienarbeit"}),
    cross_cutting_themes=frozenset(),
    goals=frozenset(),
    known_actor_ids=frozenset({ACTOR}),
)


def spec(**changes: object) -> MeasureInput:
    base = MeasureInput(
        title="Elterncafé",
        description="Wöchentliches Treffen",
        field_of_action="Familienarbeit",
        responsible_actor_id=ACTOR,
        starts_on=dt.date(2027, 2, 1),
        ends_on=dt.date(2027, 11, 30),
        residential_area_number=42,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def goal_spec(**changes: object) -> GoalInput:
    base = GoalInput(
        title="  Stärkung der   Teilhabe ",
        council_decision="Ratsbeschluss vom 12.03.2024, Vorlage 0123/24",
        decided_on=dt.date(2024, 3, 12),
        valid_from_year=2025,
        valid_until_year=2030,
        description="Bewohner:innen  beteiligen",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def defined(**changes: object) -> SteeringGoal:
    goal, _ = g.define(uuid.uuid4(), goal_spec(**changes), [], TODAY)
    return goal


def test_a_goal_is_defined_changed_and_retired_each_with_its_event() -> None:
    goal_id = uuid.uuid4()
    goal, events = g.define(goal_id, goal_spec(), ["Steigerung der Transparenz"], TODAY)
    assert (goal.title, goal.description) == ("Stärkung der Teilhabe", "Bewohner:innen beteiligen")
    assert events == [
        GoalDefined(
            goal_id=goal_id,
            title="Stärkung der Teilhabe",
            council_decision="Ratsbeschluss vom 12.03.2024, Vorlage 0123/24",
            valid_from_year=2025,
            valid_until_year=2030,
        )
    ]
    assert events[0].partition_key() == f"goal/{goal_id}"
    assert events[0].topic == "quartier.planning.goals"

    goal, events = g.change(goal, goal_spec(valid_until_year=None), [], TODAY)
    assert goal.valid_until_year is None and goal.valid_in(2099)
    assert [type(e) for e in events] == [GoalChanged]

    goal, events = g.retire(goal, "  Ziel erreicht ")
    assert (goal.retired, goal.retired_reason) == (True, "Ziel erreicht")
    assert isinstance(events[0], GoalRetired)
    assert events[0].reason == "Ziel erreicht"
    assert events[0].title == "Stärkung der Teilhabe"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": "  "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"council_decision": ""}, "council_decision"),
        ({"decided_on": dt.date(2027, 3, 2)}, "decided_on"),
        ({"valid_from_year": 1999}, "valid_from_year"),
        ({"valid_until_year": 2024}, "valid_until_year"),
        ({"description": "x" * 5001}, "description"),
    ],
)
def test_bad_input_names_the_field(changes: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as err:
        g.define(uuid.uuid4(), goal_spec(**changes), [], TODAY)
    assert err.value.field == field


def test_the_title_is_unique_among_active_goals_without_case_and_spaces() -> None:
    with pytest.raises(InvalidInput, match="gibt es bereits") as err:
        g.define(uuid.uuid4(), goal_spec(), ["stärkung  der teilhabe"], TODAY)
    assert err.value.field == "title"
    goal = defined()
    # changing a goal compares with the *other* active goals only
    same, _ = g.change(goal, goal_spec(description="neu"), [], TODAY)
    assert same.title == goal.title


def test_a_retired_goal_is_neither_changed_nor_retired_again() -> None:
    goal, _ = g.retire(defined(), "überholt")
    with pytest.raises(OutOfOrder, match="zurückgezogen"):
        g.change(goal, goal_spec(), [], TODAY)
    with pytest.raises(OutOfOrder, match="bereits zurückgezogen"):
        g.retire(goal, "nochmal")
    with pytest.raises(InvalidInput) as err:
        g.retire(defined(), "   ")
    assert err.value.field == "reason"


# ---------------------------------------------------------------- measures link to goals and offers

GOAL = uuid.UUID(int=100)
OLD_GOAL = uuid.UUID(int=101)
RETIRED_GOAL = uuid.UUID(int=102)
OFFER = uuid.UUID(int=200)
WITHDRAWN = uuid.UUID(int=201)
MERGED = uuid.UUID(int=202)
LINKED = replace(
    WESTEN,
    steering_goals={
        GOAL: defined(valid_from_year=2025, valid_until_year=None).ref(),
        OLD_GOAL: defined(title="Alt", valid_from_year=2020, valid_until_year=2026).ref(),
        RETIRED_GOAL: g.retire(defined(title="Weg"), "erledigt")[0].ref(),
    },
    offers={OFFER: OfferRef(), WITHDRAWN: OfferRef(withdrawn=True), MERGED: OfferRef(True, OFFER)},
)


def plan_2027() -> AnnualPlan:
    plan, _ = d.draft(uuid.uuid4(), "westen", 2027, LINKED)
    return plan


def test_a_measure_links_to_goals_valid_in_the_plan_year_and_to_offers_in_the_directory() -> None:
    plan, _ = d.add_measure(plan_2027(), uuid.uuid4(), spec(steering_goal_ids=(GOAL, GOAL), offer_ids=(OFFER,)), LINKED)
    assert plan.measures[0].spec.steering_goal_ids == (GOAL,)
    assert plan.measures[0].spec.offer_ids == (OFFER,)
    again = from_document(to_document(plan))
    assert again == plan


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"steering_goal_ids": (uuid.UUID(int=999),)},
            f"steering_goal_ids: Steuerungsziel {uuid.UUID(int=999)} ist nicht bekannt.",
        ),
        ({"steering_goal_ids": (RETIRED_GOAL,)}, "steering_goal_ids: Steuerungsziel „Weg“ ist zurückgezogen."),
        (
            {"steering_goal_ids": (OLD_GOAL,)},
            "steering_goal_ids: Steuerungsziel „Alt“ gilt nicht im Planjahr 2027 (gültig ab 2020 bis 2026).",
        ),
        ({"offer_ids": (uuid.UUID(int=998),)}, f"offer_ids: Angebot {uuid.UUID(int=998)} ist nicht bekannt."),
        ({"offer_ids": (WITHDRAWN,)}, f"offer_ids: Angebot {WITHDRAWN} wurde zurückgezogen."),
        (
            {"offer_ids": (OFFER, MERGED)},
            f"offer_ids: Angebot {MERGED} wurde zurückgezogen (zusammengeführt mit Angebot {OFFER}).",
        ),
    ],
)
def test_links_to_unknown_retired_or_withdrawn_things_are_refused(changes: dict[str, object], message: str) -> None:
    plan = plan_2027()
    with pytest.raises(InvalidInput) as err:
        d.add_measure(plan, uuid.uuid4(), spec(**changes), LINKED)
    assert str(err.value) == message
    # the same rule holds for a measure changed or added in the mid-year review
    plan, _ = d.add_measure(plan, uuid.uuid4(), spec(), LINKED)
    with pytest.raises(InvalidInput):
        d.change_measure(plan, plan.measures[0].id, spec(**changes), LINKED)
    running = replace(plan, state=d.PlanState.IN_PROGRESS)
    with pytest.raises(InvalidInput):
        d.mid_year_review(
            running,
            [
                ReviewEntry("continued", "gut", measure_id=plan.measures[0].id),
                ReviewEntry("added", "neu", spec=spec(**changes)),
            ],
            LINKED,
        )


def test_a_document_stored_before_goal_links_existed_still_loads() -> None:
    plan, _ = d.add_measure(plan_2027(), uuid.uuid4(), spec(), LINKED)
    doc = to_document(plan)
    del doc["measures"][0]["spec"]["steering_goal_ids"]
    assert from_document(doc).measures[0].spec.steering_goal_ids == ()


# ---------------------------------------------------------------- removal guard


def test_a_measure_a_standalone_need_was_taken_into_is_not_removed() -> None:
    measure_id = uuid.uuid4()
    plan, _ = d.add_measure(plan_2027(), measure_id, spec(), LINKED)
    guarded = replace(LINKED, needs_taken_into={measure_id: ("Spielplatz am Bahnhof",)})
    with pytest.raises(OutOfOrder) as err:
        d.remove_measure(plan, measure_id, guarded)
    assert err.value.message.startswith(
        "Der Bedarf „Spielplatz am Bahnhof“ wurde mit der Maßnahme „Elterncafé“ in den Plan aufgenommen. "
        "Öffnen Sie ihn zuerst wieder"
    )
    two = replace(LINKED, needs_taken_into={measure_id: ("A", "B")})
    with pytest.raises(OutOfOrder, match="Die Bedarfe „A“, „B“ wurden"):
        d.remove_measure(plan, measure_id, two)
    # a need taken into another measure does not hold this one
    other = replace(LINKED, needs_taken_into={uuid.uuid4(): ("A",)})
    removed, events = d.remove_measure(plan, measure_id, other)
    assert removed.measures == () and [e.event_type for e in events] == ["quartier.planning.MeasureRemoved.v1"]


def test_dropping_such_a_measure_in_the_mid_year_review_stays_possible() -> None:
    measure_id = uuid.uuid4()
    plan, _ = d.add_measure(plan_2027(), measure_id, spec(), LINKED)
    running = replace(plan, state=d.PlanState.IN_PROGRESS)
    guarded = replace(LINKED, needs_taken_into={measure_id: ("Spielplatz am Bahnhof",)})
    reviewed, _ = d.mid_year_review(running, [ReviewEntry("dropped", "kein Raum", measure_id=measure_id)], guarded)
    assert reviewed.measures[0].review == "dropped"
