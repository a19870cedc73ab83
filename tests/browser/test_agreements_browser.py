"""End to end in a real browser: the target agreements (Zielvereinbarungen) against the real stack (registry,
planning, gateway, Postgres, Kafka, demo data), every page checked by axe-core.

The staff of the Stadtteilbüro Westen (traeger.westen, role ``provider``) land on their agreements, see
only their own, meet a form error and enter their year-end report, which shows target against reached. The
steering committee sees the Norden agreement's mid-year report marked overdue and the form of a new
agreement.
"""

from __future__ import annotations

import httpx
from playwright.async_api import Browser, expect

from quartier_planning.service.agreements import demo_agreement_id
from tests.support.browser import ConsoleWatch, assert_no_violations, log_in, run_axe, screenshot
from tests.support.helpers import eventually
from tests.support.stack import Stack

PROVIDER = ("traeger.westen", "demo-traeger-westen-2025")
STEERING = ("lenkungskreis", "demo-lenkungskreis-2025")
WESTEN = str(demo_agreement_id("stadtteilbuero-westen-2026"))
NORDEN = str(demo_agreement_id("jugendtreff-norden-2026"))


async def _demo_agreements(stack: Stack) -> None:
    async with httpx.AsyncClient(base_url=stack.url("planning"), timeout=20) as api:

        async def seeded() -> bool:
            found = [await api.get(f"/api/v1/agreements/{i}") for i in (WESTEN, NORDEN)]
            return all(r.status_code == 200 for r in found)

        await eventually(seeded, timeout=120, interval=1)


async def test_provider_reports_and_steering_committee_sees_overdue(
    stack: Stack, browser: Browser, base_url: str
) -> None:
    await _demo_agreements(stack)
    found: dict[str, object] = {}
    context = await browser.new_context(base_url=base_url, locale="de-DE", bypass_csp=True)
    page = await context.new_page()
    watch = ConsoleWatch(page)

    await log_in(page, *PROVIDER, target="/zielvereinbarungen")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Zielvereinbarungen")
    await expect(page.locator("main table")).to_contain_text("Quartiersmanagement Hammer Westen 2026")
    await expect(page.locator("main table")).not_to_contain_text("Hammer Norden")
    await expect(page.get_by_role("link", name="Personen")).to_have_count(0)
    if bad := await run_axe(page):
        found["traeger-liste"] = bad

    await page.get_by_role("link", name="Quartiersmanagement Hammer Westen 2026").click()
    await page.wait_for_url(f"**/zielvereinbarungen/{WESTEN}")
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Quartiersmanagement Hammer Westen 2026")
    await expect(page.locator("#bericht-mid_year")).to_have_text("Halbjahresbericht")

    await page.get_by_label("Jahresbericht", exact=True).check()
    await page.get_by_label("Sachbericht (kurzer Text)").fill("")
    await page.get_by_role("button", name="Sachbericht speichern").click()
    await expect(page.locator("#fehler-uebersicht")).to_be_visible()
    await expect(page.locator("#fehler-uebersicht")).to_contain_text("Sachbericht")
    if bad := await run_axe(page):
        found["traeger-bericht-fehler"] = bad
    await screenshot(page, "agreements-report-errors")

    await page.get_by_label("Jahresbericht", exact=True).check()
    await page.get_by_label("Erreicht: Stadtteilkonferenzen mit Beteiligung der Bewohner:innen").fill("4")
    await page.get_by_label("Erreicht: Beratungsgespräche im Stadtteilbüro").fill("1.250")
    await page.get_by_label("Sachbericht (kurzer Text)").fill("Demo: Alle Konferenzen fanden statt.")
    await page.get_by_role("button", name="Sachbericht speichern").click()
    await page.wait_for_url("**?gespeichert=bericht")
    row = page.locator("#ziele-tabelle").locator("xpath=..").locator("tr", has_text="Beratungsgespräche")
    await expect(row).to_contain_text("300")
    await expect(row).to_contain_text("1.250")
    await expect(page.locator("#bericht-year_end")).to_have_text("Jahresbericht")
    if bad := await run_axe(page):
        found["traeger-vereinbarung"] = bad
    await screenshot(page, "agreements-provider")
    await context.close()

    steering = await browser.new_context(base_url=base_url, locale="de-DE", bypass_csp=True)
    spage = await steering.new_page()
    swatch = ConsoleWatch(spage)
    await log_in(spage, *STEERING, target="/zielvereinbarungen")
    norden_row = spage.locator("main table tbody tr", has_text="Prävention und Jugendarbeit Hammer Norden 2026")
    await expect(norden_row).to_contain_text("überfällig")
    if bad := await run_axe(spage):
        found["lenkungskreis-liste"] = bad
    await norden_row.get_by_role("link").click()
    await spage.wait_for_url(f"**/zielvereinbarungen/{NORDEN}")
    await expect(spage.locator("#ueberfaellig")).to_contain_text("Halbjahresbericht überfällig seit 31.08.2026")
    await expect(spage.get_by_role("heading", name="Sachbericht abgeben")).to_have_count(0)
    await expect(spage.get_by_role("heading", name="Zielvereinbarung ändern")).to_be_visible()
    if bad := await run_axe(spage):
        found["lenkungskreis-vereinbarung"] = bad
    await screenshot(spage, "agreements-overdue")
    await spage.goto("/zielvereinbarungen/neu")
    await expect(spage.get_by_role("heading", level=1)).to_have_text("Zielvereinbarung abschließen")
    if bad := await run_axe(spage):
        found["lenkungskreis-neu"] = bad
    await steering.close()

    assert_no_violations(found)
    assert watch.problems == [] and swatch.problems == []
