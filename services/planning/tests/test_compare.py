"""Two versions of a plan compared, as a pure function over stored plan documents."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import replace
from typing import Any

import hypothesis.strategies as st
from hypothesis import given

from quartier_planning.db.plans import to_document
from quartier_planning.domain import plans as d
from quartier_planning.domain.compare import MEASURE_FIELDS, compare, is_empty
from quartier_planning.domain.plans import Answer, Catalogue, MeasureInput, PlanState

ACTOR = uuid.UUID(int=1)
NORDEN = Catalogue(
    district_names={"bockum-hoevel": "Bockum-Hövel", "heessen": "Heessen"},
    residential_area_numbers=frozenset({60, 61}),
    fields_of_action=frozenset({"Familienarbeit", "Quartiersmanagement"}),
    cross_cutting_themes=frozenset(),
    goals=frozenset(),
    known_actor_ids=frozenset({ACTOR}),
)
SPEC = MeasureInput(
    title="Elterncafé",
    description="Wöchentliches Treffen",
    field_of_action="Familienarbeit",
    responsible_actor_id=ACTOR,
    starts_on=dt.date(2027, 2, 1),
    ends_on=dt.date(2027, 11, 30),
    residential_area_number=60,
)
SPEC_FIELDS = tuple(
    to_document(d.AnnualPlan(uuid.uuid4(), "norden", 2027, measures=(d.Measure(ACTOR, SPEC),)))["measures"][0]["spec"]
)
EMPTY = {
    "state": None,
    "measures": {"added": [], "removed": [], "changed": []},
    "hearings": [],
    "needs": {"added": [], "answered": []},
}


def test_a_real_plan_compared_between_draft_and_presented() -> None:
    plan, _ = d.draft(uuid.uuid4(), "norden", 2027, NORDEN)
    kept, gone = uuid.uuid4(), uuid.uuid4()
    plan, _ = d.add_measure(plan, kept, SPEC, NORDEN)
    plan, _ = d.add_measure(plan, gone, replace(SPEC, title="Lesepaten"), NORDEN)
    v1 = to_document(plan)

    plan, _ = d.change_measure(plan, kept, replace(SPEC, title="Familiencafé", ends_on=dt.date(2027, 12, 15)), NORDEN)
    plan, _ = d.remove_measure(plan, gone)
    added = uuid.uuid4()
    plan, _ = d.add_measure(plan, added, replace(SPEC, title="Sprachkurs"), NORDEN)
    plan, _ = d.present(plan, NORDEN)
    need, other = uuid.uuid4(), uuid.uuid4()
    plan, _ = d.record_needs(plan, "heessen", [(need, "Treffpunkt", None), (other, "Bank am Teich", None)], NORDEN)
    plan, _ = d.answer_need(plan, need, Answer("taken_into_plan", measure_id=kept))
    plan, _ = d.close_hearing(plan, "heessen")
    v2 = to_document(plan)

    diff = compare(v1, v2)
    assert diff == {
        "state": {"from": "draft", "to": "presented"},
        "measures": {
            "added": [{"id": str(added), "title": "Sprachkurs"}],
            "removed": [{"id": str(gone), "title": "Lesepaten"}],
            "changed": [
                {
                    "id": str(kept),
                    "title": "Familiencafé",
                    "fields": [
                        {"field": "title", "before": "Elterncafé", "after": "Familiencafé"},
                        {"field": "ends_on", "before": "2027-11-30", "after": "2027-12-15"},
                    ],
                }
            ],
        },
        "hearings": [
            {"district_key": "bockum-hoevel", "district_name": "Bockum-Hövel", "before": None, "after": "offen"},
            {"district_key": "heessen", "district_name": "Heessen", "before": None, "after": "geschlossen"},
        ],
        "needs": {
            "added": [
                {"id": str(need), "district_key": "heessen", "text": "Treffpunkt"},
                {"id": str(other), "district_key": "heessen", "text": "Bank am Teich"},
            ],
            "answered": [{"id": str(need), "text": "Treffpunkt", "kind": "taken_into_plan"}],
        },
    }
    # the other way round: what was added is removed, the hearings go back to none, nothing is answered
    back = compare(v2, v1)
    assert back["state"] == {"from": "presented", "to": "draft"}
    assert back["measures"]["removed"] == diff["measures"]["added"]
    assert back["measures"]["added"] == diff["measures"]["removed"]
    assert [h["after"] for h in back["hearings"]] == [None, None]
    assert back["needs"] == {"added": [], "answered": []}


def test_a_snapshot_stored_before_goal_links_compares_without_a_phantom_change() -> None:
    plan, _ = d.add_measure(d.AnnualPlan(uuid.uuid4(), "norden", 2027), uuid.uuid4(), SPEC, NORDEN)
    old = to_document(plan)
    del old["measures"][0]["spec"]["steering_goal_ids"]
    assert compare(old, to_document(plan)) == EMPTY
    goal = uuid.uuid4()
    linked = replace(plan, measures=(replace(plan.measures[0], spec=replace(SPEC, steering_goal_ids=(goal,))),))
    (changed,) = compare(old, to_document(linked))["measures"]["changed"]
    assert changed["fields"] == [{"field": "steering_goal_ids", "before": [], "after": [str(goal)]}]


# ---------------------------------------------------------------- properties

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.text(max_size=4),
    lambda inner: st.lists(inner, max_size=3),
    max_leaves=4,
)
ids = st.uuids().map(str)
measure_docs = st.builds(
    lambda measure_id, spec, rest: {"id": measure_id, "spec": spec, **rest},
    ids,
    st.fixed_dictionaries({name: json_values for name in SPEC_FIELDS}),
    st.fixed_dictionaries({name: json_values for name in MEASURE_FIELDS}),
)
hearing_docs = st.fixed_dictionaries(
    {
        "district_key": st.sampled_from(["mitte", "pelkum", "herringen"]),
        "district_name": st.text(max_size=4),
        "closed": st.booleans(),
    }
)
answers = st.none() | st.fixed_dictionaries(
    {
        "kind": st.sampled_from(d.ANSWER_KINDS),
        "measure_id": st.none() | ids,
        "forwarded_to": st.none(),
        "reason": st.none() | st.text(max_size=4),
    }
)
need_docs = st.fixed_dictionaries(
    {
        "id": ids,
        "district_key": st.just("mitte"),
        "text": st.text(max_size=6),
        "field_of_action": st.none(),
        "answer": answers,
    }
)
plan_docs = st.fixed_dictionaries(
    {
        "id": ids,
        "social_area_key": st.just("westen"),
        "year": st.just(2027),
        "state": st.sampled_from([s.value for s in PlanState]),
        "measures": st.lists(measure_docs, max_size=4, unique_by=lambda m: m["id"]),
        "hearings": st.lists(hearing_docs, max_size=3, unique_by=lambda h: h["district_key"]),
        "needs": st.lists(need_docs, max_size=3, unique_by=lambda n: n["id"]),
        "carried_over_to": st.none(),
        "carried_from": st.none(),
    }
)
ALL_FIELDS = (*SPEC_FIELDS, *MEASURE_FIELDS)


@given(plan_docs)
def test_a_version_compared_with_itself_shows_nothing(doc: dict[str, Any]) -> None:
    diff = compare(doc, doc)
    assert diff == EMPTY
    assert is_empty(diff)


@given(plan_docs, st.data())
def test_exactly_the_changed_fields_of_a_measure_are_reported(doc: dict[str, Any], data: st.DataObject) -> None:
    if not doc["measures"]:
        doc = {**doc, "measures": [data.draw(measure_docs)]}
    index = data.draw(st.integers(0, len(doc["measures"]) - 1))
    fields = data.draw(st.sets(st.sampled_from(ALL_FIELDS)))
    measure = doc["measures"][index]
    changed = {**measure, "spec": dict(measure["spec"])}
    for name in fields:
        where = changed["spec"] if name in SPEC_FIELDS else changed
        where[name] = [where[name], "anders"]  # surely not equal to what it was
    after = {**doc, "measures": [changed if i == index else m for i, m in enumerate(doc["measures"])]}

    diff = compare(doc, after)
    assert diff["state"] is None and diff["hearings"] == [] and diff["needs"] == EMPTY["needs"]
    assert diff["measures"]["added"] == diff["measures"]["removed"] == []
    if not fields:
        assert diff["measures"]["changed"] == []
        return
    (reported,) = diff["measures"]["changed"]
    assert reported["id"] == measure["id"]
    assert {f["field"] for f in reported["fields"]} == fields
    for f in reported["fields"]:
        where_before = measure["spec"] if f["field"] in SPEC_FIELDS else measure
        assert f["before"] == where_before[f["field"]]
        assert f["after"] == [where_before[f["field"]], "anders"]


@given(plan_docs, plan_docs)
def test_what_one_direction_adds_the_other_removes(a: dict[str, Any], b: dict[str, Any]) -> None:
    forth, back = compare(a, b), compare(b, a)
    assert forth["measures"]["added"] == [{"id": m["id"], "title": m["title"]} for m in back["measures"]["removed"]]
    assert {c["id"] for c in forth["measures"]["changed"]} == {c["id"] for c in back["measures"]["changed"]}
    assert is_empty(forth) == (forth == EMPTY)  # (council needs are never removed, so no symmetry there)
    assert {(h["district_key"], h["before"], h["after"]) for h in forth["hearings"]} == {
        (h["district_key"], h["after"], h["before"]) for h in back["hearings"]
    }
