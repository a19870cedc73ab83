"""Controlling in reporting through the real stack (issue 8): a target agreement concluded and reported in
planning, a measure of a Jahresplan pointing to it, social data imported in the registry, all reaching the
Gesamtbericht (figures equal to the reported and imported values, the measure as a ref) and the status
board (the agreement whose reports are overdue), built only from the events.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
import pytest

from quartier_reporting.db.read_models import snapshot
from tests.support import planning_cycle as cycle
from tests.support.helpers import connect_as, eventually
from tests.support.stack import Stack

planning = cycle.planning
planning_db = cycle.planning_db
ready = cycle.ready
HEADERS = {"X-Quartier-Actor": "lenkungskreis"}
PROVIDER = {"X-Quartier-Actor": "traeger.test"}
AREA = "uentrop"
SOURCE = "Statistikstelle der Stadt Hamm (Testdaten)"
CONTROLLING_TABLES = ("agreements", "agreement_reports", "social_data", "plan_measures")


@pytest.fixture(scope="module")
def reporting(stack: Stack) -> str:
    stack.start("reporting")
    return f"{stack.url('reporting')}/api/v1"


async def _past_year(ready: dict[str, Any]) -> int:
    """A past year without plans of the area in it (the database may outlive test runs)."""
    year: int = await ready["db"].fetchval(
        """SELECT y FROM generate_series(2004, 2020) y
           WHERE NOT EXISTS (SELECT 1 FROM plans WHERE social_area_key = $1 AND year = y)
           ORDER BY random() LIMIT 1""",
        AREA,
    )
    return year


def _agreement(ready: dict[str, Any], year: int, title: str) -> dict[str, Any]:
    return {
        "title": title,
        "provider_actor_id": ready["actors"][0],
        "year": year,
        "social_area_keys": [AREA],
        "field_of_action": ready["field"],
        "responsible_department": "Amt für Soziales, Wohnen und Pflege",
        "targets": [
            {"indicator": "Quartiersspaziergänge mit Älteren", "target_value": 12, "unit": "Spaziergänge"},
            {"indicator": "Beratungsgespräche", "target_value": 250, "unit": "Gespräche"},
        ],
    }


def _social_csv(year: int, residents: tuple[int, int], poverty: tuple[str, str]) -> str:
    lines = ["# Testdatei Controlling", "jahr;ebene;schluessel;indikator;wert;quelle;stand"]
    for y, r, p in ((year - 1, residents[0], poverty[0]), (year, residents[1], poverty[1])):
        lines.append(f"{y};sozialraum;{AREA};einwohner;{r};{SOURCE};31.12.{y}")
        lines.append(f"{y};sozialraum;{AREA};kinderarmut;{p};{SOURCE};31.12.{y}")
    return "\n".join(lines) + "\n"


async def test_agreements_measures_and_social_data_reach_the_report_and_the_board(
    stack: Stack, planning: str, ready: dict[str, Any], reporting: str, env: dict[str, str]
) -> None:
    year = await _past_year(ready)
    async with httpx.AsyncClient(timeout=30) as client:
        created = await client.post(
            f"{planning}/agreements",
            json=_agreement(ready, year, f"Quartiersentwicklung Uentrop {year}"),
            headers=HEADERS,
        )
        assert created.status_code == 201, created.text
        agreement = created.json()
        first, second = (t["id"] for t in agreement["targets"])
        for period, values, delivered in (
            ("mid_year", (5, 118), f"{year}-08-20"),
            ("year_end", (11, 262.5), f"{year + 1}-03-15"),
        ):
            reported = await client.post(
                f"{planning}/agreements/{agreement['id']}/reports",
                json={
                    "period": period,
                    "values": [{"target_id": first, "value": values[0]}, {"target_id": second, "value": values[1]}],
                    "narrative": "Bericht des Trägers.",
                    "delivered_on": delivered,
                },
                headers=PROVIDER,
            )
            assert reported.status_code == 201, reported.text
        silent = await client.post(
            f"{planning}/agreements", json=_agreement(ready, year, f"Seniorenberatung Uentrop {year}"), headers=HEADERS
        )
        assert silent.status_code == 201, silent.text
        silent_id = silent.json()["id"]

        plan = await cycle.new_plan(client, planning, AREA, year)
        added = await client.post(
            f"{planning}/plans/{plan['id']}/measures",
            json=cycle.measure(ready, year, title="Quartiersspaziergang", agreement_id=agreement["id"]),
            headers=HEADERS,
        )
        assert added.status_code == 201, added.text
        measure_id = added.json()["measure_id"]

        imported = await client.post(
            f"{stack.url('registry')}/api/v1/social-data/imports",
            content=_social_csv(year, (34810, 35022), ("14,2", "15,7")),
            headers={"X-Quartier-Actor": "test-statistik", "Content-Type": "text/csv; charset=utf-8"},
        )
        assert imported.status_code == 201, imported.text

        async def complete() -> dict[str, Any] | None:
            response = await client.get(f"{reporting}/reports/{year}")
            assert response.status_code == 200, response.text
            report: dict[str, Any] = response.json()
            area = next(a for a in report["areas"] if a["social_area_key"] == AREA)
            shown = {a["agreement_id"]: a for a in area["agreements"]}
            if agreement["id"] not in shown or silent_id not in shown:
                return None
            mine = shown[agreement["id"]]
            if not mine["measures"] or any(t["year_end"] is None for t in mine["targets"]):
                return None
            points = {s["indicator"]: s["points"] for s in area["social_data"]}
            if [p["value"] for p in points.get("einwohner", [])] != [34810, 35022]:
                return None
            return report

        report = await eventually(complete, timeout=90, interval=1)
        area = next(a for a in report["areas"] if a["social_area_key"] == AREA)
        mine = next(a for a in area["agreements"] if a["agreement_id"] == agreement["id"])
        assert [(t["indicator"], t["target_value"], t["mid_year"], t["year_end"]) for t in mine["targets"]] == [
            ("Quartiersspaziergänge mit Älteren", 12, 5, 11),
            ("Beratungsgespräche", 250, 118, 262.5),
        ]
        assert mine["measures"] == [
            {
                "kind": "measure",
                "id": measure_id,
                "social_area_key": AREA,
                "label": "Quartiersspaziergang",
                "plan_id": plan["id"],
            }
        ]
        assert [(r["period"], r["status"]) for r in mine["reports"]] == [
            ("mid_year", "delivered"),
            ("year_end", "delivered"),
        ]
        assert mine["overdue_reports"] == []
        city = {a["agreement_id"]: a for a in report["city"]["agreements"]}
        assert city[agreement["id"]] == mine
        silent_shown = next(a for a in area["agreements"] if a["agreement_id"] == silent_id)
        assert [o["period"] for o in silent_shown["overdue_reports"]] == ["mid_year", "year_end"]

        series = {s["indicator"]: s for s in area["social_data"]}
        assert [(p["year"], p["value"], p["source"]) for p in series["kinderarmut"]["points"]] == [
            (year - 1, 14.2, SOURCE),
            (year, 15.7, SOURCE),
        ]
        assert [(p["year"], p["value"]) for p in series["einwohner"]["points"]] == [(year - 1, 34810), (year, 35022)]
        assert f"chart-{year}-social-einwohner" in {c["id"] for c in report["charts"]}

        as_csv = await client.get(f"{reporting}/reports/{year}.csv", params={"draft": "true"})
        rows = list(csv.DictReader(io.StringIO(as_csv.text, newline="")))
        values = {(r["area"], r["dimension"], r["key"]): r["value"] for r in rows}
        assert values[(AREA, "agreements", f"{agreement['id']}/{second}/year_end")] == "262.5"
        assert values[(AREA, "agreements", f"{agreement['id']}/{first}/target_value")] == "12"
        social = await client.get(f"{reporting}/reports/{year}/social-data.csv", params={"draft": "true"})
        assert social.status_code == 200 and social.headers["content-type"].startswith("text/csv")
        social_rows = {(r["area"], r["key"]): r["value"] for r in csv.DictReader(io.StringIO(social.text, newline=""))}
        assert social_rows[(AREA, f"kinderarmut/{year}")] == "15.7"

        board = (await client.get(f"{reporting}/board", params={"year": year})).json()
        on_board = next(a for a in board["areas"] if a["social_area_key"] == AREA)["overdue_agreement_reports"]
        overdue = [(o["agreement_id"], o["period"], o["due_on"]) for o in on_board]
        assert (silent_id, "mid_year", f"{year}-08-31") in overdue
        assert (silent_id, "year_end", f"{year + 1}-03-31") in overdue
        assert not any(o[0] == agreement["id"] for o in overdue)

        # a rebuild replays the controlling topics too: the rebuilt rows equal the incrementally built ones
        conn = await connect_as(env, "reporting")
        try:
            before = await snapshot(conn, CONTROLLING_TABLES)
            rebuilt = await client.post(f"{reporting}/admin/rebuild", headers=HEADERS)
            assert rebuilt.status_code == 200, rebuilt.text
            after = await snapshot(conn, CONTROLLING_TABLES)
            linked = await conn.fetchval("SELECT agreement_id FROM plan_measures WHERE measure_id = $1", measure_id)
        finally:
            await conn.close()
        assert str(linked) == agreement["id"]
        for table in CONTROLLING_TABLES:
            assert after[table] == before[table], table
