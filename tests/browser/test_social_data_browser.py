"""End to end in a real browser: the Sozialdaten against the real stack (registry with the invented demo
figures, planning, gateway, Postgres, Kafka).

An administrator uploads a broken CSV file (the broken lines are listed in German, nothing is stored) and
then a valid one; the read page shows the figures of Westen with their trend; the Jahresplan of Westen
shows the area's indicators next to the plan; the public page of the Sozialraum shows the aggregated
figures. axe-core checks /sozialdaten, the import page with errors, the plan page and the public page.
"""

from __future__ import annotations

import re

import asyncpg
import httpx
from playwright.async_api import Browser, Page, expect

from tests.integration.registry.test_social_data import free_year
from tests.support.browser import ADMIN, COORDINATOR, ConsoleWatch, assert_no_violations, log_in, run_axe, screenshot
from tests.support.helpers import connect_as, eventually
from tests.support.stack import Stack

HEADER = "jahr;ebene;schluessel;indikator;wert;quelle;stand"
SOURCE = "Statistikstelle der Stadt Hamm"


async def axe_here(page: Page, name: str, found: dict[str, object]) -> None:
    if bad := await run_axe(page):
        found[name] = bad


async def free_plan_year(env: dict[str, str]) -> int:
    conn: asyncpg.Connection = await connect_as(env, "planning")
    try:

        async def copied() -> bool:
            return bool(await conn.fetchval("SELECT count(*) FROM registry_residential_areas"))

        await eventually(copied, timeout=60)
        year: int = await conn.fetchval(
            """SELECT y FROM generate_series(2035, 2098) y
               WHERE NOT EXISTS (SELECT 1 FROM plans WHERE social_area_key = 'westen' AND year = y)
               ORDER BY random() LIMIT 1"""
        )
        return year
    finally:
        await conn.close()


async def upload(page: Page, name: str, text: str) -> None:
    await page.goto("/sozialdaten/import")
    await page.get_by_label("CSV-Datei").set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": text.encode("utf-8")}]
    )
    await page.get_by_role("button", name="Importieren").click()
    await page.wait_for_load_state()


async def test_import_read_page_plan_panel_and_public_page(
    browser: Browser, base_url: str, stack: Stack, env: dict[str, str]
) -> None:
    found: dict[str, object] = {}
    registry_db = await connect_as(env, "registry")
    try:
        year = await free_year(registry_db)
    finally:
        await registry_db.close()
    checked = await browser.new_context(base_url=base_url, locale="de-DE", bypass_csp=True)
    page = await checked.new_page()
    watch = ConsoleWatch(page)
    await log_in(page, *ADMIN, target="/sozialdaten")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Sozialdaten")

    broken = "\n".join(
        [
            HEADER,
            f"{year};sozialraum;westen;kinderarmut;21,5;{SOURCE};31.12.{year}",
            f"{year};sozialraum;westen;kinderarmut;zwanzig;{SOURCE};31.12.{year}",
        ]
    )
    await upload(page, "kaputt.csv", broken)
    summary = page.locator("#fehler-uebersicht")
    await expect(summary).to_contain_text("Die Datei wurde nicht übernommen: 1 Zeile ist fehlerhaft")
    await expect(summary).to_contain_text("Zeile 3: wert: „zwanzig“ ist keine Zahl")
    await axe_here(page, "import-fehler", found)
    await screenshot(page, "social-data-import-errors")
    async with httpx.AsyncClient(base_url=stack.url("registry")) as client:
        nothing = await client.get("/api/v1/social-data", params={"social_area_key": "westen", "year": year})
        assert nothing.json()[0]["series"] == []  # nothing half-imported

    await upload(page, "richtig.csv", broken.rsplit("\n", 1)[0] + "\n")
    await expect(page.get_by_role("status")).to_contain_text("Die Sozialdaten sind übernommen")

    await page.goto("/sozialdaten?sozialraum=westen")
    table = page.get_by_role("table", name="Kennzahlen Sozialraum Hammer Westen")
    row = table.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name="Kinderarmut (SGB II unter 15 Jahren)")
    )
    await expect(row).to_contain_text("21,5 %")  # the imported year is shown next to the demo years
    # the first year is the oldest stored (an earlier run may have left an older one), the last the demo's 2025
    label = re.compile(
        r"^Verlauf Kinderarmut \(SGB II unter 15 Jahren\): von [0-9,]+ % \(\d{4}\) auf 18,8 % \(2025\) "
        r"(gesunken|gestiegen|gleich geblieben)$"
    )
    await expect(row.get_by_role("img")).to_have_attribute("aria-label", label)
    await expect(
        page.get_by_role("table", name="Wohnbereich 14 – Hammer Westen südlich der Lange Straße")
    ).to_have_count(1)
    await axe_here(page, "sozialdaten", found)
    await screenshot(page, "social-data-read")
    await checked.close()

    # the coordinator of Westen opens a Jahresplan of Westen: the area's indicators are next to it
    plan_year = await free_plan_year(env)
    async with httpx.AsyncClient(timeout=20) as client:
        created = await client.post(
            f"{stack.url('planning')}/api/v1/plans",
            json={"social_area_key": "westen", "year": plan_year},
            headers={"X-Quartier-Actor": "koordination.westen"},
        )
        assert created.status_code == 201, created.text
        plan_id = created.json()["id"]
    coordinator = await browser.new_context(base_url=base_url, locale="de-DE", bypass_csp=True)
    page = await coordinator.new_page()
    await log_in(page, *COORDINATOR, target=f"/jahresplaene/{plan_id}")
    panel = page.locator("#sozialdaten")
    await expect(panel.get_by_role("heading", level=2)).to_have_text("Sozialdaten: Sozialraum Hammer Westen")
    for name in ("Einwohner:innen", "Anteil im SGB-II-Bezug", "Kinderarmut (SGB II unter 15 Jahren)"):
        await expect(panel.get_by_role("rowheader", name=name, exact=True)).to_have_count(1)
    await expect(panel.get_by_role("columnheader", name="2025")).to_have_count(1)
    assert await panel.locator("svg.q-sparkline").count() == 7
    await expect(panel).to_contain_text("Fiktive Demodaten (erfunden)")
    await axe_here(page, "jahresplan", found)
    await screenshot(page, "social-data-plan-panel")

    await page.goto("/oeffentlich/sozialraeume/westen")
    public = page.locator("#sozialdaten")
    await expect(public).to_contain_text("keine Angaben zu einzelnen Personen")
    await expect(public.get_by_role("rowheader", name="Einwohner:innen", exact=True)).to_have_count(1)
    await axe_here(page, "oeffentlich", found)
    await coordinator.close()
    assert watch.problems == []
    assert_no_violations(found)
