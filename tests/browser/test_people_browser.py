"""End to end in a real browser: the pages for bodies, memberships and people against the real registry.

Chromium from Debian drives the gateway (real registry, Postgres and Kafka, demo data); axe-core checks the
bodies list, a body page, a person page and a form with errors. Everything this test creates is a fresh
fictitious person (unique name), who is erased at the end; the membership it adds to the Bezirksvertretung
Pelkum is ended, and stays (without the name) as the law requires.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path
from typing import Any

import httpx
from playwright.async_api import Browser, BrowserContext, Page, expect

from tests.support.browser import (
    ADMIN,
    ConsoleWatch,
    assert_no_violations,
    axe_page,
    axe_violations,
    log_in,
    run_axe,
    screenshot,
)
from tests.support.stack import Stack

NS = uuid.UUID("6f0b7c1e-3a57-4f0e-9a0c-7c1d2f6b9e41")
BV_PELKUM = str(uuid.uuid5(NS, "body/district_council/pelkum"))
SK_PELKUM = str(uuid.uuid5(NS, "body/neighbourhood_conference/pelkum"))


async def shot(page: Page, name: str) -> None:
    await screenshot(page, f"people-{name}")


async def test_bodies_memberships_and_the_rights_of_a_person(
    context: BrowserContext,
    browser: Browser,
    base_url: str,
    stack: Stack,
    tmp_path: Path,
) -> None:
    page = await context.new_page()
    watch = ConsoleWatch(page)
    await log_in(page, *ADMIN, target="/gremien")

    # the list of the 28 bodies, grouped by kind
    assert await page.get_by_role("heading", level=1).inner_text() == "Gremien"
    for heading in ("Rat", "Lenkungskreis", "AK Stadtteilarbeit", "Koordinierungsrunden", "Stadtteilkonferenzen"):
        await expect(page.get_by_role("heading", level=2, name=heading)).to_be_visible()
    assert await page.locator("main table a[href^='/gremien/']").count() == 28
    await shot(page, "gremien")

    # the Bezirksvertretung Pelkum: its chair is the Bezirksbürgermeister:in
    await page.get_by_role("link", name="Bezirksvertretung Hamm-Pelkum").click()
    await page.wait_for_url(f"**/gremien/{BV_PELKUM}")
    chair_row = page.locator("#mitglieder tbody tr").filter(has_text="Tanja Platzhalterhoff")
    await expect(chair_row.locator("td").nth(1)).to_contain_text("Bezirksbürgermeister:in")
    await shot(page, "bezirksvertretung-pelkum")

    # a fresh fictitious person
    suffix = uuid.uuid4().hex[:6]
    family = f"Testhoff-{suffix}"
    await page.goto("/personen/neu")
    await page.get_by_label("Vorname").fill("Lina")
    await page.get_by_label("Nachname").fill(family)
    await page.get_by_label("E-Mail-Adresse").fill(f"lina.{suffix}@example.org")
    await page.get_by_label("Funktionen").fill("Bezirksvertreter:in Pelkum")
    await page.get_by_label("Wohnbereich (nur für Bezirksvertreter:innen)").select_option("42")
    await page.get_by_role("button", name="Person speichern").click()
    await page.wait_for_url("**/personen/*?gespeichert=neu")
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"Lina {family}")
    person_id = page.url.split("/personen/")[1].split("?")[0]

    # a membership ending before it starts: the registry's German message at the field
    await page.goto(f"/gremien/{BV_PELKUM}")
    await page.get_by_label("Person", exact=True).select_option(person_id)
    await page.get_by_label("Rolle").select_option("guest")
    await page.get_by_label("Beginn").fill("2026-03-01")
    await page.get_by_label("Ende (optional)").fill("2026-02-01")
    async with page.expect_response(lambda r: r.url.endswith("/mitgliedschaften")) as info:
        await page.get_by_role("button", name="Mitgliedschaft eintragen").click()
    assert (await info.value).status == 422
    message = "Das Ende (01.02.2026) liegt vor dem Beginn (01.03.2026)."
    end_field = page.get_by_label("Ende (optional)")
    await expect(page.locator("#ends_on-fehler")).to_have_text(message)
    assert await end_field.get_attribute("aria-invalid") == "true"
    assert "ends_on-fehler" in (await end_field.get_attribute("aria-describedby") or "")
    summary = page.locator(".q-error-summary")
    await expect(summary).to_contain_text(message)
    assert await page.evaluate("document.activeElement.id") == "fehleruebersicht", "focus on the error summary"
    await summary.get_by_role("link").first.click()
    assert await page.evaluate("document.activeElement.id") == "ends_on", "the summary leads to the field"
    await shot(page, "mitgliedschaft-fehler")
    error_form_storage = await context.storage_state()

    # a valid one, then ended
    await end_field.fill("")
    await page.get_by_role("button", name="Mitgliedschaft eintragen").click()
    await page.get_by_text("Die Mitgliedschaft ist eingetragen.").wait_for()
    row = page.locator("#mitglieder tbody tr").filter(has_text=family)
    await expect(row.locator("td").nth(1)).to_have_text("Gast")
    await expect(row.locator("td").nth(2)).to_have_text("01.03.2026")
    yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    ended_on = max(yesterday, "2026-03-01")
    await row.get_by_label(f"Ende der Mitgliedschaft von Lina {family}").fill(ended_on)
    await row.get_by_role("button", name="Mitgliedschaft beenden").click()
    await page.get_by_text("Die Mitgliedschaft ist beendet.").wait_for()
    ended_german = dt.date.fromisoformat(ended_on).strftime("%d.%m.%Y")
    if ended_on < dt.date.today().isoformat():
        history = page.locator("section[aria-labelledby=verlauf-titel] tbody tr").filter(has_text=family)
        await expect(history.locator("td").nth(3)).to_have_text(ended_german)
    else:
        await expect(page.locator("#mitglieder tbody tr").filter(has_text=family)).to_contain_text(
            f"endet am {ended_german}"
        )
    async with httpx.AsyncClient() as client:
        body = (await client.get(f"{stack.url('registry')}/api/v1/bodies/{BV_PELKUM}")).json()
    mine = [m for m in body["members"] if m["person_id"] == person_id]
    assert [(m["role"], m["starts_on"], m["ends_on"]) for m in mine] == [("guest", "2026-03-01", ended_on)]

    # the person page: memberships, history, the data-protection buttons
    await page.goto(f"/personen/{person_id}")
    await expect(page.locator("section[aria-labelledby=mitgliedschaften-titel]")).to_contain_text(
        "Bezirksvertretung Hamm-Pelkum"
    )
    await expect(page.locator("section[aria-labelledby=verlauf-titel]")).to_contain_text("Person erfasst (von admin)")
    await shot(page, "person")
    async with page.expect_download() as download_info:
        await page.get_by_role("link", name="Datenauskunft (JSON)").click()
    download = await download_info.value
    assert download.suggested_filename.startswith(f"datenauskunft-{person_id}")
    target = tmp_path / download.suggested_filename
    await download.save_as(target)
    export = json.loads(target.read_text(encoding="utf-8"))
    assert export["person"]["family_name"] == family
    assert export["person"]["email"] == f"lina.{suffix}@example.org"
    assert [m["body_id"] for m in export["memberships"]] == [BV_PELKUM]

    # accessibility of the pages seen so far (the form with errors is reproduced in the checking context)
    storage = await context.storage_state()
    found = await axe_violations(
        browser,
        base_url,
        storage,
        [
            "/gremien",
            f"/gremien/{BV_PELKUM}",
            f"/gremien/{SK_PELKUM}",
            f"/personen/{person_id}",
            "/personen",
            "/akteure?sozialraum=pelkum",
            "/akteure/neu",
        ],
    )
    found.update(await _axe_on_error_form(browser, base_url, error_form_storage, person_id))
    assert_no_violations(found)

    await page.goto("/akteure?sozialraum=pelkum")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Akteur:innen")
    await page.get_by_role("link", name="Stadtteilbüro Pelkum").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Stadtteilbüro Pelkum")
    await shot(page, "akteur")
    await page.goto(f"/personen/{person_id}")

    # erasure: a confirmation step that says what is kept and why, then "gelöscht"
    await page.get_by_role("link", name="Personendaten löschen").click()
    await page.wait_for_url(f"**/personen/{person_id}/loeschen")
    await expect(page.get_by_role("heading", name="Was bleibt und warum")).to_be_visible()
    await expect(page.locator("main")).to_contain_text("Mandat in der Bezirksvertretung")
    await shot(page, "loeschen")
    await page.get_by_role("button", name="Endgültig löschen").click()
    await expect(page.locator("#bestaetigung-fehler")).to_contain_text("Bitte bestätigen Sie")
    await page.get_by_label("Ich habe gelesen", exact=False).check()
    await page.get_by_role("button", name="Endgültig löschen").click()
    await page.wait_for_url(f"**/personen/{person_id}?geloescht=1")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Personendaten gelöscht")
    await expect(page.locator("main")).to_contain_text("gelöscht")
    assert family not in await page.content()
    await shot(page, "geloescht")
    async with httpx.AsyncClient() as client:
        gone = await client.get(f"{stack.url('registry')}/api/v1/persons/{person_id}")
        body = (await client.get(f"{stack.url('registry')}/api/v1/bodies/{BV_PELKUM}")).json()
    assert gone.status_code == 410
    kept = [m for m in body["members"] if m["person_id"] == person_id]
    assert len(kept) == 1 and kept[0]["erased"] and kept[0]["retention_reason"]
    await page.goto(f"/gremien/{BV_PELKUM}")
    await expect(page.locator("main")).to_contain_text("Person gelöscht")
    assert watch.problems == [], watch.problems


async def _axe_on_error_form(browser: Browser, base_url: str, storage: Any, person_id: str) -> dict[str, Any]:
    """axe-core on the membership form as it is shown with the registry's error."""
    async with axe_page(browser, base_url, storage) as page:
        await page.goto(f"/gremien/{BV_PELKUM}")
        await page.get_by_label("Person", exact=True).select_option(person_id)
        await page.get_by_label("Beginn").fill("2026-03-01")
        await page.get_by_label("Ende (optional)").fill("2026-02-01")
        await page.get_by_role("button", name="Mitgliedschaft eintragen").click()
        await page.locator("#ends_on-fehler").wait_for()
        bad = await run_axe(page)
        return {"Formular mit Fehler": bad} if bad else {}


async def test_council_members_read_only(context: BrowserContext) -> None:
    page = await context.new_page()
    await log_in(page, "bezirk.pelkum", "demo-pelkum-2025", target=f"/gremien/{BV_PELKUM}")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Bezirksvertretung Hamm-Pelkum")
    assert await page.get_by_role("button", name="Mitgliedschaft eintragen").count() == 0
    assert await page.get_by_role("button", name="Mitgliedschaft beenden").count() == 0
    response = await page.goto("/personen/neu")
    assert response is not None and response.status == 403
    await expect(page.get_by_role("heading", level=1)).to_have_text("Keine Berechtigung")
