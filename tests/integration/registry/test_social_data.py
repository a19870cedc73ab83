"""The social data import through the registry's real API, with its events on the real broker.

The session's registry runs with the demo data on, so the invented figures 2023–2025 of every Sozialraum
are there. The tests import their own figures for years before the demo data (a year without any figure
yet, so a test database kept between runs still works).
"""

from __future__ import annotations

import json
from typing import Any

import asyncpg
import httpx

from quartier_shared.events.topics import REGISTRY_SOCIAL_DATA
from tests.support.helpers import eventually
from tests.support.kafka import header, read_topic
from tests.support.stack import Stack

ACTOR = {"X-Quartier-Actor": "test-statistik", "Content-Type": "text/csv; charset=utf-8"}
HEADER = "jahr;ebene;schluessel;indikator;wert;quelle;stand"
SOURCE = "Statistikstelle der Stadt Hamm"
EVENT = "quartier.registry.SocialDataImported.v1"


def csv_for(year: int, child_poverty: str, residents: int) -> str:
    return "\n".join(
        [
            "# Testdatei",
            HEADER,
            f"{year};sozialraum;westen;einwohner;{residents};{SOURCE};31.12.{year}",
            f"{year};sozialraum;westen;kinderarmut;{child_poverty};{SOURCE};31.12.{year}",
            f"{year};wohnbereich;14;kinderarmut;22,5;{SOURCE};31.12.{year}",
            f"{year};sozialraum;norden;sgb2_quote;12,0;{SOURCE};31.12.{year}",
        ]
    )


async def _events(stack: Stack, year: int) -> list[dict[str, Any]]:
    records = await read_topic(stack.env["QUARTIER_KAFKA_BOOTSTRAP"], stack.topic_prefix + REGISTRY_SOCIAL_DATA.name)
    out = []
    for r in records:
        if header(r, "ce_type") != EVENT:
            continue
        data = json.loads(r.value)
        if data["year"] == year:
            out.append({"key": r.key.decode() if r.key else None, "data": data})
    return out


async def _series(client: httpx.AsyncClient, key: str, year: int) -> dict[str, Any]:
    response = await client.get("/api/v1/social-data", params={"social_area_key": key, "year": year})
    assert response.status_code == 200, response.text
    (area,) = response.json()
    return dict(area)


async def free_year(registry_db: asyncpg.Connection) -> int:
    """A year before the demo data without any figure yet (the test database may be kept between runs)."""
    year: int = await registry_db.fetchval(
        """SELECT y FROM generate_series(1990, 2019) y
            WHERE NOT EXISTS (SELECT 1 FROM social_data_values WHERE year = y)
            ORDER BY random() LIMIT 1"""
    )
    return year


