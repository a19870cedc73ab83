"""End to end in a real browser: needs (Bedarfe) and steering goals (Steuerungsziele) against the real stack
(registry, planning, gateway, Postgres, Kafka, demo data).

The steering committee defines a goal in the browser. A plan of Westen with a measure serving that goal is
set up through planning's API. The area coordinator of Westen raises a need in the browser, takes it into
that measure, and opens its trace: the measure is there; after the plan's mid-year review and evaluation
(through the API) the trace shows them with their dates. The goal's page lists the measure with a link to
its plan. axe-core checks /bedarfe, /bedarfe/{id}, /bedarfe/{id}/spur, /steuerungsziele and
/steuerungsziele/{id} (and the forms with errors).
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
from playwright.async_api import Browser, Page, expect

from tests.support import planning_cycle as cycle
from tests.support.browser import COORDINATOR, ConsoleWatch, assert_no_violations, log_in, run_axe, screenshot

# planning as the session's stack runs it, and its copy of the registry (fixtures of the cycle's tests)
planning = cycle.planning
planning_db = cycle.planning_db
ready = cycle.ready

STEERING = ("lenkungskreis", "demo-lenkungskreis-2025")
HEADERS = {"X-Quartier-Actor": "koordination.westen"}


async def axe_here(page: Page, name: str, found: dict[str, object]) -> None:
    if bad := await run_axe(page):
        found[name] = bad


async def shot(page: Page, name: str) -> None:
    await screenshot(page, f"needs-{name}")


async def define_goal(page: Page, found: dict[str, object], title: str) -> str:
    """The steering committee defines a goal in the browser; returns its id."""
    await log_in(page, *STEERING, target="/steuerungsziele")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Steuerungsziele")
    await axe_here(page, "ziele-liste", found)
    await page.get_by_role("link", name="Steuerungsziel festlegen").click()
    await page.wait_for_url("**/steuerungsziele/neu")

    # a form with errors first: nothing filled in but the year
    await page.get_by_role("button", name="Steuerungsziel speichern").click()
    await expect(page.locator("#fehler-uebersicht")).to_contain_text("Bitte geben Sie einen Titel an.")
    await expect(page.get_by_label("Titel", exact=True)).to_have_attribute("aria-invalid", "true")
    await axe_here(page, "ziel-formular-fehler", found)

    await page.get_by_label("Titel", exact=True).fill(title)
    await page.get_by_label("Beschreibung (optional)").fill("Mehr Angebote für Kinder und Jugendliche am Nachmittag")
    await page.get_by_label("Ratsbeschluss").fill("Vorlage 0815/26")
    await page.get_by_label("Beschlossen am").fill("2026-03-12")
    await page.get_by_label("Gültig ab Jahr").fill("2030")
    await page.get_by_role("button", name="Steuerungsziel speichern").click()
    await page.wait_for_url("**/steuerungsziele/*?gespeichert=angelegt")
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"Steuerungsziel: {title}")
    await expect(page.locator("main")).to_contain_text("12.03.2026")
    await expect(page.locator("#stand")).to_have_text("gilt ab 2030")
    return page.url.split("?")[0].rsplit("/", 1)[1]


async def westen_plan_with_measure(
    planning_api: str, ready: dict[str, Any], goal_id: str, title: str
) -> dict[str, Any]:
    """A draft plan of Westen in a free year with one measure serving the goal (through planning's API)."""
    year = await cycle.free_year(ready, "westen")
    async with httpx.AsyncClient(timeout=20) as client:
        plan = await cycle.new_plan(client, planning_api, "westen", year)
        body = cycle.measure(ready, year, title=title, steering_goal_ids=[goal_id])
        added = await client.post(f"{planning_api}/plans/{plan['id']}/measures", json=body, headers=HEADERS)
        assert added.status_code == 201, added.text
    return {"id": plan["id"], "year": year, "measure_id": added.json()["measure_id"]}


async def run_plan_to_evaluation(planning_api: str, plan: dict[str, Any]) -> None:
    measure_id = plan["measure_id"]
    steps: list[tuple[str, dict[str, Any] | None]] = [
        ("present", None),
        *[(f"hearings/{key}/close", None) for key in ("mitte", "pelkum", "herringen")],
        ("finalize", None),
        ("start", None),
        ("mid-year-review", {"entries": [{"decision": "continued", "reason": "läuft gut", "measure_id": measure_id}]}),
        (
            "evaluate",
            {
                "entries": [
                    {
                        "measure_id": measure_id,
                        "outcome": "done",
                        "indicators_reached": ["24 Jugendliche erreicht"],
                        "lessons": "Früh in den Schulen werben",
                    }
                ]
            },
        ),
    ]
    async with httpx.AsyncClient(timeout=20) as client:
        for step, body in steps:
            moved = await client.post(f"{planning_api}/plans/{plan['id']}/{step}", json=body, headers=HEADERS)
            assert moved.status_code == 200, (step, moved.text)


async def test_a_need_goes_into_a_measure_and_the_steering_committee_defines_a_goal(
    browser: Browser, base_url: str, planning: str, ready: dict[str, Any]
) -> None:
    found: dict[str, object] = {}
    tag = uuid.uuid4().hex[:6]

    # the steering committee defines a goal
    steering = await browser.new_context(base_url=base_url, locale="de-DE", bypass_csp=True)
    spage = await steering.new_page()
    swatch = ConsoleWatch(spage)
    goal_title = f"Teilhabe junger Menschen stärken {tag}"
    goal_id = await define_goal(spage, found, goal_title)

    measure_title = f"Jugendtreff am Abend {tag}"
    plan = await westen_plan_with_measure(planning, ready, goal_id, measure_title)

    # the area coordinator of Westen raises a need
    checked = await browser.new_context(base_url=base_url, locale="de-DE", bypass_csp=True)
    page = await checked.new_page()
    watch = ConsoleWatch(page)
    await log_in(page, *COORDINATOR, target="/bedarfe")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Bedarfe")
    await axe_here(page, "liste", found)
    await page.get_by_role("link", name="Bedarf erfassen").click()
    await page.wait_for_url("**/bedarfe/neu")
    await page.get_by_role("button", name="Bedarf speichern").click()
    await expect(page.locator("#fehler-uebersicht")).to_contain_text("Bitte beschreiben Sie den Bedarf in einem Satz.")
    await axe_here(page, "formular-fehler", found)

    need_title = f"Treffpunkt für Jugendliche am Abend {tag}"
    await expect(page.get_by_label("Sozialraum")).to_have_value("westen")
    await page.get_by_label("Wohnbereich (optional)").select_option(index=1)
    await page.get_by_label("Handlungsfeld").select_option(index=1)
    await page.get_by_label("Herkunft").select_option("neighbourhood_conference")
    await page.get_by_label("Bedarf", exact=True).fill(need_title)
    await page.get_by_label("Beschreibung (optional)").fill("In der Stadtteilkonferenz genannt")
    await page.get_by_role("button", name="Bedarf speichern").click()
    await page.wait_for_url("**/bedarfe/*?gespeichert=erfasst")
    need_url = page.url.split("?")[0]
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"Bedarf: {need_title}")
    await expect(page.locator("#stand")).to_have_text("offen")
    await expect(page.locator("main")).to_contain_text("Stadtteilkonferenz")
    await expect(page.locator("#verlauf + ul")).to_contain_text("Bedarf erfasst (koordination.westen)")

    # … and takes it into the measure of the Westen plan
    measure = page.get_by_label("Maßnahme", exact=True)
    await measure.select_option(value=f"{plan['id']}:{plan['measure_id']}")
    await expect(measure.locator("option:checked")).to_have_text(f"Jahresplan {plan['year']} – {measure_title}")
    await page.get_by_role("button", name="In den Plan aufnehmen").click()
    await page.wait_for_url("**?gespeichert=take-into-plan")
    await expect(page.locator("#stand")).to_have_text("in einen Plan aufgenommen")
    await expect(page.get_by_role("link", name=f"Jahresplan {plan['year']} – {measure_title}")).to_have_attribute(
        "href", f"/jahresplaene/{plan['id']}"
    )
    await axe_here(page, "bedarf", found)
    await shot(page, "bedarf")

    # the trace shows the measure
    await page.get_by_role("link", name=re.compile("^Spur des Bedarfs")).click()
    await page.wait_for_url(f"**{need_url}/spur")
    steps = page.locator("ol.q-trace > li")
    await expect(steps).to_have_count(4)
    await expect(steps.nth(0)).to_contain_text("Bedarf eingebracht")
    await expect(steps.nth(0)).to_contain_text(need_title)
    await expect(steps.nth(1)).to_contain_text(f"Aufgenommen in den Jahresplan {plan['year']} mit der Maßnahme")
    await expect(steps.nth(1)).to_contain_text(measure_title)
    await expect(steps.nth(1)).to_contain_text(f"01.02.{plan['year']} bis 30.11.{plan['year']}")
    await expect(steps.nth(1).get_by_role("heading")).to_have_text(re.compile(r"^\d\d\.\d\d\.\d{4} – Maßnahme$"))
    await expect(steps.nth(2)).to_contain_text("Die Halbjahresbilanz steht noch aus.")
    await expect(steps.nth(3)).to_contain_text("Die Auswertung steht noch aus.")
    await axe_here(page, "spur", found)

    # the plan runs to its evaluation: the trace follows
    await run_plan_to_evaluation(planning, plan)
    await page.reload()
    await expect(steps.nth(1)).to_contain_text("Stand des Plans: ausgewertet")
    await expect(steps.nth(2).get_by_role("heading")).to_have_text(
        re.compile(r"^\d\d\.\d\d\.\d{4} – Halbjahresbilanz$")
    )
    await expect(steps.nth(2)).to_contain_text("Die Maßnahme wurde fortgeführt. Begründung: läuft gut")
    await expect(steps.nth(3)).to_contain_text("Ergebnis: umgesetzt. Erreichte Indikatoren: 24 Jugendliche erreicht.")
    await axe_here(page, "spur-ausgewertet", found)
    await shot(page, "spur")

    # the list finds it by its filters
    await page.goto("/bedarfe?sozialraum=westen&status=taken_into_plan&herkunft=neighbourhood_conference")
    await expect(page.get_by_role("link", name=need_title)).to_be_visible()

    # the goal's page lists the measure with a link to its plan
    await spage.goto(f"/steuerungsziele/{goal_id}")
    row = spage.locator("#massnahmen ~ div table tbody tr").filter(has_text=measure_title)
    await expect(row).to_contain_text("Sozialraum Hammer Westen")
    await expect(row.get_by_role("link")).to_have_attribute("href", f"/jahresplaene/{plan['id']}")
    await expect(spage.locator("#verlauf + ul")).to_contain_text("Steuerungsziel festgelegt (lenkungskreis")
    await axe_here(spage, "ziel", found)
    await shot(spage, "ziel")
    await spage.goto("/steuerungsziele")
    await expect(spage.get_by_role("link", name=goal_title)).to_be_visible()

    await steering.close()
    await checked.close()
    assert_no_violations(found)
    assert watch.problems == [], watch.problems
    assert swatch.problems == [], swatch.problems
