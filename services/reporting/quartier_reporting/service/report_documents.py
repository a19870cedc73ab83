"""The documents of the Gesamtbericht: open-data JSON and CSV, the HTML for print and its PDF (WeasyPrint).

The HTML is built with the standard library (``string.Template`` around ``templates/report.html``, every
text escaped with ``html.escape``), in German, with the charts inline as SVG and their data as tables.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from html import escape
from pathlib import Path
from string import Template
from typing import Any
from zoneinfo import ZoneInfo

from quartier_reporting.domain.charts import Chart, report_charts
from quartier_reporting.domain.controlling import PERIODS, AgreementFigure, number_text
from quartier_reporting.domain.reports import (
    OUTCOME_NAMES,
    Report,
    ScopeReport,
    figures_hash,
    key_figures,
    report_csv,
    report_to_dict,
)

BERLIN = ZoneInfo("Europe/Berlin")
TEMPLATE = Path(__file__).resolve().parents[1] / "templates" / "report.html"


@dataclass(frozen=True)
class ReportMeta:
    """``status``: draft (computed now) or published (a frozen version)."""

    status: str
    generated_at: dt.datetime
    version: int | None = None
    published_at: dt.datetime | None = None


def _date(moment: dt.datetime) -> str:
    return moment.astimezone(BERLIN).strftime("%d.%m.%Y")


def _time(moment: dt.datetime) -> str:
    return moment.astimezone(BERLIN).strftime("%d.%m.%Y, %H:%M Uhr")


def _n(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def status_text(meta: ReportMeta) -> str:
    if meta.status == "published" and meta.published_at is not None:
        return f"Veröffentlichte Fassung, Version {meta.version} vom {_date(meta.published_at)}"
    return f"Entwurf, berechnet am {_time(meta.generated_at)}"


def document_dict(report: Report, meta: ReportMeta) -> dict[str, Any]:
    """The open-data JSON: the report's figures with the entries they count, plus status and version."""
    doc: dict[str, Any] = {
        "title": f"Gesamtbericht Stadtteilarbeit {report.year}",
        "status": meta.status,
        "version": meta.version,
        "generated_at": meta.generated_at.isoformat(),
        "published_at": meta.published_at.isoformat() if meta.published_at else None,
        "figures_hash": figures_hash(report),
    }
    doc.update(report_to_dict(report))
    return doc


def chart_dict(chart: Chart) -> dict[str, Any]:
    return {
        "id": chart.id,
        "title": chart.title,
        "description": chart.description,
        "columns": list(chart.columns),
        "rows": [list(r) for r in chart.rows],
        "svg": chart.svg,
    }


def render_json(report: Report, meta: ReportMeta) -> bytes:
    return json.dumps(document_dict(report, meta), ensure_ascii=False, indent=1).encode()


def render_csv(report: Report) -> bytes:
    return report_csv(report).encode()


# ---------------------------------------------------------------- HTML for print


def _short(name: str) -> str:
    return name.removeprefix("Sozialraum ")


def _totals_html(report: Report) -> str:
    rows = "".join(
        f'<tr><th scope="row">{escape(label)}</th><td class="n">{_n(value)}</td></tr>'
        for _, label, value in key_figures(report.city)
    )
    return (
        '<table class="totals"><caption>Gesamtstadt</caption>'
        '<thead><tr><th scope="col">Kennzahl</th><th scope="col" class="n">Anzahl</th></tr></thead>'
        f"<tbody>{rows}</tbody></table>"
    )


def _chart_html(chart: Chart) -> str:
    head = "".join(f'<th scope="col"{" class=n" if i else ""}>{escape(c)}</th>' for i, c in enumerate(chart.columns))
    body = "".join(
        "<tr>"
        + "".join(
            f'<th scope="row">{escape(cell)}</th>' if i == 0 else f'<td class="n">{escape(cell)}</td>'
            for i, cell in enumerate(row)
        )
        + "</tr>"
        for row in chart.rows
    )
    return (
        f"<figure><figcaption>{escape(chart.title)}</figcaption>{chart.svg}"
        f'<table class="chart-table"><caption>Daten zum Diagramm „{escape(chart.title)}“</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></figure>"
    )


