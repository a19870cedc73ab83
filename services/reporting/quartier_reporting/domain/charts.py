"""Charts of the Gesamtbericht as plain SVG (rendered on the server), each with its text alternative.

Pure functions, no I/O. Every chart is an ``<svg role="img">`` with ``<title>`` and ``<desc>`` (named by
``aria-labelledby``) and carries its data as a table (``columns``/``rows``) that pages print beside or below
the picture, so nobody has to read the bars to get the numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from quartier_reporting.domain.controlling import SocialSeries
from quartier_reporting.domain.reports import FUNNEL_STAGES, OUTCOME_NAMES, Report, ScopeReport

BAR_COLOUR = "#1d4f91"
TEXT_COLOUR = "#1b1b1b"
FUNNEL_COLOURS = ("#1d4f91", "#3f72b5", "#0f7b3f")
WIDTH = 640
LABEL_WIDTH = 230
BAR_HEIGHT = 22
GAP = 8


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    description: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    svg: str


def _n(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def _head(chart_id: str, title: str, description: str, height: int) -> str:
    cid = escape(chart_id, quote=True)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{cid}-title {cid}-desc" '
        f'width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" class="quartier-chart" id="{cid}" '
        f'font-family="sans-serif" font-size="14">'
        f'<title id="{cid}-title">{escape(title)}</title>'
        f'<desc id="{cid}-desc">{escape(description)}</desc>'
    )


def _describe(items: Sequence[tuple[str, int]], unit: str) -> str:
    if not items:
        return "Keine Daten."
    return "; ".join(f"{label}: {_n(value)} {unit}".rstrip() for label, value in items) + "."


def bar_chart(
    chart_id: str, title: str, items: Sequence[tuple[str, int]], *, unit: str = "", value_column: str = "Anzahl"
) -> Chart:
    """Horizontal bars, one per item (label, value ≥ 0), scaled to the largest value."""
    top = max((v for _, v in items), default=0)
    scale = (WIDTH - LABEL_WIDTH - 70) / top if top > 0 else 0.0
    height = max(1, len(items)) * (BAR_HEIGHT + GAP) + GAP
    description = f"{title}. {_describe(items, unit)}"
    parts = [_head(chart_id, title, description, height)]
    for i, (label, value) in enumerate(items):
        y = GAP + i * (BAR_HEIGHT + GAP)
        width = round(max(0, value) * scale, 1)
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 16}" text-anchor="end" fill="{TEXT_COLOUR}">{escape(label)}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{width}" height="{BAR_HEIGHT}" fill="{BAR_COLOUR}"/>'
            f'<text x="{LABEL_WIDTH + width + 6}" y="{y + 16}" fill="{TEXT_COLOUR}">{_n(value)}</text>'
        )
    parts.append("</svg>")
    rows = tuple((label, _n(value)) for label, value in items)
    return Chart(chart_id, title, description, ("", value_column), rows, "".join(parts))


def funnel_chart(chart_id: str, title: str, stages: Sequence[tuple[str, int]]) -> Chart:
    """Centred bars narrowing from the first stage; each stage shows its count and share of the first."""
    first = stages[0][1] if stages else 0
    top = max((v for _, v in stages), default=0)
    usable = WIDTH - 40
    height = max(1, len(stages)) * (BAR_HEIGHT * 2 + GAP) + GAP

    def share(value: int) -> str:
        return f"{round(100 * value / first)} %" if first > 0 else "–"

    description = (
        f"{title}. "
        + "; ".join(f"{label}: {_n(value)} ({share(value)} der erfassten)" for label, value in stages)
        + "."
    )
    parts = [_head(chart_id, title, description, height)]
    for i, (label, value) in enumerate(stages):
        y = GAP + i * (BAR_HEIGHT * 2 + GAP)
        width = round(usable * value / top, 1) if top > 0 else 0.0
        x = round((WIDTH - width) / 2, 1)
        colour = FUNNEL_COLOURS[i % len(FUNNEL_COLOURS)]
        parts.append(
            f'<text x="{WIDTH // 2}" y="{y + 15}" text-anchor="middle" fill="{TEXT_COLOUR}">'
            f"{escape(label)}: {_n(value)} ({share(value)})</text>"
            f'<rect x="{x}" y="{y + BAR_HEIGHT - 2}" width="{width}" height="{BAR_HEIGHT}" fill="{colour}"/>'
        )
    parts.append("</svg>")
    rows = tuple((label, _n(value), share(value)) for label, value in stages)
    return Chart(chart_id, title, description, ("Stufe", "Anzahl", "Anteil an erfassten"), rows, "".join(parts))


def _total(scope: ScopeReport, dimension: str) -> int:
    return sum(f.value for f in scope.section(dimension).figures)


def needs_funnel(scope: ScopeReport, chart_id: str) -> Chart:
    section = scope.section("needs_funnel")
    stages = [(FUNNEL_STAGES[f.key], f.value) for f in section.figures if f.key in FUNNEL_STAGES]
    return funnel_chart(chart_id, f"Bedarfe {scope.name}: erfasst → in einen Plan aufgenommen → umgesetzt", stages)


def report_charts(report: Report) -> tuple[Chart, ...]:
    """The charts of the report: bars per Sozialraum and the city-wide needs funnel and outcomes."""
    y = report.year
    outcomes = report.city.section("evaluation_outcomes")
    return (
        bar_chart(
            f"chart-{y}-measures",
            f"Maßnahmen je Sozialraum {y}",
            [(a.name, _total(a, "measures_by_field_of_action")) for a in report.areas],
            unit="Maßnahmen",
            value_column="Maßnahmen",
        ),
        needs_funnel(report.city, f"chart-{y}-needs-funnel"),
        bar_chart(
            f"chart-{y}-needs",
            f"Erfasste Bedarfe je Sozialraum {y}",
            [(a.name, a.value("needs_funnel", "raised")) for a in report.areas],
            unit="Bedarfe",
            value_column="Bedarfe",
        ),
        bar_chart(
            f"chart-{y}-outcomes",
            f"Evaluation der Maßnahmen {y} (Gesamtstadt)",
            [(OUTCOME_NAMES[f.key], f.value) for f in outcomes.figures if f.key in OUTCOME_NAMES],
            unit="Maßnahmen",
            value_column="Maßnahmen",
        ),
        bar_chart(
            f"chart-{y}-participants",
            f"Teilnehmende an Stadtteilkonferenzen je Sozialraum {y}",
            [(a.name, a.value("neighbourhood_conferences", "participants")) for a in report.areas],
            unit="Teilnehmende",
            value_column="Teilnehmende",
        ),
        *social_data_charts(report),
    )


# ---------------------------------------------------------------- social data (controlling)

YEAR_COLOURS = ("#9db7db", "#5f8cc7", "#1d4f91", "#0f2f5c", "#0f7b3f")


def _f(value: float) -> str:
    """A figure in German notation: 38.327 / 18,8."""
    if float(value).is_integer():
        return _n(int(value))
    return f"{value:,.1f}".replace(",", "§").replace(".", ",").replace("§", ".")


def indicator_chart(chart_id: str, title: str, unit: str, series: Sequence[tuple[str, SocialSeries]]) -> Chart:
    """Grouped horizontal bars: per Sozialraum one bar per year (oldest first), scaled to the largest value."""
    years = sorted({p.year for _, s in series for p in s.points})
    values = {(name, p.year): p.value for name, s in series for p in s.points}
    top = max(values.values(), default=0.0)
    scale = (WIDTH - LABEL_WIDTH - 90) / top if top > 0 else 0.0
    bar = 12
    group = max(1, len(years)) * bar + GAP
    height = max(1, len(series)) * group + GAP + 24
    suffix = f" {unit}" if unit else ""
    description = (
        f"{title}. "
        + "; ".join(
            f"{name}: " + ", ".join(f"{y} {_f(values[(name, y)])}{suffix}" for y in years if (name, y) in values)
            for name, _ in series
        )
        + "."
        if series
        else f"{title}. Keine Daten."
    )
    parts = [_head(chart_id, title, description, height)]
    for i, y in enumerate(years):
        colour = YEAR_COLOURS[i % len(YEAR_COLOURS)]
        parts.append(
            f'<rect x="{LABEL_WIDTH + i * 70}" y="{GAP}" width="12" height="12" fill="{colour}"/>'
            f'<text x="{LABEL_WIDTH + i * 70 + 16}" y="{GAP + 11}" fill="{TEXT_COLOUR}" font-size="12">{y}</text>'
        )
    for k, (name, _) in enumerate(series):
        top_y = GAP + 24 + k * group
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{top_y + 12}" text-anchor="end" fill="{TEXT_COLOUR}">{escape(name)}</text>'
        )
        for i, y in enumerate(years):
            if (name, y) not in values:
                continue
            value = values[(name, y)]
            width = round(max(0.0, value) * scale, 1)
            colour = YEAR_COLOURS[i % len(YEAR_COLOURS)]
            by = top_y + i * bar
            parts.append(
                f'<rect x="{LABEL_WIDTH}" y="{by}" width="{width}" height="{bar - 2}" fill="{colour}"/>'
                f'<text x="{LABEL_WIDTH + width + 6}" y="{by + 10}" fill="{TEXT_COLOUR}" font-size="11">'
                f"{_f(value)}</text>"
            )
    parts.append("</svg>")
    rows = tuple((name, *(_f(values[(name, y)]) if (name, y) in values else "–" for y in years)) for name, _ in series)
    return Chart(chart_id, title, description, ("", *(str(y) for y in years)), rows, "".join(parts))


def social_data_charts(report: Report) -> tuple[Chart, ...]:
    """One chart per indicator: its values per Sozialraum over the years up to the report year."""
    names = {a.social_area_key: a.name for a in report.areas}
    by_indicator: dict[str, list[tuple[str, SocialSeries]]] = {}
    for s in report.city.social_data:
        by_indicator.setdefault(s.indicator, []).append((names.get(s.social_area_key, s.social_area_key), s))
    charts = []
    for indicator, series in by_indicator.items():
        first = series[0][1]
        unit = "%" if first.unit.strip() in ("%", "Prozent") else first.unit
        charts.append(
            indicator_chart(
                f"chart-{report.year}-social-{indicator}",
                f"Sozialdaten: {first.label} je Sozialraum bis {report.year}",
                unit,
                series,
            )
        )
    return tuple(charts)
