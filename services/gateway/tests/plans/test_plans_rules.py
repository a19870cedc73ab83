"""The pure rules of the Jahresplan pages: who may edit which measure in which state, the measure form, the
review and evaluation forms, deadlines and the comparison in German."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st

from quartier_gateway.auth.domain import Principal, Role
from quartier_gateway.plans.measure_rules import (
    MEASURE_LABELS,
    field_label,
    lines,
    measure_values,
    parse_evaluation_form,
    parse_measure_form,
    parse_review_form,
    refusal_field,
)
from quartier_gateway.plans.rules import (
    comparison_rows,
    deadline_view,
    display_value,
    fixed_actor,
    hearing_state,
    may_carry_over,
    may_change_measure,
    may_edit_measures,
    may_evaluate,
    may_read_plan,
    may_record_needs,
    may_review,
    runs_cycle,
    versions_of,
)

OWN = uuid.UUID("82a58d0f-dbb7-5018-bd07-0490e813d5f2")
OTHER = uuid.UUID("92a9952f-0f6e-5721-8f84-ec3c8a980504")
STATES = ["draft", "presented", "final", "in_progress", "mid_year_reviewed", "evaluated"]
WESTEN = ["mitte", "pelkum", "herringen"]

COORD = Principal("koordination.westen", "K", Role.AREA_COORDINATOR, social_area_key="westen")
MEMBER = Principal("runde.westen", "R", Role.COORDINATION_MEMBER, social_area_key="westen", actor_id=OWN)
MEMBER_NORDEN = Principal("runde.norden", "R", Role.COORDINATION_MEMBER, social_area_key="norden", actor_id=OWN)
COUNCIL = Principal("bezirk.pelkum", "B", Role.COUNCIL_MEMBER, district_key="pelkum")
STEERING = Principal("lenkungskreis", "L", Role.STEERING_COMMITTEE)
ADMIN = Principal("admin", "A", Role.ADMIN)
EVERYONE = [COORD, MEMBER, MEMBER_NORDEN, COUNCIL, STEERING, ADMIN, None]


def principals() -> st.SearchStrategy[Principal | None]:
    areas = st.sampled_from(["westen", "norden", "mitte"])
    actors = st.sampled_from([OWN, OTHER])
    return st.one_of(
        st.none(),
        st.builds(lambda: ADMIN),
        st.builds(lambda: STEERING),
        st.builds(lambda a: Principal("k.x", "K", Role.AREA_COORDINATOR, social_area_key=a), areas),
        st.builds(lambda d: Principal("b.x", "B", Role.COUNCIL_MEMBER, district_key=d), st.sampled_from(WESTEN)),
        st.builds(
            lambda a, actor: Principal("r.x", "R", Role.COORDINATION_MEMBER, social_area_key=a, actor_id=actor),
            areas,
            actors,
        ),
    )


# --- who may -----------------------------------------------------------------------------------------


def test_a_round_member_edits_only_their_own_measures_in_a_draft():
    assert may_read_plan(MEMBER, "westen", WESTEN) and not may_read_plan(MEMBER, "norden", ["heessen"])
    assert may_edit_measures(MEMBER, "westen", "draft")
    assert may_change_measure(MEMBER, "westen", "draft", OWN)
    assert may_change_measure(MEMBER, "westen", "draft", str(OWN))
    assert not may_change_measure(MEMBER, "westen", "draft", OTHER)
    assert not may_change_measure(MEMBER, "westen", "draft", None)
    for state in STATES[1:]:
        assert not may_edit_measures(MEMBER, "westen", state)
        assert not may_change_measure(MEMBER, "westen", state, OWN)
    assert not may_edit_measures(MEMBER_NORDEN, "westen", "draft")
    assert not may_change_measure(MEMBER_NORDEN, "westen", "draft", OWN)
    assert fixed_actor(MEMBER, "westen") == str(OWN) and fixed_actor(COORD, "westen") is None
    assert fixed_actor(MEMBER_NORDEN, "westen") is None


def test_a_round_member_does_not_move_the_plan_on():
    hearing = {"district_key": "pelkum", "closed": False}
    for state in STATES:
        assert not runs_cycle(MEMBER, "westen")
        assert not may_review(MEMBER, "westen", state) and not may_evaluate(MEMBER, "westen", state)
        assert not may_record_needs(MEMBER, hearing, state)
    assert not may_carry_over(MEMBER, {"social_area_key": "westen", "state": "evaluated"})


def test_the_coordinator_edits_every_measure_while_draft_or_presented():
    for state in STATES:
        editable = state in ("draft", "presented")
        assert may_edit_measures(COORD, "westen", state) is editable
        assert may_change_measure(COORD, "westen", state, OTHER) is editable
        assert may_change_measure(COORD, "westen", state, None) is editable
        assert not may_change_measure(COORD, "norden", state, OTHER)
    assert may_review(COORD, "westen", "in_progress") and not may_review(COORD, "westen", "final")
    assert may_evaluate(COORD, "westen", "mid_year_reviewed") and not may_evaluate(COORD, "westen", "in_progress")
    plan = {"social_area_key": "westen", "state": "evaluated"}
    assert may_carry_over(COORD, plan)
    assert not may_carry_over(COORD, {**plan, "carried_over_to": str(uuid.uuid4())})
    assert not may_carry_over(COORD, {**plan, "state": "mid_year_reviewed"})


@given(principals(), st.sampled_from(STATES), st.sampled_from(["westen", "norden"]), st.sampled_from([OWN, OTHER]))
def test_only_coordinator_or_own_member_ever_changes_a_measure(principal, state, area, responsible):
    allowed = may_change_measure(principal, area, state, responsible)
    if allowed:
        assert principal is not None and principal.social_area_key == area
        assert may_read_plan(principal, area, WESTEN if area == "westen" else ["heessen"])
        if principal.role is Role.COORDINATION_MEMBER:
            assert state == "draft" and principal.actor_id == responsible
        else:
            assert principal.role is Role.AREA_COORDINATOR and state in ("draft", "presented")
    if principal is None or principal.role not in (Role.AREA_COORDINATOR, Role.COORDINATION_MEMBER):
        assert not allowed and not may_edit_measures(principal, area, state)


@given(principals(), st.sampled_from(STATES), st.sampled_from(["westen", "norden"]))
def test_only_the_coordinator_runs_review_evaluation_and_carry_over(principal, state, area):
    runs = principal is not None and principal.role is Role.AREA_COORDINATOR and principal.social_area_key == area
    assert may_review(principal, area, state) is (runs and state == "in_progress")
    assert may_evaluate(principal, area, state) is (runs and state == "mid_year_reviewed")
    assert may_carry_over(principal, {"social_area_key": area, "state": state}) is (runs and state == "evaluated")


# --- the measure form ------------------------------------------------------------------------------------


def form(prefix: str = "", **changes: list[str]) -> dict[str, list[str]]:
    data = {
        "title": ["  Elterncafé "],
        "description": ["Wöchentlich"],
        "field_of_action": ["Quartiersmanagement"],
        "cross_cutting_themes": ["Inklusion", "Integration", "Inklusion"],
        "target_groups": ["Eltern\r\n\r\n Kinder unter 6 \n"],
        "strategic_goals": ["Ziel A"],
        "steering_goal_ids": [str(OTHER)],
        "responsible_actor_id": [str(OTHER)],
        "partner_actor_ids": [str(OWN), str(OTHER)],
        "place": ["15"],
        "starts_on": ["2031-02-01"],
        "ends_on": ["2031-11-30"],
        "planned_indicators": ["20 Teilnehmende\n4 Treffen"],
        "offer_ids": [],
    }
    data.update(changes)
    return {prefix + k: v for k, v in data.items()}


def test_the_measure_form_carries_every_field():
    parsed = parse_measure_form(form(), 2031)
    assert parsed.errors == {}
    assert parsed.payload == {
        "title": "Elterncafé",
        "description": "Wöchentlich",
        "field_of_action": "Quartiersmanagement",
        "responsible_actor_id": str(OTHER),
        "starts_on": "2031-02-01",
        "ends_on": "2031-11-30",
        "cross_cutting_themes": ["Inklusion", "Integration"],
        "target_groups": ["Eltern", "Kinder unter 6"],
        "strategic_goals": ["Ziel A"],
        "steering_goal_ids": [str(OTHER)],
        "partner_actor_ids": [str(OWN), str(OTHER)],
        "at_community_centre": False,
        "residential_area_number": 15,
        "planned_indicators": ["20 Teilnehmende", "4 Treffen"],
        "offer_ids": [],
    }
    assert parsed.values["target_groups"] == "Eltern\nKinder unter 6"
    centre = parse_measure_form(form(place=["zentrum"]), 2031).payload
    assert centre["at_community_centre"] is True and centre["residential_area_number"] is None


def test_the_form_fixes_a_members_actor():
    parsed = parse_measure_form(form(responsible_actor_id=[str(OTHER)]), 2031, actor_id=str(OWN))
    assert parsed.payload["responsible_actor_id"] == str(OWN) and not parsed.errors
    missing = parse_measure_form(form(responsible_actor_id=[]), 2031, actor_id=str(OWN))
    assert missing.payload["responsible_actor_id"] == str(OWN) and not missing.errors


def test_form_errors_are_german_and_keyed_by_field_id():
    parsed = parse_measure_form(
        form(
            "m2-",
            title=[""],
            field_of_action=[""],
            place=[""],
            starts_on=["01.02.2031"],
            partner_actor_ids=["kein-uuid"],
        ),
        2031,
        prefix="m2-",
    )
    assert set(parsed.errors) == {"m2-title", "m2-field_of_action", "m2-place", "m2-starts_on", "m2-partner_actor_ids"}
    assert parsed.errors["m2-starts_on"] == "Bitte geben Sie das Datum als TT.MM.JJJJ im Jahr 2031 an."
    backwards = parse_measure_form(form(starts_on=["2031-05-01"], ends_on=["2031-04-01"]), 2031)
    assert backwards.errors == {"ends_on": "Das Ende darf nicht vor dem Beginn liegen."}
    assert parse_measure_form(form(title=["x" * 201]), 2031).errors["title"].startswith("Der Titel ist zu lang")


@given(st.text(max_size=200))
def test_lines_never_keep_blank_lines(text):
    result = lines(text)
    assert all(line and line == line.strip() for line in result)
    assert lines("\n".join(result)) == result


def test_stored_measure_round_trips_through_the_form():
    payload = parse_measure_form(form(), 2031).payload
    values = measure_values(payload)
    data = {k: (v if isinstance(v, list) else [v]) for k, v in values.items()}
    assert parse_measure_form(data, 2031).payload == payload
    assert measure_values({"at_community_centre": True})["place"] == "zentrum"


def test_planning_refusals_find_their_field():
    assert refusal_field("title", "Der Titel fehlt.") == ("title", "Der Titel fehlt.")
    assert refusal_field("offer_ids", "Angebot x ist zurückgezogen.") == ("offer_ids", "Angebot x ist zurückgezogen.")
    assert refusal_field("residential_area_number", "Bitte Ort.", "m1-") == ("m1-place", "Bitte Ort.")
    assert refusal_field("state", "Der Plan ist final.") == (None, "Der Plan ist final.")
    assert refusal_field(None, "Ohne Feld") == (None, "Ohne Feld")
    assert field_label("m2-reason", {"m2-": "„Elterncafé“"}) == "„Elterncafé“: Begründung"
    assert field_label("offer_ids") == "Angebote"
    assert set(MEASURE_LABELS) <= {k for k in MEASURE_LABELS}


# --- review and evaluation forms ----------------------------------------------------------------------

MEASURES = [
    {"id": "a", "spec": {"title": "Eins", "field_of_action": "Quartiersmanagement"}},
    {"id": "b", "spec": {"title": "Zwei", "field_of_action": "Quartiersmanagement"}},
]


def test_review_form_needs_a_decision_and_reason_for_every_measure():
    parsed = parse_review_form({"m1-decision": ["continued"], "m1-reason": ["läuft"]}, MEASURES, 2031, 1)
    assert set(parsed.errors) == {"m2-decision", "m2-reason"}
    assert parsed.entries[0] == {"decision": "continued", "reason": "läuft", "measure_id": "a"}
    assert len(parsed.entries) == 2, "an empty new-measure block adds nothing"


def test_review_form_changed_and_added_measures_carry_their_fields():
    data = {
        "m1-decision": ["changed"],
        "m1-reason": ["mehr Bedarf"],
        **form("m1-", title=["Eins, größer"]),
        "m2-decision": ["dropped"],
        "m2-reason": ["kein Raum"],
        **form("neu1-", title=["Neu"]),
        "neu1-reason": ["aus der Stadtteilkonferenz"],
    }
    parsed = parse_review_form(data, MEASURES, 2031, 1)
    assert parsed.errors == {}
    changed, dropped, added = parsed.entries
    assert changed["measure"]["title"] == "Eins, größer" and changed["measure_id"] == "a"
    assert dropped == {"decision": "dropped", "reason": "kein Raum", "measure_id": "b"}
    assert added["decision"] == "added" and added["measure"]["title"] == "Neu" and "measure_id" not in added
    no_reason = parse_review_form({**data, "neu1-reason": [""]}, MEASURES, 2031, 1)
    assert set(no_reason.errors) == {"neu1-reason"}


def test_evaluation_form():
    data = {
        "m1-outcome": ["partly"],
        "m1-indicators_reached": ["10 Teilnehmende\n\n"],
        "m1-lessons": ["früher werben"],
        "m2-outcome": ["vielleicht"],
    }
    parsed = parse_evaluation_form(data, MEASURES)
    assert parsed.entries[0] == {
        "measure_id": "a",
        "outcome": "partly",
        "indicators_reached": ["10 Teilnehmende"],
        "lessons": "früher werben",
    }
    assert set(parsed.errors) == {"m2-outcome"}


# --- deadlines, history, comparison -------------------------------------------------------------------


def test_deadline_view_in_german():
    view = deadline_view(
        {
            "next_deadline": {"step": "final", "name": "Plan final machen", "due_on": "2030-12-15", "days_left": 5},
            "overdue": [{"step": "hearings", "name": "Anhörungen abschließen", "due_on": "2030-11-30"}],
        }
    )
    assert view is not None and view.is_overdue
    assert (view.next_name, view.next_due, view.next_days_left) == ("Plan final machen", "15.12.2030", 5)
    assert view.overdue == [("Anhörungen abschließen", "30.11.2030")]
    quiet = deadline_view({"next_deadline": None, "overdue": []})
    assert quiet is not None and not quiet.is_overdue and quiet.next_name is None
    assert deadline_view(None) is None


def test_versions_and_comparison_in_german():
    plan = {"history": [{"version": 1}, {"version": 2}, {"version": 2}, {"version": 4}]}
    assert versions_of(plan) == [1, 2, 4]
    names = {str(OWN): "Jugendtreff Modellhaus"}
    compare = {
        "measures": {
            "changed": [
                {
                    "id": "a",
                    "title": "Eins",
                    "fields": [
                        {"field": "starts_on", "before": "2031-02-01", "after": "2031-03-01"},
                        {"field": "partner_actor_ids", "before": [], "after": [str(OWN)]},
                        {"field": "at_community_centre", "before": False, "after": True},
                        {"field": "review", "before": None, "after": "dropped"},
                        {"field": "outcome", "before": None, "after": "not_done"},
                    ],
                }
            ]
        }
    }
    rows = comparison_rows(compare, names)
    assert rows[0]["fields"] == [
        {"name": "Beginn", "before": "01.02.2031", "after": "01.03.2031"},
        {"name": "Partner:innen", "before": "–", "after": "Jugendtreff Modellhaus"},
        {"name": "Im Stadtteilzentrum", "before": "nein", "after": "ja"},
        {"name": "Entscheidung der Halbjahresbilanz", "before": "–", "after": "gestrichen"},
        {"name": "Ergebnis der Auswertung", "before": "–", "after": "nicht umgesetzt"},
    ]
    assert display_value("title", "Elterncafé") == "Elterncafé"
    assert hearing_state(None) == "noch nicht geöffnet" and hearing_state("geschlossen") == "geschlossen"
    assert hearing_state({"closed": False}) == "offen"
