"""End to end in a real browser: the Jahresplan cycle of Westen against the real stack (registry, planning,
gateway, Postgres, Kafka, demo data).

The area coordinator of Westen creates (or reuses) a draft plan for a year, adds a measure and presents it:
three hearings open (Hamm-Mitte, Hamm-Pelkum, Hamm-Herringen). The council member of Pelkum records a need;
the coordinator answers it and the answer is shown; finalising with an open hearing is refused in German.
axe-core checks the list, the plan as coordinator and as council member, and a form with errors.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid

from playwright.async_api import Browser, Page, expect

from tests.support.browser import (
    COORDINATOR,
    ConsoleWatch,
    assert_no_violations,
    log_in,
    run_axe,
    screenshot,
)

PELKUM = ("bezirk.pelkum", "demo-pelkum-2025")


async def shot(page: Page, name: str) -> None:
    await screenshot(page, f"plans-{name}")


async def westen_draft(page: Page) -> int:
    """Opens a draft plan of Westen: next year's, or a later year's if that one has moved on already."""
    year = dt.date.today().year + 1
    for candidate in range(year, year + 60):
        await page.goto(f"/jahresplaene?jahr={candidate}")
        row = page.locator("main table tbody tr").filter(has_text="Westen")
        create = row.get_by_role("button", name=re.compile(f"^Plan {candidate} für .* anlegen$"))
        if await create.count():
            await create.click()
            await page.wait_for_url("**/jahresplaene/*?gespeichert=angelegt")
            return candidate
        if "Entwurf" in await row.inner_text():
            await row.get_by_role("link").click()
            await page.wait_for_url("**/jahresplaene/*")
            return candidate
    raise AssertionError("no year with a draft or no plan of Westen")


async def axe_here(page: Page, name: str, found: dict[str, object]) -> None:
    if bad := await run_axe(page):
        found[name] = bad


async def test_coordinator_presents_and_a_council_member_records_a_need(browser: Browser, base_url: str) -> None:
    found: dict[str, object] = {}
    checked = await browser.new_context(base_url=base_url, locale="de-DE", bypass_csp=True)
    page = await checked.new_page()
    watch = ConsoleWatch(page)
    await log_in(page, *COORDINATOR, target="/jahresplaene")
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Jahrespläne")
    await axe_here(page, "liste", found)
    await shot(page, "liste")

    year = await westen_draft(page)
    plan_url = page.url.split("?")[0]
    await expect(page.get_by_role("heading", level=1)).to_contain_text(f"Jahresplan {year} – Sozialraum")
    await expect(page.locator("#stand")).to_have_text("Entwurf")

    # a form with errors: no title, no dates
    await page.get_by_role("button", name="Maßnahme speichern").click()
    await expect(page.locator("#fehler-uebersicht")).to_contain_text("Bitte geben Sie einen Titel an.")
    await expect(page.get_by_label("Titel", exact=True)).to_have_attribute("aria-invalid", "true")
    await axe_here(page, "formular-fehler", found)
    await shot(page, "formular-fehler")

    title = f"Elterncafé {uuid.uuid4().hex[:6]}"
    await page.get_by_label("Titel", exact=True).fill(title)
    await page.get_by_label("Handlungsfeld").select_option(index=1)
    await page.get_by_label("Verantwortlich").select_option(index=1)
    await page.get_by_label("Beginn", exact=True).fill(f"{year}-02-01")
    await page.get_by_label("Ende", exact=True).fill(f"{year}-11-30")
    await page.get_by_label("Ort (optional)", exact=True).select_option("zentrum")
    await page.get_by_role("button", name="Maßnahme speichern").click()
    await page.wait_for_url("**?gespeichert=massnahme*")
    await expect(page.locator("#massnahmen + table")).to_contain_text(title)

    await page.get_by_role("button", name="Plan vorlegen").click()
    await page.wait_for_url("**?gespeichert=present")
    await expect(page.locator("#stand")).to_have_text("vorgelegt")
    for name in ("Hamm-Mitte", "Hamm-Pelkum", "Hamm-Herringen"):
        await expect(page.get_by_role("heading", level=3, name=f"Bezirksvertretung {name} – offen")).to_be_visible()

    # the council member of Pelkum records a need in the Pelkum hearing
    council = await browser.new_context(base_url=base_url, locale="de-DE", bypass_csp=True)
    cpage = await council.new_page()
    await log_in(cpage, *PELKUM, target="/jahresplaene")
    await cpage.goto(plan_url)
    need = f"Treffpunkt für Jugendliche am Pelkumer Bahnhof {uuid.uuid4().hex[:4]}"
    assert await cpage.get_by_label("Bedarf der Bezirksvertretung Hamm-Mitte").count() == 0
    assert await cpage.get_by_role("button", name="Plan vorlegen").count() == 0
    await cpage.get_by_label("Bedarf der Bezirksvertretung Hamm-Pelkum").fill(need)
    await cpage.get_by_role("button", name="Bedarf erfassen").click()
    await cpage.wait_for_url("**?gespeichert=bedarf")
    await expect(cpage.get_by_text(need)).to_be_visible()
    await axe_here(cpage, "plan-bezirksvertretung", found)
    await shot(cpage, "plan-bezirksvertretung")

    # the coordinator answers it: not possible, with the reason
    await page.goto(plan_url)
    item = page.locator("#anhoerungen ~ section li").filter(has_text=need)
    await item.get_by_label("Antwort").select_option("not_possible")
    await item.get_by_label("An wen weitergeleitet / warum nicht möglich").fill("Kein Raum im Bahnhof verfügbar")
    await item.get_by_role("button", name="Antwort speichern").click()
    await page.wait_for_url("**?gespeichert=antwort")
    await expect(page.locator("#anhoerungen ~ section li").filter(has_text=need)).to_contain_text(
        "Nicht möglich: Kein Raum im Bahnhof verfügbar"
    )

    # finalising while hearings are open: planning's German refusal
    await page.get_by_role("button", name="Plan final machen").click()
    await expect(page.locator("#ablehnung")).to_be_visible()
    refusal = await page.locator("#ablehnung").inner_text()
    assert "Anhörung" in refusal, refusal
    await expect(page.locator("#stand")).to_have_text("vorgelegt")
    await axe_here(page, "plan-koordination", found)
    await shot(page, "plan-koordination")

    # the council member sees the answer
    await cpage.goto(plan_url)
    await expect(cpage.locator("#anhoerungen ~ section li").filter(has_text=need)).to_contain_text("Nicht möglich")
    await council.close()
    await checked.close()
    assert_no_violations(found)
    assert watch.problems == [], watch.problems
