"""The offer pages in a real browser against the real stack (registry with the demo offers, gateway).

- As the area coordinator of Westen: enter an offer that near-duplicates the demo "Sprachcafé
  International", see the German field error first, then the duplicate warning with its reasons, and mark
  the pair "Kein Duplikat".
- As a resident without login: search the offers by target group and find one.
- axe-core finds no serious or critical violation on the list, the form with errors, the warning, the
  duplicates list and the public search. Screenshots: test-results/offers-warning.png, offers-search.png.

The offer entered here is withdrawn at the end (which also closes its remaining suspected pairs), so the
seeded demo pair and the directory figures of test_offers_flow.py stay as they are.
"""

from __future__ import annotations

import re
import uuid

import httpx
from playwright.async_api import Browser, BrowserContext, Page

from tests.support.browser import (
    COORDINATOR,
    ConsoleWatch,
    assert_no_violations,
    axe_page,
    axe_violations,
    log_in,
    new_context,
    run_axe,
    screenshot,
    violations_on,
)
from tests.support.stack import Stack

WEEKDAY_MISSING = "Bitte geben Sie mindestens einen Wochentag für den Termin an."
WARNING = "Achtung: Dieses Angebot gibt es vielleicht schon"


async def fill_offer(page: Page, title: str) -> None:
    await page.get_by_label("Titel", exact=True).fill(title)
    await page.get_by_label("Beschreibung", exact=True).fill(
        "Deutsch im Gespräch üben bei Kaffee und Tee, für alle, die Deutsch lernen."
    )
    provider = page.locator("#traeger")
    if await provider.evaluate("e => e.tagName") == "SELECT":
        values = await provider.locator("option").evaluate_all("os => os.map(o => o.value).filter(v => v)")
        assert values, "the provider select offers the actors of the registry"
        await provider.select_option(values[0])
    else:
        await provider.fill(str(uuid.uuid4()))
    await page.get_by_label("Handlungsfeld").select_option("Quartiersmanagement")
    await page.get_by_label("Integration").check()
    await page.get_by_label("Zielgruppen").fill("Erwachsene, Geflüchtete")
    await page.get_by_label("Sprachen (freiwillig)").fill("Deutsch, Arabisch")
    await page.get_by_label("Im Stadtteilzentrum eines Sozialraums").check()
    await page.get_by_label("Stadtteilzentrum", exact=True).select_option("westen")
    await page.get_by_label("Rhythmus").select_option("weekly")
    await page.get_by_label("Uhrzeit von").fill("10:00")
    await page.get_by_label("Uhrzeit bis").fill("12:00")
    await page.get_by_label("Ja, kostenlos").check()
    await page.get_by_label("Dienststelle oder Büro").fill("Stadtteilbüro Westen")
    await page.get_by_label("E-Mail-Adresse").fill("stadtteilbuero-westen@example.org")


async def submit(page: Page) -> int:
    async with page.expect_response(lambda r: r.request.method == "POST" and "/angebote/" in r.url) as info:
        await page.get_by_role("button", name="Angebot speichern").click()
    await page.wait_for_load_state()
    return (await info.value).status


