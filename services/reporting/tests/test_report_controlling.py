"""Controlling in the Gesamtbericht (issue 8): target agreements with target and reached values and the
measures serving them, overdue activity reports, the social data per Sozialraum over the years, in JSON,
CSV, the print HTML/PDF and a chart."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import uuid

import pypdf

from quartier_reporting.domain.charts import report_charts
from quartier_reporting.domain.controlling import (
    ActivityReportInfo,
    AgreementInfo,
    SocialDataInfo,
    TargetInfo,
    report_status,
)
from quartier_reporting.domain.reports import (
    AreaInfo,
    MeasureFacts,
    PlanInfo,
    Report,
    ReportInput,
    compute_report,
    figures_hash,
    report_csv,
    report_from_dict,
    report_to_dict,
    social_data_csv,
)
from quartier_reporting.service.report_documents import ReportMeta, render_html, render_pdf

YEAR = 2025
AREAS = (
    AreaInfo("westen", "Sozialraum Hammer Westen", ("mitte",)),
    AreaInfo("norden", "Sozialraum Hammer Norden", ("heessen",)),
)
AGREEMENT = uuid.UUID(int=1)
OTHER = uuid.UUID(int=2)
T1, T2 = uuid.UUID(int=11), uuid.UUID(int=12)
SERVING = uuid.UUID(int=21)
PLAN = uuid.UUID(int=31)


def _input(today: dt.date | None = dt.date(2026, 5, 1), **changes: object) -> ReportInput:
    serving = MeasureFacts(SERVING, "=Elterncafé", "Familienarbeit", agreement_id=AGREEMENT)
    plain = MeasureFacts(uuid.UUID(int=22), "Boule", "Senior:innenarbeit")
    westen = AgreementInfo(
        AGREEMENT,
        YEAR,
        ("westen",),
        uuid.UUID(int=99),
        "Quartiersmanagement",
        "Stadtteilbüro Westen",
        "Amt für Soziales",
        (TargetInfo(T1, "Stadtteilkonferenzen", 4, "Konferenzen"), TargetInfo(T2, "Beratungsgespräche", 300, "")),
        dt.date(2025, 8, 31),
        dt.date(2026, 3, 31),
        (
            ActivityReportInfo("mid_year", dt.date(2025, 8, 27), dt.date(2025, 8, 31), False, ((T1, 2), (T2, 164))),
            ActivityReportInfo("year_end", dt.date(2026, 4, 2), dt.date(2026, 3, 31), True, ((T1, 4), (T2, 312.5))),
        ),
    )
    norden = AgreementInfo(
        OTHER,
        YEAR,
        ("norden",),
        uuid.UUID(int=98),
        "Kinder- und Jugendarbeit",
        "Jugendtreff Norden",
        "Jugendamt",
        (TargetInfo(uuid.UUID(int=13), "Öffnungstage", 200),),
        dt.date(2025, 8, 31),
        dt.date(2026, 3, 31),
    )
    old = AgreementInfo(uuid.UUID(int=3), YEAR - 1, ("westen",), uuid.UUID(int=99), "Quartiersmanagement", "Alt")
    social = (
        SocialDataInfo("westen", 2023, "einwohner", 38000, "Personen", "Statistikstelle", dt.date(2023, 12, 31)),
        SocialDataInfo("westen", 2024, "einwohner", 38327, "Personen", "Statistikstelle", dt.date(2024, 12, 31)),
        SocialDataInfo("westen", 2024, "kinderarmut", 18.8, "%", "Statistikstelle", dt.date(2024, 12, 31)),
        SocialDataInfo("westen", 2026, "einwohner", 39000, "Personen", "Statistikstelle", dt.date(2026, 12, 31)),
        SocialDataInfo("norden", 2025, "einwohner", 20000, "Personen", "Statistikstelle", dt.date(2025, 12, 31)),
        SocialDataInfo("atlantis", 2025, "einwohner", 1, "Personen", "", None),
    )
    base = {
        "year": YEAR,
        "areas": AREAS,
        "plans": (PlanInfo(PLAN, "westen", YEAR, "evaluated", (serving, plain)),),
        "agreements": (westen, norden, old),
        "social_data": social,
        "today": today,
    }
    base.update(changes)
    return ReportInput(**base)  # type: ignore[arg-type]


def test_the_agreements_show_target_and_reached_values_and_the_measures_serving_them() -> None:
    report = compute_report(_input())
    assert [a.title for a in report.city.agreements] == ["Jugendtreff Norden", "Stadtteilbüro Westen"]
    westen = next(a for a in report.city.agreements if a.agreement_id == str(AGREEMENT))
    assert [(t.indicator, t.target_value, t.mid_year, t.year_end) for t in westen.targets] == [
        ("Stadtteilkonferenzen", 4, 2, 4),
        ("Beratungsgespräche", 300, 164, 312.5),
    ]
    assert [(m.kind, m.id, m.plan_id, m.social_area_key) for m in westen.measures] == [
        ("measure", str(SERVING), str(PLAN), "westen")
    ]
    assert [(r.period, r.status) for r in westen.reports] == [("mid_year", "delivered"), ("year_end", "late")]
    area = {a.social_area_key: a for a in report.areas}
    assert [a.agreement_id for a in area["westen"].agreements] == [str(AGREEMENT)]
    assert [a.agreement_id for a in area["norden"].agreements] == [str(OTHER)]


def test_reports_not_delivered_after_their_due_date_are_overdue() -> None:
    norden = next(a for a in compute_report(_input()).city.agreements if a.agreement_id == str(OTHER))
    assert [(r.period, r.due_on) for r in norden.overdue] == [("mid_year", "2025-08-31"), ("year_end", "2026-03-31")]
    early = next(
        a for a in compute_report(_input(today=dt.date(2025, 9, 1))).city.agreements if a.agreement_id == str(OTHER)
    )
    assert [(r.period, r.status) for r in early.reports] == [("mid_year", "overdue"), ("year_end", "open")]
    assert (
        next(a for a in compute_report(_input(today=None)).city.agreements if a.title.startswith("Jug")).overdue == ()
    )
    on_the_day = AgreementInfo(OTHER, YEAR, ("norden",), OTHER, "x", mid_year_report_due=dt.date(2025, 8, 31))
    assert report_status(on_the_day, "mid_year", dt.date(2025, 8, 31)).status == "open"  # type: ignore[union-attr]


def test_the_social_data_per_area_over_the_years_up_to_the_report_year() -> None:
    report = compute_report(_input())
    westen = next(a for a in report.areas if a.social_area_key == "westen")
    assert [(s.indicator, [(p.year, p.value) for p in s.points]) for s in westen.social_data] == [
        ("einwohner", [(2023, 38000), (2024, 38327)]),
        ("kinderarmut", [(2024, 18.8)]),
    ]
    assert [s.social_area_key for s in report.city.social_data] == ["westen", "westen", "norden"]
    assert "atlantis" not in {s.social_area_key for s in report.city.social_data}


def test_existing_figures_are_unchanged_by_controlling_data() -> None:
    with_controlling = compute_report(_input())
    without = compute_report(_input(agreements=(), social_data=()))
    assert with_controlling.city.sections == without.city.sections
    assert [a.sections for a in with_controlling.areas] == [a.sections for a in without.areas]
    assert without.city.agreements == () and without.city.social_data == ()


def test_json_round_trip_and_csv_rows_are_safe() -> None:
    report = compute_report(_input())
    assert report_from_dict(report_to_dict(report)) == report
    assert figures_hash(report_from_dict(report_to_dict(report))) == figures_hash(report)
    city = report_to_dict(report)["city"]
    assert isinstance(city, dict)
    westen = next(a for a in city["agreements"] if a["agreement_id"] == str(AGREEMENT))
    assert westen["targets"][1]["year_end"] == 312.5 and westen["overdue_reports"] == []
    rows = list(csv.DictReader(io.StringIO(report_csv(report), newline="")))
    extra = {(r["scope"], r["area"], r["dimension"], r["key"]): r["value"] for r in rows}
    assert extra[("city", "", "agreements", f"{AGREEMENT}/{T2}/year_end")] == "312.5"
    assert extra[("social_area", "westen", "agreements", f"{AGREEMENT}/{T1}/target_value")] == "4"
    assert extra[("social_area", "westen", "agreements", f"{AGREEMENT}/measures")] == "1"
    assert extra[("social_area", "norden", "agreements", f"{OTHER}/overdue_reports")] == "2"
    assert not any(r["dimension"] == "social_data" for r in rows)  # the figures CSV keeps one row per count
    social = list(csv.DictReader(io.StringIO(social_data_csv(report), newline="")))
    assert [(r["area"], r["key"], r["value"]) for r in social] == [
        ("westen", "einwohner/2023", "38000"),
        ("westen", "einwohner/2024", "38327"),
        ("westen", "kinderarmut/2024", "18.8"),
        ("norden", "einwohner/2025", "20000"),
    ]
    for r in [*rows, *social]:
        assert not any(v.startswith(("=", "+", "-", "@", "\t", "\r")) for v in r.values()), r


def test_a_chart_per_indicator_with_its_text_alternative() -> None:
    report = compute_report(_input())
    charts = {c.id: c for c in report_charts(report)}
    chart = charts[f"chart-{YEAR}-social-einwohner"]
    assert 'role="img"' in chart.svg and "<desc" in chart.svg
    assert chart.columns == ("", "2023", "2024", "2025")
    assert chart.rows == (
        ("Sozialraum Hammer Westen", "38.000", "38.327", "–"),
        ("Sozialraum Hammer Norden", "–", "–", "20.000"),
    )
    assert "Sozialraum Hammer Westen: 2023 38.000 Personen, 2024 38.327 Personen" in chart.description
    assert "18,8 %" in charts[f"chart-{YEAR}-social-kinderarmut"].description
    assert not any("social" in c for c in (c.id for c in report_charts(compute_report(_input(social_data=())))))


def _pdf_text(report: Report) -> str:
    pdf = render_pdf(report, ReportMeta("draft", dt.datetime(2026, 5, 1, tzinfo=dt.UTC)))
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages))


def test_the_pdf_has_the_chapters_zielvereinbarungen_and_sozialdaten() -> None:
    report = compute_report(_input())
    html = render_html(report, ReportMeta("draft", dt.datetime(2026, 5, 1, tzinfo=dt.UTC)))
    assert "<h2>Zielvereinbarungen</h2>" in html and "<h2>Sozialdaten</h2>" in html
    assert "=Elterncafé" in html and "312,5" in html
    text = _pdf_text(report)
    assert "Zielvereinbarungen" in text and "Sozialdaten" in text
    assert "Beratungsgespräche" in text and "312,5" in text and "überfällig" in text
    plain = render_html(
        compute_report(_input(agreements=(), social_data=())), ReportMeta("draft", dt.datetime.now(dt.UTC))
    )
    assert "<h2>Zielvereinbarungen</h2>" not in plain and "<h2>Sozialdaten</h2>" not in plain