async def test_a_valid_file_is_imported_announced_and_a_reimport_keeps_history(
    stack: Stack, registry_db: asyncpg.Connection
) -> None:
    year = await free_year(registry_db)
    async with httpx.AsyncClient(base_url=stack.url("registry")) as client:
        before = await registry_db.fetchval("SELECT count(*) FROM social_data_history")
        first = await client.post("/api/v1/social-data/imports", content=csv_for(year, "19,5", 38000), headers=ACTOR)
        assert first.status_code == 201, first.text
        body = first.json()
        assert (body["rows"], body["created"], body["replaced"], body["unchanged"]) == (4, 4, 0, 0)
        westen = await _series(client, "westen", year)
        by_key = {s["indicator"]: s for s in westen["series"]}
        assert by_key["kinderarmut"]["points"] == [
            {"year": year, "value": 19.5, "source": SOURCE, "as_of": f"{year}-12-31"}
        ]
        assert by_key["einwohner"]["points"][0]["value"] == 38000
        (wb14,) = westen["residential_areas"]
        assert wb14["number"] == 14 and wb14["series"][0]["points"][0]["value"] == 22.5

        # The same year again with two changed figures: replaced, the old ones kept as history.
        second = await client.post("/api/v1/social-data/imports", content=csv_for(year, "18,1", 38100), headers=ACTOR)
        assert second.status_code == 201, second.text
        assert (second.json()["replaced"], second.json()["unchanged"]) == (2, 2)
        assert second.json()["announced"] == [f"westen/{year}"]
        history = await registry_db.fetch(
            "SELECT indicator, value FROM social_data_history"
            " WHERE year = $1 AND area_key = 'westen' ORDER BY indicator",
            year,
        )
        assert [(h["indicator"], float(h["value"])) for h in history] == [("einwohner", 38000.0), ("kinderarmut", 19.5)]
        assert await registry_db.fetchval("SELECT count(*) FROM social_data_history") == before + 2
        westen = await _series(client, "westen", year)
        assert {s["indicator"]: s["points"][0]["value"] for s in westen["series"]} == {
            "einwohner": 38100,
            "kinderarmut": 18.1,
        }

    async def announced() -> list[dict[str, Any]]:
        events = await _events(stack, year)
        westen = [e for e in events if e["key"] == "social-area/westen"]
        return events if len(westen) >= 2 and any(e["key"] == "social-area/norden" for e in events) else []

    events = await eventually(announced)
    latest = [e["data"] for e in events if e["key"] == "social-area/westen"][-1]
    assert latest["social_area_key"] == "westen"
    assert {v["indicator"]: v["value"] for v in latest["values"]} == {"einwohner": 38100.0, "kinderarmut": 18.1}
    assert latest["residential_areas"] == [
        {
            "number": 14,
            "values": [
                {"indicator": "kinderarmut", "value": 22.5, "unit": "%", "source": SOURCE, "as_of": f"{year}-12-31"}
            ],
        }
    ]
    assert latest["values"][0]["source"] == SOURCE
    # aggregated figures only: nothing in the event names a person
    assert set(latest) == {"import_id", "social_area_key", "year", "values", "residential_areas"}


async def test_a_broken_file_names_its_line_and_imports_nothing(stack: Stack, registry_db: asyncpg.Connection) -> None:
    year = await free_year(registry_db)
    lines = csv_for(year, "19,5", 38000).split("\n")
    lines[4] = f"{year};wohnbereich;99;kinderarmut;22,5;{SOURCE};31.12.{year}"  # line 5: unknown Wohnbereich
    lines.append(f"{year};sozialraum;mitte;einwohner;viele;{SOURCE};31.12.{year}")  # line 7: not a number
    imports_before = await registry_db.fetchval("SELECT count(*) FROM social_data_imports")
    async with httpx.AsyncClient(base_url=stack.url("registry")) as client:
        response = await client.post("/api/v1/social-data/imports", content="\n".join(lines), headers=ACTOR)
        assert response.status_code == 422, response.text
        lines = response.json()["lines"]
        assert [d["line"] for d in lines] == [5, 7]
        assert "Wohnbereich „99“ ist nicht bekannt" in lines[0]["message"]
        assert "„viele“ ist keine Zahl" in lines[1]["message"]
        # nothing half-imported: the valid lines 3, 4 and 6 are not there either
        for key in ("westen", "norden", "mitte"):
            area = await _series(client, key, year)
            assert area["series"] == [] and area["residential_areas"] == []
    assert await registry_db.fetchval("SELECT count(*) FROM social_data_values WHERE year = $1", year) == 0
    assert await registry_db.fetchval("SELECT count(*) FROM social_data_imports") == imports_before
    assert await _events(stack, year) == []


async def test_the_demo_figures_and_the_catalogue_are_served(stack: Stack) -> None:
    async with httpx.AsyncClient(base_url=stack.url("registry")) as client:
        catalogue = (await client.get("/api/v1/social-data/indicators")).json()
        assert [i["key"] for i in catalogue][:3] == ["einwohner", "einwohner_unter_18", "einwohner_ab_65"]
        assert {i["unit"] for i in catalogue} == {"Personen", "%"}
        assert any(i["name"] == "Kinderarmut (SGB II unter 15 Jahren)" for i in catalogue)
        areas = (await client.get("/api/v1/social-data")).json()
        assert len(areas) == 9
        for area in areas:
            assert {2023, 2024, 2025} <= set(area["years"])
            demo = [
                s for s in area["series"] if any(p["source"] == "Fiktive Demodaten (erfunden)" for p in s["points"])
            ]
            assert len(demo) == 7
            assert area["residential_areas"]
        unknown = await client.get("/api/v1/social-data", params={"social_area_key": "atlantis"})
        assert unknown.status_code == 404