def _matrix_html(report: Report, dimension: str) -> str:
    scopes: list[ScopeReport] = [*report.areas, report.city]
    section = report.city.section(dimension)
    head = '<th scope="col">Eintrag</th>' + "".join(
        f'<th scope="col" class="n">{escape(_short(s.name))}</th>' for s in scopes
    )
    rows = []
    for fig in section.figures:
        cells = "".join(f'<td class="n">{_n(s.value(dimension, fig.key))}</td>' for s in scopes)
        rows.append(f'<tr><th scope="row" class="row">{escape(fig.label)}</th>{cells}</tr>')
    body = "".join(rows) or f'<tr><td colspan="{len(scopes) + 1}">Keine Einträge.</td></tr>'
    return (
        f'<h3>{escape(section.title)}</h3><table class="matrix"><caption>{escape(section.title)} '
        f"{report.year}</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def _entries_html(report: Report) -> str:
    parts = []
    for area in report.areas:
        measures = [
            (ref.label, OUTCOME_NAMES.get(fig.key, fig.key))
            for fig in area.section("evaluation_outcomes").figures
            for ref in fig.refs
        ]
        needs = [ref.label for ref in area.figure("needs_funnel", "raised").refs]
        parts.append(f"<h3>{escape(area.name)}</h3>")
        if measures:
            items = "".join(f"<li>{escape(t)} – {escape(o)}</li>" for t, o in sorted(measures))
            parts.append(f'<p>Maßnahmen ({len(measures)}):</p><ul class="refs">{items}</ul>')
        else:
            parts.append("<p>Keine Maßnahmen.</p>")
        if needs:
            items = "".join(f"<li>{escape(t)}</li>" for t in needs)
            parts.append(f'<p>Bedarfe ({len(needs)}):</p><ul class="refs">{items}</ul>')
        else:
            parts.append("<p>Keine Bedarfe.</p>")
    return "".join(parts)


def _num(value: float | None) -> str:
    """A target or reached value in German notation (312,5); "–" where no report gave one."""
    if value is None:
        return "–"
    return number_text(value).replace(".", ",")


REPORT_STATUS_NAMES = {
    "delivered": "fristgerecht geliefert",
    "late": "verspätet geliefert",
    "overdue": "überfällig",
    "open": "noch nicht fällig",
}


def _iso_de(day: str | None) -> str:
    return dt.date.fromisoformat(day).strftime("%d.%m.%Y") if day else ""


def _agreement_html(a: AgreementFigure, area_names: dict[str, str]) -> str:
    areas = ", ".join(_short(area_names.get(k, k)) for k in a.social_area_keys)
    rows = "".join(
        f'<tr><th scope="row">{escape(t.indicator)}</th><td>{escape(t.unit)}</td><td class="n">{_num(t.target_value)}'
        f'</td><td class="n">{_num(t.mid_year)}</td><td class="n">{_num(t.year_end)}</td></tr>'
        for t in a.targets
    )
    reports = "; ".join(
        f"{PERIODS.get(r.period, r.period)} (fällig am {_iso_de(r.due_on)}): "
        + REPORT_STATUS_NAMES.get(r.status, r.status)
        + (f" am {_iso_de(r.delivered_on)}" if r.delivered_on else "")
        for r in a.reports
    )
    measures = (
        '<ul class="refs">' + "".join(f"<li>{escape(m.label)}</li>" for m in a.measures) + "</ul>"
        if a.measures
        else "<p>Keine Maßnahme eines Jahresplans verweist auf diese Vereinbarung.</p>"
    )
    title = a.title or f"Zielvereinbarung im Handlungsfeld {a.field_of_action}"
    return (
        f"<h3>{escape(title)}</h3>"
        f"<p>Sozialräume: {escape(areas)} · Handlungsfeld: {escape(a.field_of_action)} · zuständig: "
        f"{escape(a.responsible_department)}</p>"
        f'<table class="agreement"><caption>Ziele von „{escape(title)}“: Zielwert und erreichte Werte</caption>'
        '<thead><tr><th scope="col">Indikator</th><th scope="col">Einheit</th><th scope="col" class="n">Zielwert</th>'
        '<th scope="col" class="n">erreicht (Halbjahr)</th><th scope="col" class="n">erreicht (Jahresende)</th>'
        f"</tr></thead><tbody>{rows}</tbody></table>"
        f"<p>Sachberichte: {escape(reports)}</p>"
        f"<p>Maßnahmen, die der Vereinbarung dienen ({len(a.measures)}):</p>{measures}"
    )


def _controlling_html(report: Report) -> str:
    """The chapters "Zielvereinbarungen" and "Sozialdaten" (empty where the report has neither)."""
    names = {a.social_area_key or "": a.name for a in report.areas}
    parts: list[str] = []
    if report.city.agreements:
        overdue = [a for a in report.city.agreements if a.overdue]
        parts.append(
            '<div class="chapter"><h2>Zielvereinbarungen</h2>'
            f"<p>Die Zielvereinbarungen {report.year} der Stadt mit den beauftragten Trägern: je Ziel der Zielwert "
            "und die in den Sachberichten erreichten Werte, und welche Maßnahmen der Jahrespläne ihnen dienen. "
            f"Zielvereinbarungen: {len(report.city.agreements)}; mit überfälligem Sachbericht: {len(overdue)}.</p>"
        )
        parts.extend(_agreement_html(a, names) for a in report.city.agreements)
        parts.append("</div>")
    if report.city.social_data:
        parts.append(
            '<div class="chapter"><h2>Sozialdaten</h2>'
            f"<p>Die Kennzahlen der Statistikstelle je Sozialraum in den Jahren bis {report.year}.</p>"
        )
        for area in report.areas:
            if not area.social_data:
                continue
            years = sorted({p.year for s in area.social_data for p in s.points})
            head = '<th scope="col">Indikator</th><th scope="col">Einheit</th>' + "".join(
                f'<th scope="col" class="n">{y}</th>' for y in years
            )
            rows = []
            for s in area.social_data:
                values = {p.year: p.value for p in s.points}
                cells = "".join(f'<td class="n">{_num(values.get(y))}</td>' for y in years)
                rows.append(f'<tr><th scope="row">{escape(s.label)}</th><td>{escape(s.unit)}</td>{cells}</tr>')
            sources = sorted({p.source for s in area.social_data for p in s.points if p.source})
            parts.append(
                f"<h3>{escape(area.name)}</h3>"
                f'<table class="matrix"><caption>Sozialdaten {escape(area.name)}</caption>'
                f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
                + (f"<p>Quelle: {escape('; '.join(sources))}</p>" if sources else "")
            )
        parts.append("</div>")
    return "".join(parts)


def render_html(report: Report, meta: ReportMeta) -> str:
    title = f"Gesamtbericht Stadtteilarbeit {report.year}"
    subtitle = f"Stadt Hamm – {status_text(meta)}"
    intro = (
        "<p>Der Gesamtbericht fasst die Jahrespläne der neun Sozialräume zusammen: Maßnahmen nach Handlungsfeld, "
        "Querschnittsthema, Leitziel und Steuerungsziel, die Evaluation der Maßnahmen, den Weg der Bedarfe "
        "(erfasst → in einen Plan aufgenommen → umgesetzt), die Anhörungen der Bezirksvertretungen, die "
        "Stadtteilkonferenzen und die Angebote. Jede Zahl lässt sich auf die Einträge der Jahrespläne "
        "zurückführen, die sie zählt.</p>"
    )
    return Template(TEMPLATE.read_text(encoding="utf-8")).substitute(
        title=escape(title),
        subtitle=escape(subtitle),
        footer=escape(f"{title} – {status_text(meta)}").replace('"', "'"),
        intro=intro,
        totals=_totals_html(report),
        charts="".join(_chart_html(c) for c in report_charts(report)),
        sections="".join(_matrix_html(report, s.dimension) for s in report.city.sections),
        entries=_entries_html(report),
        controlling=_controlling_html(report),
    )


def render_pdf(report: Report, meta: ReportMeta) -> bytes:
    """The PDF (WeasyPrint, tagged as PDF/UA-1); CPU-bound, call it in a worker thread from async code."""
    from weasyprint import HTML  # type: ignore[import-untyped]  # lazily: loading its libraries takes a moment

    # PDF/UA-1: a tagged PDF (structure tree, document language) that screen readers can follow
    pdf = HTML(string=render_html(report, meta)).write_pdf(pdf_variant="pdf/ua-1")
    assert pdf is not None
    return bytes(pdf)
