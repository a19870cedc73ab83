"""End to end in a real browser: the status board, the Gesamtbericht and the public page of a Sozialraum against
the real stack (registry, planning, invitations, reporting, gateway, Postgres, Kafka, demo data).

A plan of Westen for a free year runs through planning's API from the draft to the evaluation (two measures,
a need of the council of Pelkum taken into one of them). Once reporting's read models have it:
- the steering committee opens /lagebild: all 9 Sozialräume, Westen's plan evaluated;
- the council member of Pelkum sees only the Sozialräume of Pelkum's district, and under /auswertungen the
  mid-year review and the evaluation of Westen sent to their council;
- /berichte/{jahr} shows the figures; the figure of Westen's measures in the measure's field of action leads to
  the counted entries, and from there to the measure in its plan;
- the steering committee publishes; without login the public page /oeffentlich/sozialraeume/westen lists the
  published report and the plan in brief, and the report itself is public.
axe-core finds no serious or critical violations on /lagebild, /berichte/{jahr}, /auswertungen and the public
page (and the entries of a figure, the list of reports); the public pages contain no e-mail address and no
person name of the demo data.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import httpx
import yaml
from playwright.async_api import Browser, Page, expect

from tests.support import planning_cycle as cycle
from tests.support.browser import ConsoleWatch, assert_no_violations, log_in, run_axe, screenshot
from tests.support.helpers import eventually
from tests.support.stack import Stack

# planning as the session's stack runs it, and its copy of the registry (fixtures of the cycle's tests)
planning = cycle.planning
planning_db = cycle.planning_db
ready = cycle.ready

STEERING = ("lenkungskreis", "demo-lenkungskreis-2025")
PELKUM = ("bezirk.pelkum", "demo-pelkum-2025")
HEADERS = {"X-Quartier-Actor": "koordination.westen"}
DEMO_PEOPLE = Path(__file__).resolve().parents[2] / "services" / "registry" / "data" / "demo-people.yaml"
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")


def person_names() -> list[str]:
    """Full names and family names of the demo data's persons (the family names are all distinctive)."""
    persons = yaml.safe_load(DEMO_PEOPLE.read_text(encoding="utf-8"))["persons"]
    names = {f"{p['given_name']} {p['family_name']}" for p in persons}
    return sorted(names | {p["family_name"] for p in persons})


async def assert_nothing_personal(page: Page, names: list[str]) -> None:
    html = await page.content()
    text = await page.locator("body").inner_text()
    assert not EMAIL.search(html), (page.url, EMAIL.search(html))
    found = [n for n in names if n in text or n in html]
    assert found == [], (page.url, found)


async def axe_here(page: Page, name: str, found: dict[str, object]) -> None:
    if bad := await run_axe(page):
        found[name] = bad


async def westen_evaluated(planning_api: str, ready: dict[str, Any], tag: str) -> dict[str, Any]:
    """A plan of Westen in a free year, through planning's API from the draft to the evaluation."""
    year = await cycle.free_year(ready, "westen")
    field = ready["field"]
    titles = [f"Elterncafé {tag}", f"Lesepaten {tag}"]
    async with httpx.AsyncClient(timeout=30) as client:
        plan = await cycle.new_plan(client, planning_api, "westen", year)
        pid = plan["id"]
        measure_ids = []
        for title in titles:
            added = await client.post(
                f"{planning_api}/plans/{pid}/measures",
                json=cycle.measure(ready, year, title=title, field_of_action=field),
                headers=HEADERS,
            )
            assert added.status_code == 201, added.text
            measure_ids.append(added.json()["measure_id"])
        presented = await client.post(f"{planning_api}/plans/{pid}/present", headers=HEADERS)
        assert presented.status_code == 200, presented.text
        recorded = await client.post(
            f"{planning_api}/plans/{pid}/hearings/pelkum/needs",
            json={"needs": [{"text": f"Treffpunkt für Eltern {tag}", "field_of_action": field}]},
            headers={"X-Quartier-Actor": "bezirk.pelkum"},
        )
        assert recorded.status_code == 201, recorded.text
        need_id = recorded.json()["need_ids"][0]
        answered = await client.post(
            f"{planning_api}/plans/{pid}/needs/{need_id}/answer",
            json={"kind": "taken_into_plan", "measure_id": measure_ids[0]},
            headers=HEADERS,
        )
        assert answered.status_code == 200, answered.text
        steps: list[tuple[str, dict[str, Any] | None]] = [
            *[(f"hearings/{key}/close", None) for key in ("mitte", "pelkum", "herringen")],
            ("finalize", None),
            ("start", None),
            (
                "mid-year-review",
                {
                    "entries": [
                        {"decision": "continued", "reason": "läuft gut", "measure_id": measure_ids[0]},
                        {"decision": "continued", "reason": "läuft an", "measure_id": measure_ids[1]},
                    ]
                },
            ),
            (
                "evaluate",
                {
                    "entries": [
                        {"measure_id": measure_ids[0], "outcome": "done", "indicators_reached": ["20 Familien"]},
                        {"measure_id": measure_ids[1], "outcome": "partly", "indicators_reached": []},
                    ]
                },
            ),
        ]
        for step, body in steps:
            moved = await client.post(f"{planning_api}/plans/{pid}/{step}", json=body, headers=HEADERS)
            assert moved.status_code == 200, (step, moved.text)
    return {"id": pid, "year": year, "measure_ids": measure_ids, "titles": titles, "field": field}


