"""The pure rules of the reporting pages: who sees which Sozialraum on the status board and which evaluations,
who publishes, where each counted entry of a figure links to, German dates, the report's tables and charts, the
public plan in brief."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st

from quartier_gateway.auth.domain import Principal, Role
from quartier_gateway.reports.report_rules import (
    public_plan_view,
    ref_url,
    report_view,
    split_report_name,
)
from quartier_gateway.reports.rules import (
    board_row,
    board_rows,
    distribution_views,
    may_publish,
    may_view_draft,
    parse_year,
    sees_area,
    sees_distribution,
    summary_groups,
    visible_board_areas,
)
from quartier_gateway.web.format import german_date, german_datetime

from ..conftest import hamm_social_areas

ACTOR = uuid.UUID("82a58d0f-dbb7-5018-bd07-0490e813d5f2")
STEERING = Principal("lenkungskreis", "Lenkungskreis", Role.STEERING_COMMITTEE)
ADMIN = Principal("admin", "Admin", Role.ADMIN)
COORDINATOR = Principal("koordination.westen", "K", Role.AREA_COORDINATOR, social_area_key="westen")
MEMBER = Principal("runde.westen", "R", Role.COORDINATION_MEMBER, social_area_key="westen", actor_id=ACTOR)


def council(district: str) -> Principal:
    return Principal(f"bezirk.{district}", "B", Role.COUNCIL_MEMBER, district_key=district)


def board_areas() -> list[dict[str, object]]:
    return [
        {"social_area_key": a["key"], "name": a["name"], "district_keys": [d["key"] for d in a["districts"]]}
        for a in hamm_social_areas()
    ]


DISTRICTS = sorted({d["key"] for a in hamm_social_areas() for d in a["districts"]})


def test_the_steering_committee_and_admins_see_all_nine_areas() -> None:
    for principal in (STEERING, ADMIN):
        assert [a["social_area_key"] for a in visible_board_areas(principal, board_areas())] == [
            a["key"] for a in hamm_social_areas()
        ]
    assert len(board_areas()) == 9


@given(st.sampled_from(DISTRICTS))
def test_a_council_member_sees_exactly_the_areas_touching_their_district(district: str) -> None:
    seen = {a["social_area_key"] for a in visible_board_areas(council(district), board_areas())}
    expected = {a["key"] for a in hamm_social_areas() if district in {d["key"] for d in a["districts"]}}
    assert seen == expected
    assert seen  # every district belongs to at least one Sozialraum
    assert len(seen) < 9


def test_pelkum_sees_westen_and_pelkum_but_not_norden() -> None:
    seen = {a["social_area_key"] for a in visible_board_areas(council("pelkum"), board_areas())}
    assert {"westen", "pelkum"} <= seen
    assert "norden" not in seen


def test_area_roles_see_their_own_area_and_nobody_without_login_sees_anything() -> None:
    for principal in (COORDINATOR, MEMBER):
        assert [a["social_area_key"] for a in visible_board_areas(principal, board_areas())] == ["westen"]
    assert visible_board_areas(None, board_areas()) == []
    assert not sees_area(None, "westen", ["mitte"])


def test_only_the_steering_committee_publishes_and_staff_see_the_draft() -> None:
    assert may_publish(STEERING)
    assert not any(may_publish(p) for p in (ADMIN, COORDINATOR, MEMBER, council("mitte"), None))
    assert all(may_view_draft(p) for p in (STEERING, ADMIN, COORDINATOR, MEMBER, council("mitte")))
    assert not may_view_draft(None)


def test_evaluations_go_to_the_councils_of_the_areas_districts() -> None:
    westen = {"social_area_key": "westen", "district_keys": ["mitte", "pelkum", "herringen"]}
    assert sees_distribution(council("pelkum"), westen)
    assert not sees_distribution(council("heessen"), westen)
    assert sees_distribution(STEERING, westen) and sees_distribution(ADMIN, westen)
    assert sees_distribution(COORDINATOR, westen)
    assert not sees_distribution(COORDINATOR, {**westen, "social_area_key": "norden"})
    assert not sees_distribution(None, westen)


def test_distribution_views_in_german() -> None:
    names = {"westen": "Sozialraum Hammer Westen", "mitte": "Hamm-Mitte", "pelkum": "Hamm-Pelkum"}
    views = distribution_views(
        council("pelkum"),
        [
            {
                "plan_id": "p",
                "social_area_key": "westen",
                "year": 2031,
                "kind": "mid_year_review",
                "distributed_at": "2031-06-30T22:30:00+00:00",
                "district_keys": ["mitte", "pelkum"],
                "summary": {"continued": ["Elterncafé"], "dropped": [{"title": "Skatrunde"}]},
            },
            {
                "plan_id": "q",
                "social_area_key": "norden",
                "year": 2031,
                "kind": "evaluation",
                "district_keys": ["heessen"],
                "summary": {},
            },
        ],
        names,
    )
    assert len(views) == 1
    view = views[0]
    assert (view.kind, view.area_name, view.distributed_on) == (
        "Halbjahresbilanz",
        "Sozialraum Hammer Westen",
        "01.07.2031",
    )
    assert view.district_names == ["Hamm-Mitte", "Hamm-Pelkum"]
    assert [(g.name, g.titles, g.count) for g in view.groups] == [
        ("fortgeführt", ["Elterncafé"], 1),
        ("gestrichen", ["Skatrunde"], 1),
    ]


def test_summary_groups_read_reportings_summary() -> None:
    groups = summary_groups(
        {
            "kind": "evaluation",
            "counts": {"done": 1, "partly": 0},
            "measures": {"done": [{"measure_id": "m", "title": "Elterncafé", "reason": "gut"}], "partly": []},
        }
    )
    assert [(g.name, g.titles, g.count) for g in groups] == [
        ("umgesetzt", ["Elterncafé (Begründung: gut)"], 1),
        ("teilweise umgesetzt", [], 0),
    ]


def test_summary_groups_read_nested_and_counted_summaries() -> None:
    groups = summary_groups(
        {"by_outcome": {"done": {"count": 2, "titles": ["A", "B"]}, "not_done": 0}, "partly": [{"title": "C"}]}
    )
    assert [(g.name, g.titles, g.count) for g in groups] == [
        ("umgesetzt", ["A", "B"], 2),
        ("nicht umgesetzt", [], 0),
        ("teilweise umgesetzt", ["C"], 1),
    ]
    assert summary_groups(None) == []


def test_refs_link_to_the_entries_they_count() -> None:
    plan, measure = str(uuid.uuid4()), str(uuid.uuid4())
    staff = {
        "measure": f"/jahresplaene/{plan}#massnahme-{measure}",
        "need": f"/bedarfe/{measure}",
        "council_need": f"/jahresplaene/{plan}/bedarfe/{measure}/spur",
        "meeting": f"/sitzungen/{measure}",
        "offer": f"/angebote/{measure}",
    }
    for kind, url in staff.items():
        ref = {"kind": kind, "id": measure, "plan_id": plan, "social_area_key": "westen", "label": "x"}
        assert ref_url(ref, staff=True) == url
    assert ref_url({"kind": "plan", "id": plan, "plan_id": plan}, staff=True) == f"/jahresplaene/{plan}"
    assert ref_url({"kind": "hearing", "id": "pelkum", "plan_id": plan}, staff=True) == (
        f"/jahresplaene/{plan}#anhoerung-pelkum"
    )
    public = {"id": measure, "plan_id": plan, "social_area_key": "westen"}
    assert ref_url({**public, "kind": "measure"}, staff=False) == "/oeffentlich/sozialraeume/westen#jahresplan"
    assert ref_url({**public, "kind": "plan"}, staff=False, year=2031) == (
        "/oeffentlich/sozialraeume/westen?jahr=2031#jahresplan"
    )
    assert ref_url({**public, "kind": "offer"}, staff=False) == "/oeffentlich/angebote?sozialraum=westen"
    assert ref_url({**public, "kind": "need"}, staff=False) is None
    assert ref_url({**public, "kind": "meeting"}, staff=False) is None
    assert (
        ref_url({"kind": "measure", "id": "a/b#c", "plan_id": "p"}, staff=True) == "/jahresplaene/p#massnahme-a%2Fb%23c"
    )


def test_german_dates_and_times_in_berlin() -> None:
    assert german_date("2031-02-01") == "01.02.2031"
    assert german_date("2031-06-30T22:30:00Z") == "01.07.2031"
    assert german_datetime("2031-03-12T17:00:00+00:00") == "12.03.2031, 18:00 Uhr"
    assert german_datetime("2031-07-12T17:00:00+00:00") == "12.07.2031, 19:00 Uhr"
    assert german_datetime("2031-07-12") == "12.07.2031"
    assert german_date(None) == ""


def test_report_names_and_years() -> None:
    assert split_report_name("2031") == (2031, None)
    assert split_report_name("2031.pdf") == (2031, "pdf")
    assert split_report_name("2031.csv") == (2031, "csv")
    assert split_report_name("2031.exe") is None
    assert split_report_name("abc") is None
    assert split_report_name("1999") is None
    assert parse_year("2030", 2026) == 2030
    assert parse_year("x", 2026) == 2026
    assert parse_year("99999", 2026) == 2026


def test_board_row_in_german() -> None:
    row = board_row(
        {
            "social_area_key": "westen",
            "name": "Sozialraum Hammer Westen",
            "district_keys": ["mitte"],
            "plan": {"plan_id": "p1", "state": "in_progress", "version": 7},
            "next_deadline": {"step": "mid_year_review", "due_on": "2031-07-15"},
            "overdue": [{"step": "final", "due_on": "2030-12-15"}],
            "hearings_open": 0,
            "needs_open": 2,
            "needs_answered": 5,
            "next_conference": None,
            "overdue_agreement_reports": [
                {
                    "agreement_id": "a1",
                    "title": "Stadtteilbüro Westen 2031",
                    "period": "mid_year",
                    "due_on": "2031-08-31",
                }
            ],
        }
    )
    assert row.overdue_reports == [
        (
            "/zielvereinbarungen/a1",
            "Halbjahresbericht zur Zielvereinbarung „Stadtteilbüro Westen 2031“ (fällig am 31.08.2031)",
        )
    ]
    assert row.state == "in Umsetzung" and row.version == 7 and row.plan_id == "p1"
    assert row.next_deadline == "Halbjahresbilanz bis 15.07.2031"
    assert row.overdue == ["Plan final machen (fällig am 15.12.2030)"]
    assert (row.needs_open, row.needs_answered, row.conference_id) == (2, 5, None)
    empty = board_row({"social_area_key": "norden", "name": "N"})
    assert empty.plan_id is None and empty.state is None and empty.next_deadline is None
    assert [r.key for r in board_rows(council("heessen"), {"areas": board_areas()})] == [
        a["key"] for a in hamm_social_areas() if "heessen" in {d["key"] for d in a["districts"]}
    ]


def _scope(kind: str, key: str | None, name: str, values: dict[str, int]) -> dict[str, object]:
    figures = [
        {
            "dimension": "measures_by_field_of_action",
            "key": k,
            "label": k,
            "value": v,
            "refs": [
                {"kind": "measure", "id": str(i), "social_area_key": key or "westen", "label": "m"} for i in range(v)
            ],
        }
        for k, v in values.items()
    ]
    outcomes = [{"dimension": "evaluation_outcomes", "key": "done", "label": "umgesetzt", "value": sum(values.values()),
                 "refs": [{"kind": "measure", "id": "x", "label": "m"}] * sum(values.values())}]  # fmt: skip
    return {
        "scope": kind,
        "social_area_key": key,
        "name": name,
        "plans": [],
        "sections": [
            {"dimension": "measures_by_field_of_action", "title": "Maßnahmen nach Handlungsfeld", "figures": figures},
            {"dimension": "evaluation_outcomes", "title": "Evaluation", "figures": outcomes},
        ],
    }


def test_report_view_tables_link_every_counted_figure() -> None:
    report = {
        "year": 2031,
        "city": _scope("city", None, "Gesamtstadt", {"Bildung": 3, "Sport": 0}),
        "areas": [
            _scope("social_area", "westen", "Westen", {"Bildung": 2, "Sport": 0}),
            _scope("social_area", "norden", "Norden", {"Bildung": 1, "Sport": 0}),
        ],
    }
    view = report_view(report, year=2031, version=2)
    charted = report_view(
        {**report, "charts": [{"id": "c1", "title": "T", "svg": "<svg role='img'></svg>", "columns": ["", "Anzahl"],
                               "rows": [["Westen", "2"]]}, {"id": "bad", "svg": "<script>"}]},
        year=2031, version=None,
    )  # fmt: skip
    assert [(c.id, c.rows) for c in charted.charts] == [("c1", [["Westen", "2"]])]
    assert view.scopes == [("stadt", "Gesamtstadt"), ("westen", "Westen"), ("norden", "Norden")]
    section = view.sections[0]
    assert section.title == "Maßnahmen nach Handlungsfeld"
    bildung, sport = section.rows
    assert [c.value for c in bildung.cells] == [3, 2, 1]
    assert bildung.cells[1].url == (
        "/berichte/2031/eintraege?bereich=westen&dimension=measures_by_field_of_action&schluessel=Bildung&version=2"
    )
    assert all(c.url is None for c in sport.cells)
    assert view.find("norden", "measures_by_field_of_action", "Bildung") is bildung.cells[2]
    assert view.find("norden", "x", "y") is None
    assert view.charts == []
    assert view.total("measures_by_field_of_action") == 3


def test_public_plan_in_brief_and_the_latest_version_of_each_report() -> None:
    view = public_plan_view(
        {
            "plan": {
                "year": 2031,
                "state": "in_progress",
                "measures_by_field": [
                    {
                        "field_of_action": "Bildung",
                        "measures": [{"title": "Elterncafé", "period": "2031-02-01/2031-11-30"}],
                    }
                ],
            },
            "published_reports": [
                {"year": 2030, "version": 1, "published_at": "2031-02-01T10:00:00Z"},
                {"year": 2030, "version": 2, "published_at": "2031-03-01T10:00:00Z"},
                {"year": 2029, "version": 1, "published_at": "2030-02-01T10:00:00Z"},
            ],
        }
    )
    assert (view.year, view.state) == (2031, "in Umsetzung")
    assert view.fields[0][0] == "Bildung"
    assert view.fields[0][1][0].period == "01.02.2031 bis 30.11.2031"
    assert [(r.year, r.version, r.published_on) for r in view.reports] == [
        (2030, 2, "01.03.2031"),
        (2029, 1, "01.02.2030"),
    ]
    empty = public_plan_view({"plan": None, "published_reports": []})
    assert empty.year is None and empty.fields == [] and empty.reports == []
