"""The reporting pages (/lagebild, /berichte, /berichte/{jahr}, its files and entries, /auswertungen, the public
page of a Sozialraum) through the whole ASGI stack, with a fake reporting service (JSON as in the contract of
issue 6: board, distributions, reports, files, publish, public read model) and the fake registry of
conftest.py."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from quartier_gateway.app import Transports, build_app
from quartier_gateway.auth.db.repository import AccountRecord

from ..conftest import csrf_from, hamm_social_areas, login_as, password_hash, problem
from ..test_pages import assert_accessible_page as assert_page_structure

YEAR = 2031
PLAN_WESTEN = "a1111111-1111-4111-8111-111111111111"
PLAN_NORDEN = "a2222222-2222-4222-8222-222222222222"
MEASURE_W = "b1111111-1111-4111-8111-111111111111"
MEASURE_N = "b2222222-2222-4222-8222-222222222222"
NEED_W = "c1111111-1111-4111-8111-111111111111"
COUNCIL_NEED_W = "c2222222-2222-4222-8222-222222222222"
MEETING_W = "d1111111-1111-4111-8111-111111111111"
OFFER_W = "e1111111-1111-4111-8111-111111111111"
PELKUM_PASSWORD = "pelkum-passwort-1"


def assert_accessible_page(html: str, structure: Any) -> None:
    """The gateway's structure checks, without the charts' own SVG <title> elements."""
    assert_page_structure(re.sub(r"<svg.*?</svg>", "", html, flags=re.S), structure)


def ref(kind: str, ident: str, area: str, label: str, plan_id: str | None = None, amount: int = 1) -> dict[str, Any]:
    return {"kind": kind, "id": ident, "social_area_key": area, "label": label, "plan_id": plan_id, "amount": amount}


AGREEMENT: dict[str, Any] = {
    "agreement_id": "5b0b4a4e-1d5f-4c53-9a57-5c1f0f6d2b11",
    "title": "Stadtteilbüro Westen 2031",
    "provider_actor_id": "82a58d0f-dbb7-5018-bd07-0490e813d5f2",
    "social_area_keys": ["westen"],
    "field_of_action": "Bildung",
    "responsible_department": "Amt für Soziales",
    "targets": [
        {
            "target_id": "t1",
            "indicator": "Beratungen",
            "unit": "",
            "target_value": 120.0,
            "mid_year": 64.0,
            "year_end": 131.0,
        },
        {
            "target_id": "t2",
            "indicator": "Anteil Erstkontakte",
            "unit": "%",
            "target_value": 30.0,
            "mid_year": 27.5,
            "year_end": None,
        },
    ],
    "reports": [
        {"period": "mid_year", "due_on": "2031-08-31", "status": "delivered", "delivered_on": "2031-08-20"},
        {"period": "year_end", "due_on": "2032-03-31", "status": "overdue", "delivered_on": None},
    ],
    "overdue_reports": [{"period": "year_end", "due_on": "2032-03-31"}],
    "measures": [
        {"kind": "measure", "id": "m-w", "social_area_key": "westen", "label": "Elterncafé", "plan_id": "p-w"}
    ],
}


def fake_report(year: int, marker: str = "") -> dict[str, Any]:
    """A Report as reporting's JSON serialiser answers it (city first, then the Sozialräume)."""
    areas = hamm_social_areas()
    refs_by_area: dict[str, dict[tuple[str, str], list[dict[str, Any]]]] = {a["key"]: {} for a in areas}
    refs_by_area["westen"] = {
        ("measures_by_field_of_action", "Bildung"): [
            ref("measure", MEASURE_W, "westen", "Elterncafé" + marker, PLAN_WESTEN)
        ],
        ("evaluation_outcomes", "done"): [ref("measure", MEASURE_W, "westen", "Elterncafé" + marker, PLAN_WESTEN)],
        ("needs_funnel", "raised"): [
            ref("need", NEED_W, "westen", "Treffpunkt für Jugendliche"),
            ref("council_need", COUNCIL_NEED_W, "westen", "Mehr Bänke am Markt", PLAN_WESTEN),
        ],
        ("needs_funnel", "taken"): [ref("council_need", COUNCIL_NEED_W, "westen", "Mehr Bänke am Markt", PLAN_WESTEN)],
        ("neighbourhood_conferences", "participants"): [
            ref("meeting", MEETING_W, "westen", "Stadtteilkonferenz Westen am 12.03.2031", amount=23)
        ],
        ("offers_by_field_of_action", "Bildung"): [ref("offer", OFFER_W, "westen", "Sprachcafé International")],
    }
    refs_by_area["norden"] = {
        ("measures_by_field_of_action", "Bildung"): [ref("measure", MEASURE_N, "norden", "Lesepaten", PLAN_NORDEN)],
        ("evaluation_outcomes", "partly"): [ref("measure", MEASURE_N, "norden", "Lesepaten", PLAN_NORDEN)],
    }
    dimensions = {
        "measures_by_field_of_action": ("Maßnahmen nach Handlungsfeld", {"Bildung": "Bildung", "Sport": "Sport"}),
        "evaluation_outcomes": (
            "Evaluation der Maßnahmen",
            {"done": "umgesetzt", "partly": "teilweise umgesetzt", "not_done": "nicht umgesetzt"},
        ),
        "needs_funnel": (
            "Bedarfe: erfasst → in einen Plan aufgenommen → umgesetzt",
            {"raised": "erfasst", "taken": "in einen Plan aufgenommen", "done": "umgesetzt"},
        ),
        "neighbourhood_conferences": ("Stadtteilkonferenzen", {"participants": "Teilnehmende"}),
        "offers_by_field_of_action": ("Angebote nach Handlungsfeld", {"Bildung": "Bildung"}),
    }

    def scope(kind: str, key: str | None, name: str, refs: dict[tuple[str, str], list[dict[str, Any]]]) -> Any:
        sections = []
        for dimension, (title, keys) in dimensions.items():
            figures = []
            for k, label in keys.items():
                counted = refs.get((dimension, k), [])
                figures.append(
                    {
                        "dimension": dimension,
                        "key": k,
                        "label": label,
                        "value": sum(r["amount"] for r in counted),
                        "refs": counted,
                    }
                )
            sections.append({"dimension": dimension, "title": title, "figures": figures})
        return {"scope": kind, "social_area_key": key, "name": name, "plans": [], "sections": sections}

    city_refs: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for per_area in refs_by_area.values():
        for k, v in per_area.items():
            city_refs.setdefault(k, []).extend(v)
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="chart-m-title chart-m-desc">'
        '<title id="chart-m-title">Maßnahmen je Sozialraum</title><desc id="chart-m-desc">Westen: 1</desc></svg>'
    )
    return {
        "year": year,
        "charts": [
            {
                "id": "chart-m",
                "title": f"Maßnahmen je Sozialraum {year}",
                "description": "Westen: 1",
                "columns": ["", "Maßnahmen"],
                "rows": [["Sozialraum Hammer Westen", "1"], ["Sozialraum Hammer Norden", "1"]],
                "svg": svg,
            }
        ],
        "city": {**scope("city", None, "Gesamtstadt", city_refs), "agreements": [AGREEMENT]},
        "areas": [scope("social_area", a["key"], a["name"], refs_by_area[a["key"]]) for a in areas],
    }


