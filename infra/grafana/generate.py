"""Generates Quartier's Grafana dashboards (infra/grafana/dashboards/*.json) with grafana-foundation-sdk.

    uv run python infra/grafana/generate.py          # writes the JSON files
    uv run python infra/grafana/generate.py --check  # exit 1 if a file differs from what this would write

One overview and one dashboard per service. Every panel queries the Prometheus data source ``prometheus``
(provisioned by provisioning/datasources/prometheus.yml) with plain PromQL: no Grafana variables, so that
tests/integration/operations/test_operations_dashboards.py can run each query against a live Prometheus and
prove it returns data.
Titles are German, like the rest of the operators' UI.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from grafana_foundation_sdk.builders import common, dashboard, prometheus, stat, timeseries
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models.common import (
    BigValueColorMode,
    LegendDisplayMode,
    LegendPlacement,
    SortOrder,
    TooltipDisplayMode,
)
from grafana_foundation_sdk.models.dashboard import (
    DashboardCursorSync,
    DashboardLinkType,
    DataSourceRef,
    Threshold,
    ThresholdsMode,
    ValueMap,
    ValueMappingResult,
)

OUT = Path(__file__).resolve().parent / "dashboards"
DATASOURCE = DataSourceRef(type_val="prometheus", uid="prometheus")
SERVICES = ("registry", "planning", "invitations", "reporting", "gateway")
SERVICE_TITLES = {
    "registry": "Register",
    "planning": "Jahresplanung",
    "invitations": "Einladungen",
    "reporting": "Berichte",
    "gateway": "Gateway (Web-Oberfläche)",
}
# Services that read events (consumers) and that own topics others read (the lag of their readers).
CONSUMING = ("planning", "reporting")
OWNING_READ_TOPICS = ("registry",)
WINDOW = "5m"


@dataclass
class Panel:
    title: str
    description: str
    queries: list[tuple[str, str]]  # (PromQL, legend)
    unit: str = "short"
    kind: str = "timeseries"
    width: int = 12


@dataclass
class Row:
    title: str
    panels: list[Panel] = field(default_factory=list)


def error_ratio(selector: str, by: str) -> str:
    """Share of 5xx answers; 0 (not "no data") while there are requests but no errors."""
    total = f"sum by ({by}) (rate(quartier_http_requests_total{{{selector}}}[{WINDOW}]))"
    errors = f'sum by ({by}) (rate(quartier_http_requests_total{{{selector}, status=~"5.."}}[{WINDOW}]))'
    return f"({errors} or {total} * 0) / {total}"


def http_row(service: str) -> Row:
    job = f'job="{service}"'
    return Row(
        "HTTP",
        [
            Panel(
                "Anfragen pro Sekunde nach Route und Status",
                "quartier_http_requests_total; die Route ist die Vorlage (z. B. /plans/{plan_id}).",
                [
                    (
                        f"sum by (route, status) (rate(quartier_http_requests_total{{{job}}}[{WINDOW}]))",
                        "{{route}} {{status}}",
                    )
                ],
                unit="reqps",
            ),
            Panel(
                "Antwortzeit (95. Perzentil) nach Route",
                "Aus dem Histogramm quartier_http_request_duration_seconds.",
                [
                    (
                        "histogram_quantile(0.95, sum by (route, le) "
                        f"(rate(quartier_http_request_duration_seconds_bucket{{{job}}}[{WINDOW}])))",
                        "{{route}}",
                    )
                ],
                unit="s",
            ),
            Panel(
                "Anteil Serverfehler (5xx)",
                "Alarm HighErrorRate ab 5 % über 5 Minuten.",
                [(error_ratio(job, "job"), "{{job}}")],
                unit="percentunit",
            ),
        ],
    )


def events_row(service: str) -> Row:
    job = f'job="{service}"'
    panels = [
        Panel(
            "Outbox: unveröffentlichte Ereignisse",
            "Geschrieben, aber noch nicht bei Kafka bestätigt. Alarm OutboxBacklogGrowing, wenn sie 5 Minuten wächst.",
            [(f"quartier_outbox_backlog_events{{{job}}}", "{{instance}}")],
        ),
        Panel(
            "Outbox: Alter des ältesten unveröffentlichten Ereignisses",
            "Alarm OutboxEventsOld ab 5 Minuten.",
            [(f"quartier_outbox_oldest_unpublished_age_seconds{{{job}}}", "{{instance}}")],
            unit="s",
        ),
        Panel(
            "Veröffentlichte Ereignisse pro Sekunde",
            "Vom Outbox-Relay an Kafka übergeben und bestätigt.",
            [(f"rate(quartier_outbox_published_events_total{{{job}}}[{WINDOW}])", "{{instance}}")],
            unit="ops",
        ),
    ]
    if service in CONSUMING:
        panels += [
            Panel(
                "Verarbeitete Ereignisse pro Sekunde",
                "Je Consumer: empfangen (alle Datensätze des Topics) und angewandt (ohne Duplikate).",
                [
                    (
                        f"sum by (consumer) (rate(quartier_events_received_total{{{job}}}[{WINDOW}]))",
                        "{{consumer}} empfangen",
                    ),
                    (
                        f"sum by (consumer) (rate(quartier_events_processed_total{{{job}}}[{WINDOW}]))",
                        "{{consumer}} angewandt",
                    ),
                ],
                unit="ops",
            ),
            Panel(
                "Fehlgeschlagene Versuche und aussortierte Ereignisse (letzte Stunde)",
                "Aussortiert heißt: im Dead-Letter-Topic <topic>.dlq. Alarm DeadLetters bei jedem neuen.",
                [
                    (
                        f"sum by (consumer) (increase(quartier_events_failed_total{{{job}}}[1h]))",
                        "{{consumer}} Fehlversuche",
                    ),
                    (
                        f"sum by (consumer, reason) (increase(quartier_events_dead_lettered_total{{{job}}}[1h]))",
                        "{{consumer}} aussortiert ({{reason}})",
                    ),
                ],
            ),
            Panel(
                "Rückstand der eigenen Consumer",
                "Datensätze hinter dem Ende der Partition (festgeschriebener Offset), aus Sicht des Consumers.",
                [(f"sum by (group, topic) (quartier_consumer_lag_messages{{{job}}})", "{{group}}")],
            ),
        ]
    if service in OWNING_READ_TOPICS:
        panels.append(
            Panel(
                "Rückstand der Leser dieser Topics",
                "Aus den Gruppen-Offsets beim Broker: zählt weiter, wenn ein Consumer ausgefallen ist. "
                "Alarm ConsumerLagGrowing.",
                [(f"sum by (group, topic) (quartier_consumer_group_lag_messages{{{job}}})", "{{group}} {{topic}}")],
            )
        )
    return Row("Ereignisse", panels)


def process_row(service: str) -> Row:
    job = f'job="{service}"'
    return Row(
        "Datenbank und Prozess",
        [
            Panel(
                "Verbindungen im Datenbank-Pool",
                "offen, davon frei und in Benutzung; die Obergrenze gestrichelt im Vergleich.",
                [
                    (f"quartier_db_pool_connections{{{job}}}", "{{state}}"),
                    (f"quartier_db_pool_max_connections{{{job}}}", "Obergrenze"),
                ],
            ),
            Panel(
                "Arbeitsspeicher",
                "Resident Set Size des Prozesses.",
                [(f"process_resident_memory_bytes{{{job}}}", "{{instance}}")],
                unit="bytes",
            ),
            Panel(
                "CPU",
                "Rechenzeit pro Sekunde.",
                [(f"rate(process_cpu_seconds_total{{{job}}}[{WINDOW}])", "{{instance}}")],
                unit="percentunit",
            ),
        ],
    )


BUSINESS: dict[str, list[Panel]] = {
    "registry": [
        Panel("Angebote", "Im Angebotsverzeichnis, nach Status.", [("quartier_registry_offers", "{{status}}")]),
        Panel(
            "Angebote zur Überprüfung",
            "Aktive Angebote, die seit 12 Monaten nicht bestätigt wurden.",
            [("quartier_registry_offers_review_due", "zu prüfen")],
            kind="stat",
            width=6,
        ),
        Panel(
            "Mögliche Duplikate",
            "Paare nach Status (offen, verworfen, zusammengeführt, erledigt).",
            [("quartier_registry_duplicate_pairs", "{{status}}")],
            width=6,
        ),
        Panel(
            "Verzeichnis",
            "Akteur:innen, Personen und Gremien.",
            [
                ("quartier_registry_actors", "Akteur:innen"),
                ("quartier_registry_persons", "Personen ({{state}})"),
                ("quartier_registry_bodies", "Gremien"),
            ],
        ),
    ],
    "planning": [
        Panel("Jahrespläne nach Stand", "Entwurf bis Auswertung.", [("quartier_planning_plans", "{{state}}")]),
        Panel("Bedarfe nach Status", "offen heißt: noch ohne Antwort.", [("quartier_planning_needs", "{{status}}")]),
        Panel(
            "Verpasste Fristen",
            "Schritte von Jahresplänen nach ihrer Frist und nicht erledigt. Alarm PlanDeadlinePassed.",
            [("quartier_planning_overdue_steps", "{{step}}")],
        ),
    ],
    "reporting": [
        Panel(
            "Gebiet aus Ereignissen",
            "Was Berichte aus den Ereignissen des Registers kennt "
            "(Hamm: 7 Stadtbezirke, 9 Sozialräume, 27 Wohnbereiche).",
            [("quartier_reporting_territory_entries", "{{kind}}")],
        ),
        Panel(
            "Änderungen am Gebiet",
            "Einträge in der Änderungsgeschichte.",
            [("quartier_reporting_territory_changes", "Änderungen")],
            kind="stat",
        ),
    ],
}


def overview_rows() -> list[Row]:
    services = "|".join(SERVICES)
    return [
        Row(
            "Verfügbarkeit",
            [
                Panel(
                    "Dienste erreichbar",
                    "1: Prometheus erreicht /metrics. Alarm ServiceDown nach einer Minute ohne Antwort.",
                    [(f'up{{job=~"{services}"}}', "{{job}}")],
                    kind="stat",
                    width=24,
                ),
                Panel(
                    "Anfragen pro Sekunde",
                    "Alle HTTP-Anfragen je Dienst.",
                    [(f"sum by (job) (rate(quartier_http_requests_total[{WINDOW}]))", "{{job}}")],
                    unit="reqps",
                    width=8,
                ),
                Panel(
                    "Anteil Serverfehler (5xx)",
                    "Alarm HighErrorRate ab 5 % über 5 Minuten.",
                    [(error_ratio(f'job=~"{services}"', "job"), "{{job}}")],
                    unit="percentunit",
                    width=8,
                ),
                Panel(
                    "Antwortzeit (95. Perzentil)",
                    "Je Dienst über alle Routen.",
                    [
                        (
                            "histogram_quantile(0.95, sum by (job, le) "
                            f"(rate(quartier_http_request_duration_seconds_bucket[{WINDOW}])))",
                            "{{job}}",
                        )
                    ],
                    unit="s",
                    width=8,
                ),
            ],
        ),
        Row(
            "Ereignisse",
            [
                Panel(
                    "Rückstand je Consumer-Gruppe",
                    "Aus den Gruppen-Offsets beim Broker, gemeldet vom Dienst, dem das Topic gehört. "
                    "Alarm ConsumerLagGrowing.",
                    [("max by (group, topic) (quartier_consumer_group_lag_messages)", "{{group}} {{topic}}")],
                ),
                Panel(
                    "Outbox: unveröffentlichte Ereignisse",
                    "Alarm OutboxBacklogGrowing, wenn sie 5 Minuten wächst.",
                    [("max by (job) (quartier_outbox_backlog_events)", "{{job}}")],
                ),
                Panel(
                    "Outbox: Alter des ältesten unveröffentlichten Ereignisses",
                    "Alarm OutboxEventsOld ab 5 Minuten.",
                    [("max by (job) (quartier_outbox_oldest_unpublished_age_seconds)", "{{job}}")],
                    unit="s",
                ),
                Panel(
                    "Aussortierte Ereignisse (letzte Stunde)",
                    "Dead Letters je Consumer; Alarm DeadLetters bei jedem neuen.",
                    [("sum by (consumer) (increase(quartier_events_dead_lettered_total[1h]))", "{{consumer}}")],
                ),
                Panel(
                    "Angewandte Ereignisse pro Sekunde",
                    "Je Consumer, ohne Duplikate.",
                    [(f"sum by (consumer) (rate(quartier_events_processed_total[{WINDOW}]))", "{{consumer}}")],
                    unit="ops",
                ),
                Panel(
                    "Verpasste Fristen der Jahrespläne",
                    "Alarm PlanDeadlinePassed.",
                    [("max by (step) (quartier_planning_overdue_steps)", "{{step}}")],
                ),
            ],
        ),
    ]


def build_panel(panel: Panel) -> dashboard.Panel | stat.Panel | timeseries.Panel:
    builder: stat.Panel | timeseries.Panel
    if panel.kind == "stat":
        builder = (
            stat.Panel()
            .color_mode(BigValueColorMode.VALUE)
            .reduce_options(common.ReduceDataOptions().calcs(["lastNotNull"]).values(False))
        )
        if panel.title == "Dienste erreichbar":
            builder = builder.mappings(
                [
                    ValueMap(
                        options={
                            "0": ValueMappingResult(text="aus", color="red"),
                            "1": ValueMappingResult(text="läuft", color="green"),
                        }
                    )
                ]
            )
    else:
        builder = (
            timeseries.Panel()
            .line_width(1)
            .fill_opacity(10)
            .legend(
                common.VizLegendOptions()
                .display_mode(LegendDisplayMode.LIST)
                .placement(LegendPlacement.BOTTOM)
                .show_legend(True)
            )
            .tooltip(common.VizTooltipOptions().mode(TooltipDisplayMode.MULTI).sort(SortOrder.DESCENDING))
        )
    builder = (
        builder.title(panel.title)
        .description(panel.description)
        .datasource(DATASOURCE)
        .unit(panel.unit)
        .height(8)
        .span(panel.width)
        .thresholds(
            dashboard.ThresholdsConfig().mode(ThresholdsMode.ABSOLUTE).steps([Threshold(value=None, color="green")])
        )
    )
    for ref, (expr, legend) in zip("ABCDEFGH", panel.queries, strict=False):
        builder = builder.with_target(
            prometheus.Dataquery().expr(expr).legend_format(legend).ref_id(ref).datasource(DATASOURCE)
        )
    return builder


def build_dashboard(uid: str, title: str, description: str, rows: list[Row]) -> dict[str, object]:
    board = (
        dashboard.Dashboard(title)
        .uid(uid)
        .description(description)
        .tags(["quartier"])
        .time("now-1h", "now")
        .refresh("30s")
        .timezone("Europe/Berlin")
        .tooltip(DashboardCursorSync.CROSSHAIR)
        .readonly()
    )
    board = board.link(
        dashboard.DashboardLink("Quartier").type(DashboardLinkType.DASHBOARDS).tags(["quartier"]).as_dropdown(True)
    )
    for row in rows:
        board = board.with_row(dashboard.Row(row.title))
        for panel in row.panels:
            board = board.with_panel(build_panel(panel))
    encoded: dict[str, object] = json.loads(json.dumps(board.build(), cls=JSONEncoder))
    return encoded


def dashboards() -> dict[str, dict[str, object]]:
    out = {
        "quartier-overview.json": build_dashboard(
            "quartier-overview",
            "Quartier – Überblick",
            "Alle Dienste: erreichbar, Fehler, Rückstände, Outbox, Dead Letters und verpasste Fristen.",
            overview_rows(),
        )
    }
    for service in SERVICES:
        rows = [http_row(service), events_row(service), process_row(service)]
        if service in BUSINESS:
            rows.append(Row("Fachliche Kennzahlen", BUSINESS[service]))
        out[f"quartier-{service}.json"] = build_dashboard(
            f"quartier-{service}",
            f"Quartier – {SERVICE_TITLES[service]}",
            f"Der Dienst {service}: HTTP, Ereignisse, Datenbank-Pool, Prozess und fachliche Kennzahlen.",
            rows,
        )
    return out


def render(board: dict[str, object]) -> str:
    return json.dumps(board, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for name, board in dashboards().items():
        path = OUT / name
        text = render(board)
        if check:
            if not path.exists() or path.read_text() != text:
                stale.append(name)
        else:
            OUT.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    if stale:
        print(f"veraltet (bitte `uv run python infra/grafana/generate.py`): {', '.join(stale)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
