"""Operations: the Grafana dashboards are generated (and up to date), provisioned for docker compose, and
every panel's query returns data from a real Prometheus scraping the running services."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import httpx
import yaml

from tests.support.helpers import eventually
from tests.support.prometheus import Prometheus
from tests.support.stack import ROOT, Stack

GRAFANA = ROOT / "infra" / "grafana"
SERVICES = ("registry", "planning", "invitations", "reporting", "gateway")


def dashboards() -> dict[str, dict[str, Any]]:
    return {p.name: json.loads(p.read_text()) for p in sorted((GRAFANA / "dashboards").glob("*.json"))}


def panels(board: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for panel in board.get("panels", []):
        found.append(panel)
        found.extend(panel.get("panels", []))  # panels of collapsed rows
    return [p for p in found if p.get("type") != "row"]


def test_the_dashboards_are_generated_from_the_current_generator() -> None:
    check = subprocess.run(
        [sys.executable, str(GRAFANA / "generate.py"), "--check"], capture_output=True, timeout=120, cwd=ROOT
    )
    assert check.returncode == 0, check.stderr.decode()
    names = set(dashboards())
    assert names == {"quartier-overview.json", *(f"quartier-{s}.json" for s in SERVICES)}


def test_the_dashboards_are_provisioned_with_their_data_source() -> None:
    datasources = yaml.safe_load((GRAFANA / "provisioning" / "datasources" / "prometheus.yml").read_text())
    uids = {d["uid"] for d in datasources["datasources"]}
    for name, board in dashboards().items():
        assert board["uid"] == Path(name).stem
        for panel in panels(board):
            assert panel["datasource"]["uid"] in uids, (name, panel["title"])
            assert panel["targets"], (name, panel["title"])
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    grafana = compose["services"]["grafana"]
    assert "./infra/grafana/provisioning:/etc/grafana/provisioning:ro" in grafana["volumes"]
    provider = yaml.safe_load((GRAFANA / "provisioning" / "dashboards" / "quartier.yml").read_text())
    path = provider["providers"][0]["options"]["path"]
    assert any(v.startswith("./infra/grafana/dashboards:" + path) for v in grafana["volumes"])


async def test_every_panel_query_returns_data_from_the_live_prometheus(stack: Stack, prometheus: Prometheus) -> None:
    # an event through the platform, so that every consumer group has committed offsets
    response = httpx.put(
        f"{stack.url('registry')}/api/v1/social-areas/bockum-hoevel/community-centre",
        json={"name": f"Stadtteilzentrum Bockum-Hövel ({uuid.uuid4().hex[:6]})"},
        headers={"X-Quartier-Actor": "test"},
    )
    assert response.status_code == 200, response.text
    queries = [
        (name, panel["title"], target["expr"])
        for name, board in dashboards().items()
        for panel in panels(board)
        for target in panel["targets"]
    ]
    assert len(queries) > 40
    empty: list[tuple[str, str, str]] = []
    for name, title, expr in queries:

        async def answered(expr: str = expr) -> list[dict[str, Any]]:
            return prometheus.query(expr)

        try:
            await eventually(answered, timeout=40, interval=1)
        except AssertionError:
            empty.append((name, title, expr))
    assert empty == [], "panels without data: " + json.dumps(empty, indent=1, ensure_ascii=False)