class FakeReporting:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, dict[str, str], str | None]] = []
        self.published: dict[int, list[dict[str, Any]]] = {}
        self.frozen: dict[tuple[int, int], dict[str, Any]] = {}
        self.distributions: list[dict[str, Any]] = [
            {
                "plan_id": PLAN_WESTEN,
                "social_area_key": "westen",
                "year": YEAR,
                "kind": "evaluation",
                "distributed_at": "2032-01-20T09:00:00+00:00",
                "district_keys": ["mitte", "pelkum", "herringen"],
                "summary": {
                    "kind": "evaluation",
                    "counts": {"done": 1, "partly": 0, "not_done": 0},
                    "measures": {
                        "done": [{"measure_id": MEASURE_W, "title": "Elterncafé"}],
                        "partly": [],
                        "not_done": [],
                    },
                },
            },
            {
                "plan_id": PLAN_NORDEN,
                "social_area_key": "norden",
                "year": YEAR,
                "kind": "mid_year_review",
                "distributed_at": "2031-07-02T09:00:00+00:00",
                "district_keys": ["bockum-hoevel", "heessen"],
                "summary": {
                    "kind": "mid_year_review",
                    "counts": {"continued": 1},
                    "measures": {"continued": [{"measure_id": MEASURE_N, "title": "Lesepaten", "reason": "läuft gut"}]},
                },
            },
        ]
        self.down = False

    def board(self, year: int) -> dict[str, Any]:
        rows = []
        for a in hamm_social_areas():
            row: dict[str, Any] = {
                "social_area_key": a["key"],
                "name": a["name"],
                "district_keys": [d["key"] for d in a["districts"]],
                "plan": None,
                "next_deadline": None,
                "overdue": [],
                "hearings_open": 0,
                "needs_open": 0,
                "needs_answered": 0,
                "next_conference": None,
            }
            if a["key"] == "westen":
                row.update(
                    plan={"plan_id": PLAN_WESTEN, "state": "presented", "state_name": "vorgelegt", "version": 4},
                    next_deadline={"step": "hearings", "due_on": f"{year - 1}-11-30"},
                    overdue=[{"step": "draft", "due_on": f"{year - 1}-09-30"}],
                    overdue_agreement_reports=[
                        {
                            "agreement_id": AGREEMENT["agreement_id"],
                            "title": AGREEMENT["title"],
                            "period": "mid_year",
                            "due_on": f"{year}-08-31",
                        }
                    ],
                    hearings_open=2,
                    needs_open=3,
                    needs_answered=1,
                    next_conference={
                        "meeting_id": MEETING_W,
                        "title": "Stadtteilkonferenz Westen",
                        "starts_at": f"{year}-03-12T17:00:00+00:00",
                    },
                )
            rows.append(row)
        return {"year": year, "areas": rows}

    def handler(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("connection refused", request=request)
        params = dict(request.url.params)
        self.calls.append((request.method, request.url.path, params, request.headers.get("x-quartier-actor")))
        path = request.url.path
        if path == "/api/v1/board":
            return httpx.Response(200, json=self.board(int(params["year"])))
        if path == "/api/v1/distributions":
            items = [
                d
                for d in self.distributions
                if (not params.get("district_key") or params["district_key"] in d["district_keys"])
                and (not params.get("year") or str(d["year"]) == params["year"])
            ]
            return httpx.Response(200, json=items)
        if path == "/api/v1/reports":
            return httpx.Response(200, json=[{"year": y, "versions": v} for y, v in self.published.items()])
        match = re.fullmatch(r"/api/v1/reports/(\d{4})(?:\.(csv|json|pdf))?(/publish)?", path)
        if match:
            year = int(match.group(1))
            if match.group(3):
                if year == YEAR + 1:
                    return problem(409, f"Für {year} gibt es noch keinen Jahresplan.")
                versions = self.published.setdefault(year, [])
                version = len(versions) + 1
                versions.append(
                    {
                        "version": version,
                        "published_at": "2032-02-01T10:30:00+00:00",
                        "published_by": request.headers.get("x-quartier-actor"),
                    }
                )
                self.frozen[(year, version)] = fake_report(year)
                return httpx.Response(201, json={"year": year, "version": version, "figures_hash": "abc"})
            kind = match.group(2)
            if kind:
                if params.get("draft") != "true" and not self.published.get(year):
                    return problem(404, "Noch kein Bericht veröffentlicht.")
                body = {"csv": b"year,scope\n", "json": b"{}", "pdf": b"%PDF-1.7 fake"}[kind]
                media = {"csv": "text/csv; charset=utf-8", "json": "application/json", "pdf": "application/pdf"}[kind]
                return httpx.Response(200, content=body, headers={"content-type": media})
            if params.get("version"):
                frozen = self.frozen.get((year, int(params["version"])))
                if frozen is None:
                    return problem(404, "Diese Version gibt es nicht.")
                return httpx.Response(200, json=frozen)
            return httpx.Response(200, json=fake_report(year, marker=" (Entwurf)"))
        match = re.fullmatch(r"/api/v1/public/social-areas/([a-z-]+)", path)
        if match:
            key = match.group(1)
            plan = None
            if key == "westen":
                plan = {
                    "year": YEAR,
                    "state": "final",
                    "measures_by_field": [
                        {
                            "field_of_action": "Bildung",
                            "measures": [
                                {
                                    "title": "Elterncafé",
                                    "period": {"starts_on": f"{YEAR}-02-01", "ends_on": f"{YEAR}-11-30"},
                                }
                            ],
                        }
                    ],
                }
            reports = [
                {"year": y, "version": v["version"], "published_at": v["published_at"]}
                for y, versions in self.published.items()
                for v in versions
            ]
            return httpx.Response(
                200,
                json={
                    "social_area_key": key,
                    "name": key,
                    "plan": plan,
                    "next_conference": None,
                    "published_reports": reports,
                },
            )
        return problem(404, "Nicht gefunden.")


@pytest.fixture
def reporting() -> FakeReporting:
    return FakeReporting()


@pytest.fixture
async def rclient(registry, store, settings, reporting) -> AsyncIterator[httpx.AsyncClient]:
    store.accounts["bezirk.pelkum"] = AccountRecord(
        "bezirk.pelkum", "Test Pelkum", password_hash(PELKUM_PASSWORD), "council_member", None, "pelkum"
    )
    app = build_app(
        settings,
        transports=Transports(
            registry=httpx.MockTransport(registry.handler), reporting=httpx.MockTransport(reporting.handler)
        ),
        auth_store=store,
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway.test") as c:
        yield c


def areas_touching(district: str) -> set[str]:
    return {a["key"] for a in hamm_social_areas() if district in {d["key"] for d in a["districts"]}}


def board_keys(html: str) -> set[str]:
    return set(re.findall(r'data-sozialraum="([a-z-]+)"', html))


# --- the status board -------------------------------------------------------------------------------


async def test_the_board_needs_a_login(rclient):
    response = await rclient.get("/lagebild")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/anmelden")


async def test_the_steering_committee_sees_all_nine_areas(rclient, structure):
    await login_as(rclient, "lenkungskreis")
    page = await rclient.get(f"/lagebild?jahr={YEAR}")
    assert page.status_code == 200
    assert_accessible_page(page.text, structure)
    assert board_keys(page.text) == {a["key"] for a in hamm_social_areas()}
    assert len(board_keys(page.text)) == 9
    assert f"Lagebild {YEAR}" in page.text
    westen = page.text.split('data-sozialraum="westen"')[1].split("</tr>")[0]
    assert f'href="/jahresplaene/{PLAN_WESTEN}"' in westen and "vorgelegt" in westen
    assert f"Anhörungen abschließen bis 30.11.{YEAR - 1}" in westen
    assert f"Entwurf vorlegen (fällig am 30.09.{YEAR - 1})" in westen and "überfällig" in westen
    assert f'href="/sitzungen/{MEETING_W}"' in westen
    assert (
        f'<a class="kern-link" href="/zielvereinbarungen/{AGREEMENT["agreement_id"]}">Halbjahresbericht zur '
        f"Zielvereinbarung „Stadtteilbüro Westen 2031“ (fällig am 31.08.{YEAR})</a>"
    ) in westen
    assert f"12.03.{YEAR}, 18:00 Uhr" in westen  # 17:00 UTC in Europe/Berlin (winter time)
    assert [int(n) for n in re.findall(r'numeric">(\d+)</td>', westen)] == [2, 3, 1]
    assert re.search(r'href="/lagebild"\s+aria-current="page"', page.text)


async def test_a_council_member_sees_only_the_areas_of_their_district(rclient):
    await login_as(rclient, "bezirk.pelkum", PELKUM_PASSWORD)
    page = await rclient.get(f"/lagebild?jahr={YEAR}")
    assert page.status_code == 200
    assert board_keys(page.text) == areas_touching("pelkum")
    assert "westen" in board_keys(page.text) and "norden" not in board_keys(page.text)
    assert "Sie sehen die Sozialräume, für die Sie zuständig sind" in page.text


async def test_an_area_coordinator_sees_their_own_area(rclient):
    await login_as(rclient, "koordination.westen")
    page = await rclient.get("/lagebild")
    assert board_keys(page.text) == {"westen"}


async def test_the_board_says_when_reporting_is_down(rclient, reporting):
    await login_as(rclient, "lenkungskreis")
    reporting.down = True
    page = await rclient.get("/lagebild")
    assert page.status_code == 503
    assert "Lagebild und Berichte ist gerade nicht erreichbar" in page.text


# --- the Gesamtbericht --------------------------------------------------------------------------------


async def test_the_draft_is_for_staff_and_every_figure_links_to_its_entries(rclient, structure):
    anonymous = await rclient.get(f"/berichte/{YEAR}")
    assert anonymous.status_code == 404
    assert "noch kein Gesamtbericht veröffentlicht" in anonymous.text

    await login_as(rclient, "bezirk.mitte")
    page = await rclient.get(f"/berichte/{YEAR}")
    assert page.status_code == 200
    assert_accessible_page(page.text, structure)
    assert "Entwurf" in page.text
    assert "veröffentlichen</span>" not in page.text  # only the steering committee publishes
    assert f'href="/berichte/{YEAR}.pdf?entwurf=1"' in page.text
    # the Bildung row of the measures: city 2, Westen 1, Norden 1, each linked to its entries
    table = page.text.split('data-dimension="measures_by_field_of_action"')[1].split("</table>")[0]
    bildung = table.split("Bildung</th>")[1].split("</tr>")[0]
    links = re.findall(r'href="([^"]+)">(\d+)<', bildung)
    assert [int(v) for _, v in links] == [2, 1, 1]
    assert all(u.startswith(f"/berichte/{YEAR}/eintraege?") for u, _ in links)
    sport = table.split("Sport</th>")[1].split("</tr>")[0]
    assert "href" not in sport  # nothing counted, nothing to link
    # the charts: inline SVG with a title, a description and the values as a table
    assert page.text.count('role="img"') == 1
    assert '<title id="chart-m-title">Maßnahmen je Sozialraum</title>' in page.text
    table = page.text.split("Werte als Tabelle")[1].split("</table>")[0]
    assert '<th scope="row" class="kern-table__header">Sozialraum Hammer Westen</th>' in table

    westen_link = links[1][0].replace("&amp;", "&")
    entries = await rclient.get(westen_link)
    assert entries.status_code == 200
    assert_accessible_page(entries.text, structure)
    assert f'href="/jahresplaene/{PLAN_WESTEN}#massnahme-{MEASURE_W}"' in entries.text
    assert "Elterncafé (Entwurf)" in entries.text


async def test_figure_links_lead_to_needs_meetings_and_offers(rclient):
    await login_as(rclient, "lenkungskreis")
    page = await rclient.get(f"/berichte/{YEAR}")
    hrefs = {u.replace("&amp;", "&") for u in re.findall(r'href="(/berichte/\d+/eintraege\?[^"]+)"', page.text)}
    targets: set[str] = set()
    for href in hrefs:
        entries = await rclient.get(href)
        assert entries.status_code == 200
        targets |= set(re.findall(r'<a class="kern-link" href="([^"]+)">', entries.text.split("<main")[1]))
    assert f"/bedarfe/{NEED_W}" in targets
    assert f"/jahresplaene/{PLAN_WESTEN}/bedarfe/{COUNCIL_NEED_W}/spur" in targets
    assert f"/sitzungen/{MEETING_W}" in targets
    assert f"/angebote/{OFFER_W}" in targets
    participants = next(h for h in hrefs if "participants" in h and "bereich=westen" in h)
    entries = await rclient.get(participants)
    assert 'id="wert">23<' in entries.text and "zählt 23" in entries.text


async def test_an_unknown_figure_is_not_found(rclient):
    await login_as(rclient, "lenkungskreis")
    response = await rclient.get(f"/berichte/{YEAR}/eintraege?bereich=westen&dimension=x&schluessel=y")
    assert response.status_code == 404
    assert (await rclient.get("/berichte/abc")).status_code == 404
    assert (await rclient.get(f"/berichte/{YEAR}.exe")).status_code == 404


async def test_the_steering_committee_publishes_and_the_public_sees_the_version(rclient, reporting, structure):
    await login_as(rclient, "lenkungskreis")
    page = await rclient.get(f"/berichte/{YEAR}")
    assert f"Gesamtbericht {YEAR} veröffentlichen" in page.text
    response = await rclient.post(f"/berichte/{YEAR}/veroeffentlichen", data={"csrf_token": csrf_from(page.text)})
    assert response.status_code == 303
    assert response.headers["location"] == f"/berichte/{YEAR}?version=1&gespeichert=veroeffentlicht"
    assert ("POST", f"/api/v1/reports/{YEAR}/publish", {}, "lenkungskreis") in reporting.calls
    published = await rclient.get(response.headers["location"])
    assert "Der Bericht ist veröffentlicht" in published.text
    assert "Version 1</strong> vom 01.02.2032" in published.text
    await rclient.post("/abmelden", data={"csrf_token": csrf_from(published.text)})

    # without login: the published version, its files, and the public page of Westen lists it
    public = await rclient.get(f"/berichte/{YEAR}")
    assert public.status_code == 200
    assert_accessible_page(public.text, structure)
    assert "(Entwurf)" not in public.text and "Version 1" in public.text
    entries_link = re.search(r'href="(/berichte/\d+/eintraege\?[^"]*bereich=westen[^"]*)"', public.text)
    assert entries_link is not None
    entries = await rclient.get(entries_link.group(1).replace("&amp;", "&"))
    assert entries.status_code == 200
    assert "/jahresplaene/" not in entries.text.split("<main")[1]  # the public gets no staff links
    pdf = await rclient.get(f"/berichte/{YEAR}.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    csv = await rclient.get(f"/berichte/{YEAR}.csv")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in csv.headers["content-disposition"]
    older = await rclient.get(f"/berichte/{YEAR}.csv?version=1")
    assert older.status_code == 200
    assert f'filename="gesamtbericht-{YEAR}-v1.csv"' in older.headers["content-disposition"]
    assert any(c[1] == f"/api/v1/reports/{YEAR}.csv" and c[2] == {"version": "1"} for c in reporting.calls)
    draft = await rclient.get(f"/berichte/{YEAR}.json?entwurf=1")
    assert draft.status_code == 303  # the draft needs a login
    listing = await rclient.get("/berichte")
    assert f'href="/berichte/{YEAR}">Gesamtbericht {YEAR}</a>' in listing.text
    area = await rclient.get("/oeffentlich/sozialraeume/westen")
    assert area.status_code == 200
    assert_accessible_page(area.text, structure)
    assert f'<a class="kern-link" href="/berichte/{YEAR}">Gesamtbericht {YEAR}</a>' in area.text
    assert f"Jahresplan {YEAR} in Kürze" in area.text
    assert f'Elterncafé <span class="q-muted">(01.02.{YEAR} bis 30.11.{YEAR})</span>' in area.text
    assert 'href="/oeffentlich/angebote?sozialraum=westen"' in area.text


async def test_only_the_steering_committee_may_publish(rclient, reporting):
    await login_as(rclient, "admin")
    page = await rclient.get(f"/berichte/{YEAR}")
    response = await rclient.post(f"/berichte/{YEAR}/veroeffentlichen", data={"csrf_token": csrf_from(page.text)})
    assert response.status_code == 403
    assert not [c for c in reporting.calls if c[0] == "POST"]


async def test_the_public_page_works_without_reporting(rclient, reporting):
    reporting.down = True
    area = await rclient.get("/oeffentlich/sozialraeume/westen")
    assert area.status_code == 200
    assert "Es ist noch kein Bericht veröffentlicht." in area.text


# --- evaluations ------------------------------------------------------------------------------------


async def test_a_council_member_sees_the_evaluations_sent_to_their_district(rclient, reporting, structure):
    await login_as(rclient, "bezirk.pelkum", PELKUM_PASSWORD)
    page = await rclient.get("/auswertungen")
    assert page.status_code == 200
    assert_accessible_page(page.text, structure)
    assert ("GET", "/api/v1/distributions", {"district_key": "pelkum"}, None) in reporting.calls
    assert set(re.findall(r'data-sozialraum="([a-z-]+)"', page.text)) == {"westen"}
    assert f"Auswertung {YEAR}" in page.text and "umgesetzt</strong>: 1" in page.text and "Elterncafé" in page.text
    assert "20.01.2032" in page.text


async def test_the_steering_committee_sees_every_evaluation(rclient):
    await login_as(rclient, "lenkungskreis")
    page = await rclient.get(f"/auswertungen?jahr={YEAR}")
    assert set(re.findall(r'data-sozialraum="([a-z-]+)"', page.text)) == {"westen", "norden"}
    assert "Halbjahresbilanz" in page.text and "fortgeführt</strong>: 1" in page.text
    assert "Lesepaten (Begründung: läuft gut)" in page.text
    assert "teilweise umgesetzt</strong>: 0" in page.text


async def test_nav_shows_reports_to_everyone_and_the_board_to_staff(rclient):
    public = await rclient.get("/")
    assert 'href="/berichte"' in public.text and 'href="/lagebild"' not in public.text
    await login_as(rclient, "bezirk.mitte")
    staff = await rclient.get("/")
    assert 'href="/lagebild"' in staff.text and 'href="/auswertungen"' in staff.text


def test_fake_report_figures_add_up() -> None:
    report = fake_report(YEAR)
    city = {(f["dimension"], f["key"]): f["value"] for s in report["city"]["sections"] for f in s["figures"]}
    per_area: dict[tuple[str, str], int] = {}
    for area in report["areas"]:
        for s in area["sections"]:
            for f in s["figures"]:
                per_area[(f["dimension"], f["key"])] = per_area.get((f["dimension"], f["key"]), 0) + f["value"]
    assert city == per_area
    assert json.loads(json.dumps(report)) == report
    assert uuid.UUID(PLAN_WESTEN)


async def test_publishing_refused_by_reporting_is_shown(rclient, reporting):
    await login_as(rclient, "lenkungskreis")
    page = await rclient.get(f"/berichte/{YEAR + 1}")
    response = await rclient.post(f"/berichte/{YEAR + 1}/veroeffentlichen", data={"csrf_token": csrf_from(page.text)})
    assert response.status_code == 303
    shown = await rclient.get(response.headers["location"])
    assert "Der Bericht wurde nicht veröffentlicht" in shown.text
    assert f"Für {YEAR + 1} gibt es noch keinen Jahresplan." in shown.text
    assert not reporting.published


async def test_staff_open_the_draft_of_a_year_from_the_list(rclient):
    listing = await rclient.get("/berichte?jahr=2033")
    assert listing.status_code == 200 and "Es ist noch kein Gesamtbericht veröffentlicht." in listing.text
    assert 'id="jahr"' not in listing.text  # the draft form is for staff
    await login_as(rclient, "koordination.westen")
    listing = await rclient.get("/berichte")
    assert 'id="jahr"' in listing.text
    response = await rclient.get("/berichte?jahr=2033")
    assert response.status_code == 303 and response.headers["location"] == "/berichte/2033"
    draft = await rclient.get("/berichte/2033.pdf?entwurf=1")
    assert draft.status_code == 200 and draft.content.startswith(b"%PDF")
    assert 'filename="gesamtbericht-2033-entwurf.pdf"' in draft.headers["content-disposition"]


async def test_the_report_shows_the_target_agreements_with_target_and_reached_values(rclient, structure):
    await login_as(rclient, "lenkungskreis")
    page = await rclient.get(f"/berichte/{YEAR}")
    assert page.status_code == 200
    assert_accessible_page(page.text, structure)
    section = page.text.split('id="teil-zielvereinbarungen"')[1]
    assert "Stadtteilbüro Westen 2031" in section
    rows = re.findall(
        r'<th scope="row" class="kern-table__header">([^<]+)</th>\s*((?:<td[^>]*>[^<]*</td>\s*)+)', section
    )
    values = {label: re.findall(r">([^<]*)</td>", cells) for label, cells in rows}
    assert values["Beratungen"] == ["120", "64", "131"]
    assert values["Anteil Erstkontakte"] == ["30 %", "27,5 %", "–"]
    assert "Halbjahresbericht: geliefert (fällig 31.08.2031, geliefert 20.08.2031)" in section
    assert "Jahresbericht: überfällig (fällig 31.03.2032)" in section
    assert 'href="/jahresplaene/p-w#massnahme-m-w">Elterncafé</a>' in section