async def test_coordinator_sees_the_duplicate_warning_and_a_resident_finds_offers(
    context: BrowserContext, browser: Browser, base_url: str, stack: Stack
) -> None:
    page = await context.new_page()
    watch = ConsoleWatch(page)
    await log_in(page, *COORDINATOR, target="/angebote/neu")
    assert await page.get_by_role("heading", level=1).inner_text() == "Neues Angebot"
    created: str | None = None
    try:
        # 1. without a weekday the registry refuses; the German message sits at the weekdays
        await fill_offer(page, "Sprachcafé International Westen")
        assert await submit(page) == 422
        summary = page.locator("#fehler-zusammenfassung")
        await summary.wait_for()
        assert WEEKDAY_MISSING in await summary.inner_text()
        assert await page.evaluate("document.activeElement.id") == "fehler-zusammenfassung"
        assert await page.locator("#wochentage-gruppe").get_attribute("aria-describedby") == "wochentage-fehler"
        await summary.get_by_role("link", name=WEEKDAY_MISSING).click()
        assert await page.evaluate("document.activeElement.id") == "wochentage-monday"
        assert await page.get_by_label("Titel", exact=True).input_value() == "Sprachcafé International Westen"
        await screenshot(page, "offers-form-errors")

        # 2. with Tuesday it is saved, and the warning names the demo Sprachcafé with its reasons
        await page.get_by_label("Dienstag").check()
        assert await submit(page) == 303
        await page.wait_for_url(re.compile(r".*/angebote/[0-9a-f-]{36}\?erledigt=neu$"))
        created = page.url.split("/angebote/")[1].split("?")[0]
        warning = page.locator("#duplikat-warnung")
        await warning.wait_for()
        assert WARNING in await warning.inner_text()
        assert await page.evaluate("document.activeElement.id") == "duplikat-warnung"
        candidate = warning.locator("article").filter(
            has=page.get_by_role("link", name="Sprachcafé International", exact=True)
        )
        assert await candidate.count() == 1
        text = await candidate.inner_text()
        assert re.search(r"Ähnlichkeit \d{2,3} %", text), text
        assert "ähnlicher Titel" in text and "gleicher Ort" in text
        await screenshot(page, "offers-warning")

        # 3. "Kein Duplikat": the pair is closed and not shown again
        before = await warning.locator("article").count()
        await candidate.get_by_role("button", name="Kein Duplikat").click()
        await page.wait_for_url(re.compile(r".*\?erledigt=kein-duplikat$"))
        await page.get_by_text("als „kein Duplikat“ markiert").wait_for()
        remaining = page.locator("#duplikat-warnung article")
        assert await remaining.count() == before - 1
        assert (
            await page.locator("#duplikat-warnung")
            .get_by_role("link", name="Sprachcafé International", exact=True)
            .count()
            == 0
        )
        assert watch.problems == [], watch.problems

        # 4. axe-core on the staff pages, the form with errors and the warning (other context: CSP bypass)
        async with axe_page(browser, base_url, await context.storage_state()) as checked:
            found = await violations_on(
                checked, ("/angebote", "/angebote/duplikate", f"/angebote/{created}", f"/angebote/{created}/bearbeiten")
            )
            await checked.goto("/angebote")
            await screenshot(checked, "offers-list")
            await checked.goto("/angebote/neu")
            await checked.get_by_role("button", name="Angebot speichern").click()
            await checked.locator("#fehler-zusammenfassung").wait_for()
            if bad := await run_axe(checked):
                found["Formular mit Fehlern"] = bad

        # 5. a resident, without login, searches by target group
        resident = await new_context(browser, base_url)
        try:
            public = await resident.new_page()
            public_watch = ConsoleWatch(public)
            await public.goto("/")
            await public.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Angebote").click()
            await public.wait_for_url("**/oeffentlich/angebote")
            await public.get_by_label("Für wen?").select_option("Geflüchtete")
            await public.get_by_role("button", name="Angebote anzeigen").click()
            await public.wait_for_url("**/oeffentlich/angebote?*zielgruppe=Gefl*")
            status = public.get_by_role("status")
            assert re.fullmatch(r"\d+ Angebote? gefunden\.?.*", (await status.inner_text()).strip()), (
                await status.inner_text()
            )
            heading = public.get_by_role("heading", level=3, name="Sprachcafé International", exact=True)
            await heading.wait_for()
            item = public.locator("li").filter(has=heading)
            assert "jeden Dienstag, 10:00–12:00 Uhr" in await item.inner_text()
            assert "Stadtteilzentrum an der Wilhelmstraße" in await item.inner_text()
            await screenshot(public, "offers-search")
            assert public_watch.problems == [], public_watch.problems
        finally:
            await resident.close()
        anonymous = await axe_violations(
            browser,
            base_url,
            None,
            ["/oeffentlich/angebote", "/oeffentlich/angebote?zielgruppe=Gefl%C3%BCchtete&sozialraum=westen"],
        )
        found.update({f"anonym {path}": bad for path, bad in anonymous.items()})
        assert_no_violations(found)
    finally:
        if created:
            async with httpx.AsyncClient(base_url=stack.url("registry")) as client:
                done = await client.post(
                    f"/api/v1/offers/{created}/withdraw",
                    json={"reason": "Browser-Test beendet"},
                    headers={"X-Quartier-Actor": "test-offers-browser"},
                )
                assert done.status_code == 200, done.text
