"""The charts: well-formed SVG with a text alternative (title, desc, data table) that holds every number."""

from __future__ import annotations

import datetime as dt
import uuid
import xml.etree.ElementTree as ET

from hypothesis import given, settings
from hypothesis import strategies as st

from quartier_reporting.domain.charts import bar_chart, funnel_chart, report_charts
from quartier_reporting.domain.reports import (
    AreaInfo,
    MeasureFacts,
    NeedInfo,
    PlanInfo,
    ReportInput,
    Vocabulary,
    compute_report,
)

SVG = "{http://www.w3.org/2000/svg}"
labels = st.text(alphabet=st.sampled_from("ab<>&\"' äÖ="), min_size=1, max_size=10)


def _accessible(svg: str, chart_id: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == f"{chart_id}-title {chart_id}-desc"
    title = root.find(f"{SVG}title")
    desc = root.find(f"{SVG}desc")
    assert title is not None and title.get("id") == f"{chart_id}-title" and title.text
    assert desc is not None and desc.get("id") == f"{chart_id}-desc" and desc.text
    return root


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(labels, st.integers(0, 10_000)), max_size=12))
def test_bar_chart_is_accessible_and_complete(items: list[tuple[str, int]]) -> None:
    chart = bar_chart("c1", "Maßnahmen je Sozialraum", items, unit="Maßnahmen")
    root = _accessible(chart.svg, "c1")
    bars = root.findall(f"{SVG}rect")
    assert len(bars) == len(items)
    widths = [float(b.get("width", "0")) for b in bars]
    for (_, a), (_, b), wa, wb in zip(items, items[1:], widths, widths[1:], strict=False):
        if a > b:
            assert wa >= wb
    assert len(chart.rows) == len(items)
    texts = [t.text for t in root.findall(f"{SVG}text")]
    for (label, value), row in zip(items, chart.rows, strict=True):
        assert row[0] == label
        assert row[1] == f"{value:,}".replace(",", ".")
        assert label in texts
        assert f"{label}: {row[1]}" in chart.description


@given(st.integers(0, 500), st.integers(0, 500), st.integers(0, 500))
def test_funnel_chart(raised: int, taken: int, done: int) -> None:
    stages = [("erfasst", raised), ("in einen Plan aufgenommen", taken), ("umgesetzt", done)]
    chart = funnel_chart("f", "Bedarfe", stages)
    root = _accessible(chart.svg, "f")
    assert len(root.findall(f"{SVG}rect")) == 3
    assert [r[0] for r in chart.rows] == [s for s, _ in stages]
    assert [r[1] for r in chart.rows] == [str(v) for _, v in stages]
    if raised:
        assert chart.rows[0][2] == "100 %"
    else:
        assert chart.rows[0][2] == "–"


def test_report_charts_carry_the_report_figures() -> None:
    areas = (AreaInfo("mitte", "Sozialraum Hamm-Mitte"), AreaInfo("norden", "Sozialraum Hammer Norden"))
    m1 = MeasureFacts(uuid.uuid4(), "A", "Familienarbeit", outcome="done")
    m2 = MeasureFacts(uuid.uuid4(), "B", "Familienarbeit", outcome="partly")
    plan = PlanInfo(uuid.uuid4(), "norden", 2025, "evaluated", (m1, m2))
    need = NeedInfo(
        uuid.uuid4(),
        "norden",
        "resident",
        "Familienarbeit",
        "taken_into_plan",
        dt.date(2025, 1, 5),
        "X",
        plan.plan_id,
        m1.measure_id,
    )
    report = compute_report(ReportInput(2025, areas, Vocabulary(("Familienarbeit",)), (), (plan,), (need,)))
    charts = {c.id: c for c in report_charts(report)}
    assert list(charts) == [
        "chart-2025-measures",
        "chart-2025-needs-funnel",
        "chart-2025-needs",
        "chart-2025-outcomes",
        "chart-2025-participants",
    ]
    for chart_id, chart in charts.items():
        _accessible(chart.svg, chart_id)
    assert charts["chart-2025-measures"].rows == (("Sozialraum Hamm-Mitte", "0"), ("Sozialraum Hammer Norden", "2"))
    assert [r[1] for r in charts["chart-2025-needs-funnel"].rows] == ["1", "1", "1"]
    assert charts["chart-2025-outcomes"].rows[:3] == (
        ("umgesetzt", "1"),
        ("teilweise umgesetzt", "1"),
        ("nicht umgesetzt", "0"),
    )
