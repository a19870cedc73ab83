"""The Gesamtbericht's pure rules: what counts for a year, traceability of every figure, open data."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid

from hypothesis import given, settings
from hypothesis import strategies as st

from quartier_reporting.domain.reports import (
    DIMENSIONS,
    AreaInfo,
    CouncilNeedInfo,
    GoalInfo,
    HearingInfo,
    MeasureFacts,
    MeetingInfo,
    NeedInfo,
    OfferInfo,
    PlanInfo,
    Report,
    ReportInput,
    Vocabulary,
    compute_report,
    csv_cell,
    figures_hash,
    key_figures,
    report_csv,
    report_from_dict,
    report_to_dict,
)

YEAR = 2025
AREAS = (
    AreaInfo("mitte", "Sozialraum Hamm-Mitte", ("mitte",)),
    AreaInfo("westen", "Sozialraum Hammer Westen", ("mitte", "pelkum", "herringen")),
    AreaInfo("norden", "Sozialraum Hammer Norden", ("bockum-hoevel", "heessen")),
)
DISTRICTS = (
    ("mitte", "Hamm-Mitte"),
    ("pelkum", "Hamm-Pelkum"),
    ("herringen", "Hamm-Herringen"),
    ("bockum-hoevel", "Hamm-Bockum-Hövel"),
    ("heessen", "Hamm-Heessen"),
)
FIELDS = ("Quartiersmanagement", "Familienarbeit", "Senior:innenarbeit", "Kinder- und Jugendarbeit")
THEMES = ("Inklusion", "Gesundheit", "Bildung", "Integration")
LEITZIELE = ("Funktionierende Netzwerke bündeln die Ressourcen der Sozialräume.", "Teilhabe ist gegeben.")
STEUERUNGSZIELE = ("Steigerung der Transparenz und Effizienz", "Stadtteilarbeit als Gemeinschaftswerk")
VOCAB = Vocabulary(FIELDS, THEMES, LEITZIELE, STEUERUNGSZIELE)
GOAL = GoalInfo(uuid.UUID(int=77), "=Mehr Spielplätze", 2024)
BERLIN_TZ = dt.timezone(dt.timedelta(hours=1))

# ---------------------------------------------------------------- generated inputs

texts = st.text(alphabet=st.sampled_from("=+-@\t\r abcÄöß,;\"'\n"), max_size=12)
ids = st.uuids()


@st.composite
def measures(draw: st.DrawFn) -> MeasureFacts:
    return MeasureFacts(
        measure_id=draw(ids),
        title=draw(texts),
        field_of_action=draw(st.sampled_from((*FIELDS, "-Sonstiges"))),
        cross_cutting_themes=tuple(draw(st.lists(st.sampled_from(THEMES), max_size=3))),
        strategic_goals=tuple(draw(st.lists(st.sampled_from((*LEITZIELE, *STEUERUNGSZIELE)), max_size=3))),
        steering_goal_ids=tuple(draw(st.lists(st.sampled_from((GOAL.goal_id, uuid.UUID(int=5))), max_size=2))),
        review_decision=draw(st.sampled_from((None, "continued", "changed", "dropped", "added"))),
        outcome=draw(st.sampled_from((None, "done", "partly", "not_done"))),
    )


@st.composite
def plans(draw: st.DrawFn) -> PlanInfo:
    area = draw(st.sampled_from(AREAS))
    ms = tuple(draw(st.lists(measures(), max_size=5, unique_by=lambda m: m.measure_id)))
    districts = area.district_keys
    council_needs = []
    for _ in range(draw(st.integers(0, 3))):
        answer = draw(st.sampled_from((None, "taken_into_plan", "forwarded", "not_possible")))
        measure_id = draw(st.sampled_from([m.measure_id for m in ms])) if answer == "taken_into_plan" and ms else None
        council_needs.append(
            CouncilNeedInfo(draw(ids), draw(st.sampled_from(districts)), draw(texts), answer, measure_id)
        )
    return PlanInfo(
        plan_id=draw(ids),
        social_area_key=area.key,
        year=draw(st.sampled_from((YEAR - 1, YEAR, YEAR))),
        state=draw(st.sampled_from(("draft", "presented", "final", "in_progress", "evaluated"))),
        measures=ms,
        hearings=tuple(HearingInfo(d, draw(st.booleans())) for d in districts),
        council_needs=tuple(council_needs),
    )


@st.composite
def report_inputs(draw: st.DrawFn) -> ReportInput:
    ps = draw(st.lists(plans(), max_size=5, unique_by=lambda p: p.plan_id))
    all_measures = [(p.plan_id, m.measure_id, p.social_area_key) for p in ps for m in p.measures]
    needs = []
    for _ in range(draw(st.integers(0, 8))):
        status = draw(st.sampled_from(("open", "taken_into_plan", "forwarded", "declined")))
        plan_id = measure_id = None
        area = draw(st.sampled_from((*[a.key for a in AREAS], "unbekannt")))
        if status == "taken_into_plan" and all_measures:
            plan_id, measure_id, area = draw(st.sampled_from(all_measures))
        needs.append(
            NeedInfo(
                need_id=draw(ids),
                social_area_key=area,
                source=draw(st.sampled_from(("neighbourhood_conference", "district_council", "service", "resident"))),
                field_of_action=draw(st.sampled_from(FIELDS)),
                status=status,
                raised_on=draw(st.dates(dt.date(YEAR - 1, 1, 1), dt.date(YEAR + 1, 12, 31))),
                title=draw(texts),
                plan_id=plan_id,
                measure_id=measure_id,
            )
        )
    meetings = [
        MeetingInfo(
            draw(ids),
            draw(st.sampled_from([a.key for a in AREAS])),
            draw(texts),
            draw(st.datetimes(dt.datetime(YEAR - 1, 12, 1), dt.datetime(YEAR + 1, 1, 31), timezones=st.just(dt.UTC))),
            draw(st.booleans()),
            draw(st.none() | st.integers(0, 200)),
        )
        for _ in range(draw(st.integers(0, 5)))
    ]
    offers = [
        OfferInfo(
            draw(ids),
            draw(texts),
            draw(st.sampled_from((*FIELDS, "@x"))),
            draw(st.sampled_from((*[a.key for a in AREAS], "anderswo"))),
            draw(st.booleans()),
        )
        for _ in range(draw(st.integers(0, 6)))
    ]
    return ReportInput(YEAR, AREAS, VOCAB, DISTRICTS, tuple(ps), tuple(needs), (GOAL,), tuple(meetings), tuple(offers))


def figure_keys(report: Report) -> set[tuple[str, str, str]]:
    return {
        (scope.social_area_key or "", s.dimension, f.key)
        for scope in report.scopes()
        for s in scope.sections
        for f in s.figures
    }


# ---------------------------------------------------------------- properties


@settings(max_examples=150, deadline=None)
@given(report_inputs())
def test_city_figures_are_the_sums_of_the_areas(data: ReportInput) -> None:
    report = compute_report(data)
    assert [a.social_area_key for a in report.areas] == [a.key for a in AREAS]
    for section in report.city.sections:
        for fig in section.figures:
            area_figs = [a.figure(section.dimension, fig.key) for a in report.areas]
            assert fig.value == sum(f.value for f in area_figs)
            assert fig.refs == tuple(r for f in area_figs for r in f.refs)


@settings(max_examples=150, deadline=None)
@given(report_inputs())
def test_every_figure_is_the_count_of_its_refs(data: ReportInput) -> None:
    report = compute_report(data)
    for scope in report.scopes():
        assert [s.dimension for s in scope.sections] == list(DIMENSIONS)
        for section in scope.sections:
            for fig in section.figures:
                assert fig.value == sum(r.amount for r in fig.refs)
                if (section.dimension, fig.key) != ("neighbourhood_conferences", "participants"):
                    assert fig.value == len(fig.refs)
                    assert all(r.amount == 1 for r in fig.refs)
                for ref in fig.refs:
                    if scope.social_area_key is not None:
                        assert ref.social_area_key == scope.social_area_key
                    if ref.kind in ("measure", "council_need", "hearing", "plan"):
                        assert ref.plan_id is not None


@settings(max_examples=150, deadline=None)
@given(report_inputs())
def test_needs_funnel_narrows(data: ReportInput) -> None:
    report = compute_report(data)
    for scope in report.scopes():
        for dimension in ("needs_funnel", *(d for d in DIMENSIONS if d.startswith("needs_funnel."))):
            raised, taken, done = (scope.value(dimension, k) for k in ("raised", "taken", "done"))
            assert raised >= taken >= done >= 0
            assert {r.id for r in scope.figure(dimension, "done").refs} <= {
                r.id for r in scope.figure(dimension, "taken").refs
            }
        by_source = sum(scope.value(d, "raised") for d in DIMENSIONS if d.startswith("needs_funnel."))
        assert by_source == scope.value("needs_funnel", "raised")


@settings(max_examples=100, deadline=None)
@given(report_inputs())
def test_every_scope_has_the_same_rows(data: ReportInput) -> None:
    report = compute_report(data)
    shape = [(s.dimension, [f.key for f in s.figures]) for s in report.city.sections]
    for area in report.areas:
        assert [(s.dimension, [f.key for f in s.figures]) for s in area.sections] == shape


@settings(max_examples=100, deadline=None)
@given(report_inputs())
def test_json_round_trip_and_hash(data: ReportInput) -> None:
    report = compute_report(data)
    assert report_from_dict(report_to_dict(report)) == report
    assert figures_hash(report_from_dict(report_to_dict(report))) == figures_hash(report)


@settings(max_examples=150, deadline=None)
@given(report_inputs())
def test_csv_is_one_row_per_figure_and_never_a_formula(data: ReportInput) -> None:
    report = compute_report(data)
    rows = list(csv.reader(io.StringIO(report_csv(report), newline="")))
    assert rows[0] == ["year", "scope", "area", "dimension", "key", "label", "value"]
    body = rows[1:]
    assert len(body) == len(figure_keys(report))
    for row in body:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), row
    values = {}
    for row in body:
        key = row[4][1:] if row[4].startswith("'") else row[4]
        values[(row[2], row[3], key)] = int(row[6])
    for scope in report.scopes():
        for section in scope.sections:
            for fig in section.figures:
                assert values[(scope.social_area_key or "", section.dimension, fig.key)] == fig.value


@given(st.text())
def test_csv_cell_defuses_formulas(text: str) -> None:
    cell = csv_cell(text)
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert cell in (text, "'" + text)


# ---------------------------------------------------------------- the rules, by example


def _m(title: str, field: str = "Familienarbeit", **kw: object) -> MeasureFacts:
    return MeasureFacts(uuid.uuid4(), title, field, **kw)  # type: ignore[arg-type]


def _refs(report: Report, dimension: str, key: str, area: str | None = None) -> list[str]:
    scope = report.city if area is None else next(a for a in report.areas if a.social_area_key == area)
    return sorted(r.label for r in scope.figure(dimension, key).refs)


def test_rules_by_example() -> None:
    done = _m(
        "Sprachcafé",
        cross_cutting_themes=("Integration", "Bildung"),
        strategic_goals=(LEITZIELE[0], STEUERUNGSZIELE[0]),
        steering_goal_ids=(GOAL.goal_id,),
        outcome="done",
        review_decision="continued",
    )
    dropped = _m("Seniorentreff", "Senior:innenarbeit", review_decision="dropped", outcome="not_done")
    partly = _m("Jugendforum", "Kinder- und Jugendarbeit", outcome="partly")
    plan = PlanInfo(
        uuid.uuid4(),
        "westen",
        YEAR,
        "evaluated",
        (done, dropped, partly),
        (HearingInfo("mitte", True), HearingInfo("pelkum", True), HearingInfo("herringen", False)),
        (
            CouncilNeedInfo(uuid.uuid4(), "pelkum", "Mehr Bänke", "taken_into_plan", done.measure_id),
            CouncilNeedInfo(uuid.uuid4(), "mitte", "Licht am Weg", "taken_into_plan", partly.measure_id),
            CouncilNeedInfo(uuid.uuid4(), "mitte", "Neues Bad", "not_possible"),
            CouncilNeedInfo(uuid.uuid4(), "herringen", "Bus", None),
        ),
    )
    old = PlanInfo(uuid.uuid4(), "westen", YEAR - 1, "evaluated", (_m("Altes Projekt", outcome="done"),))
    needs = (
        # taken into this year's plan although raised the year before: counts in YEAR
        NeedInfo(
            uuid.uuid4(),
            "westen",
            "resident",
            "Familienarbeit",
            "taken_into_plan",
            dt.date(YEAR - 1, 11, 2),
            "Spielplatz",
            plan.plan_id,
            done.measure_id,
        ),
        NeedInfo(uuid.uuid4(), "mitte", "service", "Familienarbeit", "forwarded", dt.date(YEAR, 2, 1), "Kita"),
        NeedInfo(uuid.uuid4(), "mitte", "service", "Familienarbeit", "open", dt.date(YEAR + 1, 1, 1), "Zu spät"),
        NeedInfo(
            uuid.uuid4(),
            "norden",
            "neighbourhood_conference",
            "Familienarbeit",
            "taken_into_plan",
            dt.date(YEAR, 3, 1),
            "Vorjahresplan",
            old.plan_id,
            old.measures[0].measure_id,
        ),
    )
    meetings = (
        MeetingInfo(uuid.uuid4(), "westen", "Wir im Westen", dt.datetime(YEAR, 5, 1, 17, tzinfo=BERLIN_TZ), False, 40),
        MeetingInfo(uuid.uuid4(), "westen", "Abgesagt", dt.datetime(YEAR, 6, 1, 17, tzinfo=BERLIN_TZ), True, None),
        MeetingInfo(uuid.uuid4(), "mitte", "Noch offen", dt.datetime(YEAR, 11, 1, 17, tzinfo=BERLIN_TZ), False, None),
        # 31.12. 23:30 UTC is already the next year in Hamm
        MeetingInfo(uuid.uuid4(), "mitte", "Silvester", dt.datetime(YEAR, 12, 31, 23, 30, tzinfo=dt.UTC), False, 9),
        MeetingInfo(uuid.uuid4(), "norden", "Wir im Norden", dt.datetime(YEAR, 9, 1, 17, tzinfo=BERLIN_TZ), False, 12),
    )
    offers = (
        OfferInfo(uuid.uuid4(), "Krabbelgruppe", "Familienarbeit", "mitte"),
        OfferInfo(uuid.uuid4(), "Zurückgezogen", "Familienarbeit", "mitte", withdrawn=True),
        OfferInfo(uuid.uuid4(), "Boule", "Senior:innenarbeit", "norden"),
    )
    report = compute_report(ReportInput(YEAR, AREAS, VOCAB, DISTRICTS, (plan, old), needs, (GOAL,), meetings, offers))
    city = report.city
    assert city.value("plans_by_state", "evaluated") == 1
    assert _refs(report, "measures_by_field_of_action", "Familienarbeit") == ["Sprachcafé"]
    assert city.value("measures_by_field_of_action", "Senior:innenarbeit") == 0  # dropped
    assert _refs(report, "mid_year_review", "dropped") == ["Seniorentreff"]
    assert city.value("mid_year_review", "not_reviewed") == 1
    assert city.value("measures_by_cross_cutting_theme", "Integration") == 1
    assert city.value("measures_by_strategic_goal", LEITZIELE[0]) == 1
    assert city.value("measures_by_steering_goal", STEUERUNGSZIELE[0]) == 1
    assert city.figure("measures_by_committee_goal", str(GOAL.goal_id)).label == GOAL.title
    assert city.value("measures_by_committee_goal", str(GOAL.goal_id)) == 1
    assert [city.value("evaluation_outcomes", k) for k in ("done", "partly", "not_done")] == [1, 1, 1]
    # needs: 4 council needs + the resident's + the forwarded one (the YEAR+1 need and the need taken into
    # last year's plan belong to other years)
    assert [city.value("needs_funnel", k) for k in ("raised", "taken", "done")] == [6, 3, 2]
    assert [city.value("needs_funnel.district_council", k) for k in ("raised", "taken", "done")] == [4, 2, 1]
    assert [city.value("needs_funnel.resident", k) for k in ("raised", "taken", "done")] == [1, 1, 1]
    assert [city.value("needs_funnel.service", k) for k in ("raised", "taken", "done")] == [1, 0, 0]
    assert city.value("needs_funnel.neighbourhood_conference", "raised") == 0
    assert [city.value("council_hearings", k) for k in ("hearings", "closed", "open")] == [3, 2, 1]
    assert city.figure("council_needs_by_district", "pelkum").label == "Hamm-Pelkum"
    assert [city.value("council_needs_by_district", k) for k in ("mitte", "pelkum", "herringen")] == [2, 1, 1]
    assert [
        city.value("council_need_answers", k) for k in ("taken_into_plan", "forwarded", "not_possible", "unanswered")
    ] == [2, 0, 1, 1]
    assert [city.value("neighbourhood_conferences", k) for k in ("scheduled", "held", "participants")] == [3, 2, 52]
    assert _refs(report, "neighbourhood_conferences", "held", "westen") == ["Wir im Westen am 01.05.2025"]
    assert _refs(report, "offers_by_field_of_action", "Familienarbeit") == ["Krabbelgruppe"]
    assert city.value("offers_by_field_of_action", "Senior:innenarbeit") == 1
    totals = {k: v for k, _, v in key_figures(city)}
    assert totals["measures"] == 2 and totals["plans"] == 1 and totals["participants"] == 52
    westen = report.areas[1]
    assert [p.plan_id for p in westen.plans] == [str(plan.plan_id)]
    assert [p.plan_id for p in report.areas[0].plans] == []


def test_unknown_keys_get_rows_in_every_scope() -> None:
    odd = _m("Ohne Vokabular", "+Neues Feld", cross_cutting_themes=("Sport",))
    plan = PlanInfo(uuid.uuid4(), "norden", YEAR, "draft", (odd,))
    report = compute_report(ReportInput(YEAR, AREAS, VOCAB, DISTRICTS, (plan,)))
    for scope in report.scopes():
        assert "+Neues Feld" in [f.key for f in scope.section("measures_by_field_of_action").figures]
    assert report.areas[2].value("measures_by_field_of_action", "+Neues Feld") == 1
    assert report.areas[0].value("measures_by_field_of_action", "+Neues Feld") == 0
    assert "'+Neues Feld" in report_csv(report)


def test_empty_year_has_zero_rows() -> None:
    report = compute_report(ReportInput(YEAR, AREAS, VOCAB, DISTRICTS))
    assert all(f.value == 0 for s in report.city.sections for f in s.figures)
    assert [f.key for f in report.city.section("measures_by_field_of_action").figures] == list(FIELDS)
    assert report.city.plans == ()
