"""The figures of the operations page (/betrieb): the Prometheus queries, the rows of the page and the small
charts of the last hour as SVG polyline points. Pure."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

SERVICE_TITLES = {
    "registry": "Register",
    "planning": "Jahresplanung",
    "invitations": "Einladungen",
    "reporting": "Berichte",
    "gateway": "Gateway (diese Oberfläche)",
}
HOUR = dt.timedelta(hours=1)
STEP_SECONDS = 30
CHART_WIDTH, CHART_HEIGHT = 120, 32

# Now: one value per service (job) or consumer group.
Q_UP = "up"
Q_BACKLOG = "max by (job) (quartier_outbox_backlog_events)"
Q_BACKLOG_AGE = "max by (job) (quartier_outbox_oldest_unpublished_age_seconds)"
Q_DEAD_HOUR = "sum by (job) (increase(quartier_events_dead_lettered_total[1h]))"
# The lag of each consumer group on each topic, from the broker's group offsets as the topic's owner
# reports them (it keeps counting while the consumer is down); summed over partitions.
Q_GROUP_LAG = "max by (group, topic) (sum without (partition) (quartier_consumer_group_lag_messages))"
# The last hour, one point every 30 s.
R_BACKLOG = Q_BACKLOG
R_DEAD = "sum by (job) (increase(quartier_events_dead_lettered_total[5m]))"
R_GROUP_LAG = "sum by (group) (max by (group, topic) (sum without (partition) (quartier_consumer_group_lag_messages)))"


@dataclass(frozen=True)
class Chart:
    """A small line chart of one series: SVG polyline points in a 120×32 box and its text equivalent."""

    points: str
    low: float
    high: float
    last: float
    label: str


@dataclass
class ServiceRow:
    name: str
    title: str
    healthy: bool
    ready: bool
    checks: dict[str, bool]
    scraped: bool | None = None
    backlog: float | None = None
    backlog_age: float | None = None
    backlog_chart: Chart | None = None
    lag: float | None = None
    lag_chart: Chart | None = None
    dead_letters: float | None = None
    dead_chart: Chart | None = None


@dataclass
class Alert:
    name: str
    severity: str
    summary: str
    since: dt.datetime | None


@dataclass
class Overview:
    services: list[ServiceRow]
    groups: list[dict[str, Any]] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    prometheus_error: str | None = None


# --- pure helpers ----------------------------------------------------------------------------------------


def chart(points: list[tuple[float, float]], label: str) -> Chart | None:
    """The series (time, value) as polyline points: time left to right over its span, values bottom to
    top between 0 (or the lowest value, if negative) and the highest; ``None`` without points."""
    finite = [(t, v) for t, v in points if math.isfinite(v)]
    if not finite:
        return None
    finite.sort()
    values = [v for _, v in finite]
    low, high = min(min(values), 0.0), max(values)
    t0, t1 = finite[0][0], finite[-1][0]
    span_t = (t1 - t0) or 1.0
    span_v = (high - low) or 1.0
    pad = 2.0
    coords = []
    for t, v in finite:
        x = CHART_WIDTH * (t - t0) / span_t if len(finite) > 1 else 0.0
        y = CHART_HEIGHT - pad - (CHART_HEIGHT - 2 * pad) * (v - low) / span_v
        coords.append(f"{x:.1f},{y:.1f}")
    if len(finite) == 1:
        coords.append(f"{CHART_WIDTH:.1f},{coords[0].split(',')[1]}")
    return Chart(" ".join(coords), min(values), high, values[-1], label)


def number(value: float | None) -> str:
    """A count for the page: German digit grouping, no decimals; a dash without a value."""
    if value is None or not math.isfinite(value):
        return "–"
    return f"{round(value):,}".replace(",", ".")


def duration(seconds: float | None) -> str:
    if seconds is None or not math.isfinite(seconds) or seconds < 1:
        return ""
    if seconds < 120:
        return f"{round(seconds)} Sekunden"
    if seconds < 7200:
        return f"{round(seconds / 60)} Minuten"
    return f"{round(seconds / 3600)} Stunden"


def service_of_group(group: str, topic_prefix: str = "") -> str:
    """The service a consumer group belongs to: groups are named ``<service>.<what it reads>``."""
    return group.removeprefix(topic_prefix).split(".", 1)[0]


def add_series(series: list[list[tuple[float, float]]]) -> list[tuple[float, float]]:
    """Point-wise sum of series sampled at the same steps (a missing point counts as 0)."""
    total: dict[float, float] = defaultdict(float)
    for points in series:
        for t, v in points:
            total[t] += v
    return sorted(total.items())
