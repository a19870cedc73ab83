"""The Sozialdaten pages and the panel next to each Jahresplan, through the whole ASGI stack, with the fake
registry of conftest.py extended by the social data API (JSON as in quartier_registry/api/social_data.py)
and the fake planning service of test_plans_pages.py."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from quartier_gateway.app import Transports, build_app
from quartier_gateway.social_data.pages import area_view, sparkline, trend_word
from quartier_gateway.web.format import german_number

from ..conftest import FakeRegistry, csrf_from, login_as, problem
from ..plans.test_plans_pages import FakePlanning
from ..test_pages import assert_accessible_page

SOURCE = "Statistikstelle der Stadt Hamm"


def point(year: int, value: float) -> dict[str, Any]:
    return {"year": year, "value": value, "source": SOURCE, "as_of": f"{year}-12-31"}


def westen_data() -> dict[str, Any]:
    return {
        "social_area_key": "westen",
        "social_area_name": "Sozialraum Hammer Westen",
        "years": [2023, 2024, 2025],
        "series": [
            {
                "indicator": "einwohner",
                "name": "Einwohner:innen",
                "unit": "Personen",
                "points": [point(2023, 38025), point(2024, 38176), point(2025, 38327)],
            },
            {
                "indicator": "kinderarmut",
                "name": "Kinderarmut (SGB II unter 15 Jahren)",
                "unit": "%",
                "points": [point(2023, 19.9), point(2024, 19.3), point(2025, 18.8)],
            },
        ],
        "residential_areas": [
            {
                "number": 14,
                "name": "Westen",
                "series": [
                    {
                        "indicator": "sgb2_quote",
                        "name": "Anteil im SGB-II-Bezug",
                        "unit": "%",
                        "points": [point(2024, 11.0), point(2025, 10.4)],
                    }
                ],
            }
        ],
    }


class FakeSocialData:
    def __init__(self, registry: FakeRegistry) -> None:
        self.registry = registry
        self.down = False
        self.imports: list[tuple[bytes, str | None, str | None]] = []
        self.refuse_lines: list[dict[str, Any]] = []

    def handler(self, request: httpx.Request) -> httpx.Response:
        if not request.url.path.startswith("/api/v1/social-data"):
            return self.registry.handler(request)
        if self.down:
            raise httpx.ConnectError("connection refused", request=request)
        if request.url.path == "/api/v1/social-data/imports":
            self.imports.append(
                (request.content, request.headers.get("content-type"), request.headers.get("x-quartier-actor"))
            )
            if self.refuse_lines:
                detail = "Die Datei wurde nicht übernommen."
                return problem(422, detail, lines=self.refuse_lines)
            body = {"import_id": None, "rows": 4, "created": 3, "replaced": 1, "unchanged": 0, "announced": []}
            return httpx.Response(201, json=body)
        key = request.url.params.get("social_area_key")
        if key == "westen":
            return httpx.Response(200, json=[westen_data()])
        if key in {a["key"] for a in self.registry.areas}:
            area = next(a for a in self.registry.areas if a["key"] == key)
            empty = {"social_area_key": key, "social_area_name": area["name"], "years": []}
            return httpx.Response(200, json=[{**empty, "series": [], "residential_areas": []}])
        return problem(404, "Sozialraum ist nicht bekannt.")


@pytest.fixture
def social(registry: FakeRegistry) -> FakeSocialData:
    return FakeSocialData(registry)


@pytest.fixture
def planning() -> FakePlanning:
    return FakePlanning()


@pytest.fixture
async def sclient(registry, store, settings, planning, social) -> AsyncIterator[httpx.AsyncClient]:
    app = build_app(
        settings,
        transports=Transports(
            registry=httpx.MockTransport(social.handler), planning=httpx.MockTransport(planning.handler)
        ),
        auth_store=store,
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway.test") as c:
        yield c


def test_numbers_are_german_and_the_sparkline_spans_its_box() -> None:
    assert german_number(38327, "Personen") == "38.327"
    assert german_number(18.8, "%") == "18,8 %"
    assert german_number(10, "%") == "10,0 %"
    assert sparkline([1.0]) is None
    spark = sparkline([19.9, 19.3, 18.8])
    assert spark is not None
    xs, ys = zip(*[tuple(map(float, p.split(","))) for p in spark["points"].split()], strict=True)
    assert xs[0] < xs[1] < xs[2] and ys[0] < ys[2]  # falling values go down (SVG y grows downwards)
    assert min(ys) >= 0 and max(ys) <= spark["height"] and max(xs) <= spark["width"]
    flat = sparkline([5.0, 5.0])
    assert flat is not None and flat["points"] == "3.0,14.0 93.0,14.0"
    gap = sparkline([1.0, 2.0, 3.0], [2000, 2024, 2025])
    assert gap is not None and gap["points"].split()[1].startswith("89.4,")  # 2024 stands near 2025
    assert trend_word(1, 2) == "gestiegen" and trend_word(2, 1) == "gesunken" and trend_word(1, 1) == "gleich geblieben"


def test_the_view_names_the_trend_in_words_and_the_newest_source() -> None:
    view = area_view(westen_data())
    poverty = view["rows"][1]
    assert poverty["cells"] == ["19,9 %", "19,3 %", "18,8 %"]
    assert poverty["label"] == (
        "Verlauf Kinderarmut (SGB II unter 15 Jahren): von 19,9 % (2023) auf 18,8 % (2025) gesunken"
    )
    assert view["sources"] == [f"{SOURCE}, Stand 31.12.2025"]
    (wb,) = view["residential_areas"]
    assert wb["rows"][0]["cells"] == ["–", "11,0 %", "10,4 %"]


async def test_the_plan_page_shows_the_areas_indicators_with_their_trend(
    sclient: httpx.AsyncClient, planning: FakePlanning, structure
) -> None:
    plan = planning.add("westen")
    await login_as(sclient, "koordination.westen")
    page = await sclient.get(f"/jahresplaene/{plan['id']}")
    assert page.status_code == 200, page.text
    html = page.text
    assert "Sozialdaten: Sozialraum Hammer Westen" in html
    panel = html[html.index('id="sozialdaten"') : html.index('id="massnahmen"')]
    assert "Kinderarmut (SGB II unter 15 Jahren)" in panel and "18,8 %" in panel and "38.327" in panel
    assert re.search(
        r'<svg class="q-sparkline"[^>]*role="img"[^>]*aria-label="Verlauf Kinderarmut[^"]*gesunken"', panel
    )
    assert f"Quelle: {SOURCE}, Stand 31.12.2025" in panel
    assert "Wohnbereich 14" not in panel  # the plan shows the area; the Wohnbereiche are on /sozialdaten
    assert_accessible_page(html, structure)


async def test_the_plan_page_still_works_when_the_social_data_are_unreachable(
    sclient: httpx.AsyncClient, planning: FakePlanning, social: FakeSocialData
) -> None:
    plan = planning.add("westen")
    social.down = True
    await login_as(sclient, "koordination.westen")
    page = await sclient.get(f"/jahresplaene/{plan['id']}")
    assert page.status_code == 200
    assert "Die Sozialdaten sind gerade nicht erreichbar" in page.text
    assert "Maßnahmen" in page.text


async def test_an_area_without_figures_says_so(sclient: httpx.AsyncClient, planning: FakePlanning) -> None:
    plan = planning.add("norden")
    await login_as(sclient, "admin")
    page = await sclient.get(f"/jahresplaene/{plan['id']}")
    assert "Für diesen Sozialraum liegen noch keine Sozialdaten vor." in page.text


async def test_the_read_page_shows_the_area_and_its_residential_areas(sclient: httpx.AsyncClient, structure) -> None:
    await login_as(sclient, "bezirk.mitte")
    page = await sclient.get("/sozialdaten?sozialraum=westen")
    assert page.status_code == 200
    assert "Wohnbereich 14 – Westen" in page.text and "10,4 %" in page.text
    assert "/sozialdaten/import" not in page.text  # the import is for administrators
    assert_accessible_page(page.text, structure)
    assert (await sclient.get("/sozialdaten/import")).status_code == 403


async def test_the_public_page_shows_the_aggregated_figures_without_login(sclient: httpx.AsyncClient) -> None:
    page = await sclient.get("/oeffentlich/sozialraeume/westen")
    assert page.status_code == 200
    assert "Sozialdaten: Sozialraum Hammer Westen" in page.text
    assert "keine Angaben zu einzelnen Personen" in page.text
    assert "18,8 %" in page.text
    assert "Wohnbereich 14 – Westen" not in page.text


async def test_the_import_forwards_the_file_and_lists_broken_lines_in_german(
    sclient: httpx.AsyncClient, social: FakeSocialData, structure
) -> None:
    await login_as(sclient, "admin")
    form = await sclient.get("/sozialdaten/import")
    assert form.status_code == 200
    assert_accessible_page(form.text, structure)
    data = "jahr;ebene;schluessel;indikator;wert;quelle;stand\n2025;sozialraum;westen;einwohner;1;Amt;31.12.2025\n"
    social.refuse_lines = [
        {"line": 5, "message": "schluessel: Wohnbereich „99“ ist nicht bekannt."},
        {"line": 7, "message": "wert: „viele“ ist keine Zahl."},
    ]
    refused = await sclient.post(
        "/sozialdaten/import",
        data={"csrf_token": csrf_from(form.text)},
        files={"datei": ("sozialdaten.csv", data.encode(), "text/csv")},
    )
    assert refused.status_code == 422
    assert "Die Datei wurde nicht übernommen: 2 Zeilen sind fehlerhaft" in refused.text
    assert "<strong>Zeile 5:</strong> schluessel: Wohnbereich „99“ ist nicht bekannt." in refused.text
    assert "Es wurde nichts gespeichert." in refused.text
    assert_accessible_page(refused.text, structure)
    assert social.imports[-1] == (data.encode(), "text/csv; charset=utf-8", "admin")

    social.refuse_lines = []
    done = await sclient.post(
        "/sozialdaten/import",
        data={"csrf_token": csrf_from(form.text)},
        files={"datei": ("sozialdaten.csv", data.encode(), "text/csv")},
    )
    assert done.status_code == 200
    assert "4 Werte geprüft: 3 neu, 1 ersetzt" in done.text

    empty = await sclient.post("/sozialdaten/import", data={"csrf_token": csrf_from(form.text)})
    assert empty.status_code == 422 and "Bitte wählen Sie eine CSV-Datei aus." in empty.text