async def test_board_report_and_public_page(
    browser: Browser, stack: Stack, base_url: str, planning: str, ready: dict[str, Any]
) -> None:
    found: dict[str, object] = {}
    tag = uuid.uuid4().hex[:6]
    names = person_names()
    plan = await westen_evaluated(planning, ready, tag)
    year = plan["year"]
    reporting = f"{stack.url('reporting')}/api/v1"
    async with httpx.AsyncClient(timeout=30) as client:
        areas = (await client.get(f"{stack.url('registry')}/api/v1/social-areas")).json()

        async def reported() -> bool:
            board = (await client.get(f"{reporting}/board", params={"year": year})).json()
            westen = next(a for a in board["areas"] if a["social_area_key"] == "westen")
            kinds = {
                d["kind"]
                for d in (await client.get(f"{reporting}/distributions", params={"district_key": "pelkum"})).json()
                if d["plan_id"] == plan["id"]
            }
            return bool(westen["plan"]) and westen["plan"]["state"] == "evaluated" and len(kinds) == 2

        await eventually(reported, timeout=60)
    pelkum_areas = {a["key"] for a in areas if "pelkum" in {d["key"] for d in a["districts"]}}
    assert len(areas) == 9 and "westen" in pelkum_areas and len(pelkum_areas) < 9

    # the steering committee: the status board with all 9 Sozialräume
    steering = await browser.new_context(base_url=base_url, locale="de-DE", bypass_csp=True)
    page = await steering.new_page()
    watch = ConsoleWatch(page)
    await log_in(page, *STEERING, target=f"/lagebild?jahr={year}")
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"Lagebild {year}")
    rows = page.locator("main table tbody tr")
    await expect(rows).to_have_count(9)
    assert {await r.get_attribute("data-sozialraum") for r in await rows.all()} == {a["key"] for a in areas}
    westen = page.locator('tr[data-sozialraum="westen"]')
    plan_link = westen.get_by_role("link", name="ausgewertet")
    await expect(plan_link).to_have_attribute("href", f"/jahresplaene/{plan['id']}")
    await axe_here(page, "lagebild", found)
    await screenshot(page, "reports-lagebild")

    # the draft report: a figure leads to its entries, an entry to the measure in its plan
    await page.goto(f"/berichte/{year}")
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"Gesamtbericht {year}")
    await expect(page.locator("#fassung")).to_contain_text("Entwurf")
    await expect(page.locator("svg[role=img]").first).to_be_visible()
    # wide tables scroll in their own region; the page itself does not scroll sideways
    assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    await axe_here(page, "bericht-entwurf", found)
    await screenshot(page, "reports-bericht")
    await page.locator("#ueberblick-titel").scroll_into_view_if_needed()
    await page.screenshot(path="test-results/reports-bericht-grafiken.png")
    table = page.locator('table[data-dimension="measures_by_field_of_action"]')
    row = table.locator("tbody tr").filter(has=page.get_by_role("rowheader", name=plan["field"], exact=True))
    figure = row.locator('td[data-bereich="westen"] a')
    assert int(re.sub(r"\D.*", "", (await figure.inner_text()).strip())) == 2  # Westen had no plan that year
    await figure.click()
    await page.wait_for_url(f"**/berichte/{year}/eintraege?*")
    await expect(page.get_by_role("heading", level=1)).to_contain_text(plan["field"])
    entry = page.get_by_role("link", name=plan["titles"][0], exact=True)
    await expect(entry).to_have_attribute("href", f"/jahresplaene/{plan['id']}#massnahme-{plan['measure_ids'][0]}")
    await expect(page.get_by_role("link", name=plan["titles"][1], exact=True)).to_be_visible()
    await axe_here(page, "eintraege", found)
    await entry.click()
    await page.wait_for_url(f"**/jahresplaene/{plan['id']}#massnahme-{plan['measure_ids'][0]}")
    await expect(page.locator(f"#massnahme-{plan['measure_ids'][0]}")).to_contain_text(plan["titles"][0])

    # the evaluation outcomes of Westen count the measure done
    await page.goto(f"/berichte/{year}")
    done = page.locator('table[data-dimension="evaluation_outcomes"] tbody tr').filter(
        has=page.get_by_role("rowheader", name="umgesetzt", exact=True)
    )
    await done.locator('td[data-bereich="westen"] a').click()
    await expect(page.get_by_role("link", name=plan["titles"][0], exact=True)).to_be_visible()

    # the steering committee publishes
    await page.goto(f"/berichte/{year}")
    await page.get_by_role("button", name=f"Gesamtbericht {year} veröffentlichen").click()
    await page.wait_for_url(f"**/berichte/{year}?version=*&gespeichert=veroeffentlicht")
    published = re.search(r"version=(\d+)", page.url)
    assert published is not None
    version = int(published.group(1))
    await expect(page.locator("#fassung")).to_contain_text(f"Version {version}")
    await expect(page.get_by_role("status")).to_contain_text("Der Bericht ist veröffentlicht")

    # the council member of Pelkum: only Pelkum's Sozialräume, and the evaluations sent to their council
    council = await browser.new_context(base_url=base_url, locale="de-DE", bypass_csp=True)
    cpage = await council.new_page()
    cwatch = ConsoleWatch(cpage)
    await log_in(cpage, *PELKUM, target=f"/lagebild?jahr={year}")
    crows = cpage.locator("main table tbody tr")
    await expect(crows).to_have_count(len(pelkum_areas))
    assert {await r.get_attribute("data-sozialraum") for r in await crows.all()} == pelkum_areas
    await expect(cpage.locator('tr[data-sozialraum="norden"]')).to_have_count(0)
    await cpage.goto(f"/auswertungen?jahr={year}")
    await expect(cpage.get_by_role("heading", level=1)).to_have_text("Auswertungen")
    sent = cpage.locator("section.q-evaluation").filter(has_text=f"{year}: Sozialraum Hammer Westen")
    await expect(sent).to_have_count(2)
    await expect(sent.filter(has_text="Auswertung")).to_contain_text(plan["titles"][0])
    assert set(await cpage.locator("section.q-evaluation").evaluate_all("s => s.map(e => e.dataset.sozialraum)")) <= (
        pelkum_areas
    )
    await axe_here(cpage, "auswertungen", found)

    # without login: the public page of Westen lists the published report, the report is public
    public = await browser.new_context(base_url=base_url, locale="de-DE", bypass_csp=True)
    ppage = await public.new_page()
    pwatch = ConsoleWatch(ppage)
    await ppage.goto(f"/oeffentlich/sozialraeume/westen?jahr={year}")
    await expect(ppage.get_by_role("heading", level=1)).to_have_text("Sozialraum Hammer Westen")
    report_link = ppage.get_by_role("link", name=f"Gesamtbericht {year}", exact=True)
    await expect(report_link).to_have_attribute("href", f"/berichte/{year}")
    await expect(ppage.locator("section").filter(has_text=f"Jahresplan {year} in Kürze")).to_contain_text(
        plan["titles"][1]
    )
    await expect(ppage.get_by_role("link", name=re.compile("^Alle Angebote im"))).to_have_attribute(
        "href", "/oeffentlich/angebote?sozialraum=westen"
    )
    await axe_here(ppage, "oeffentlich-westen", found)
    await screenshot(ppage, "reports-oeffentlich")
    await assert_nothing_personal(ppage, names)
    await report_link.click()
    await ppage.wait_for_url(f"**/berichte/{year}")
    await expect(ppage.locator("#fassung")).to_contain_text(f"Version {version}")
    await expect(ppage.get_by_role("button", name=re.compile("veröffentlichen"))).to_have_count(0)
    await axe_here(ppage, "bericht-oeffentlich", found)
    await assert_nothing_personal(ppage, names)
    await ppage.goto("/berichte")
    await expect(ppage.get_by_role("link", name=f"Gesamtbericht {year}", exact=True)).to_be_visible()
    await axe_here(ppage, "berichte", found)
    await assert_nothing_personal(ppage, names)
    # a public figure names its entries without leading into the staff pages
    await ppage.goto(f"/berichte/{year}")
    public_figure = (
        ppage.locator('table[data-dimension="measures_by_field_of_action"] tbody tr')
        .filter(has=ppage.get_by_role("rowheader", name=plan["field"], exact=True))
        .locator('td[data-bereich="westen"] a')
    )
    await public_figure.click()
    await expect(ppage.locator("main")).to_contain_text(plan["titles"][0])
    assert await ppage.locator('main a[href^="/jahresplaene/"]').count() == 0
    await assert_nothing_personal(ppage, names)
    pdf = await ppage.request.get(f"/berichte/{year}.pdf")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert (await pdf.body()).startswith(b"%PDF")
    draft = await ppage.request.get(f"/berichte/{year}.csv?entwurf=1", max_redirects=0)
    assert draft.status == 303  # the draft is for staff only

    for context in (steering, council, public):
        await context.close()
    assert_no_violations(found)
    assert watch.problems == [], watch.problems
    assert cwatch.problems == [], cwatch.problems
    assert pwatch.problems == [], pwatch.problems
