"""End to end in a real browser: the gateway's German UI against the real registry, Postgres and Kafka.

Chromium from Debian (/usr/bin/chromium) is driven by Playwright; nothing is downloaded. axe-core from
services/gateway/node_modules checks the pages for serious and critical accessibility violations.

Runs before test_territory_flow.py (which moves Wohnbereich 42 to Pelkum); its own change (a rename of
the Stadtteilzentrum Westen) is undone and waited for in reporting before the test ends.
"""

from __future__ import annotations

import uuid

import httpx
from playwright.async_api import Browser, BrowserContext

from tests.support.browser import (
    ADMIN,
    COORDINATOR,
    ConsoleWatch,
    assert_no_violations,
    axe_violations,
    log_in,
    screenshot,
    submit_login,
)
from tests.support.helpers import eventually
from tests.support.stack import Stack

WRONG_CREDENTIALS = "Benutzername oder Passwort ist falsch."
CSRF_MESSAGE = "Die Anfrage konnte nicht bestätigt werden (CSRF). Bitte laden Sie die Seite neu."


async def test_wrong_password_gives_the_german_error(context: BrowserContext) -> None:
    page = await context.new_page()
    watch = ConsoleWatch(page)
    await page.goto("/anmelden")
    assert await page.title() == "Anmelden – Quartier"
    assert await page.locator("html").get_attribute("lang") == "de"
    assert await submit_login(page, "admin", "ganz-sicher-falsch") == 401
    alert = page.get_by_role("alert").filter(has_text=WRONG_CREDENTIALS)
    await alert.wait_for()
    assert await page.get_by_label("Passwort").get_attribute("aria-invalid") == "true"
    assert await page.get_by_label("Benutzername").input_value() == "admin"
    assert watch.problems == [], watch.problems


async def test_coordinator_sees_westen_with_its_residential_areas_and_districts(
    context: BrowserContext, browser: Browser, base_url: str
) -> None:
    page = await context.new_page()
    watch = ConsoleWatch(page)
    # a staff page without a session leads to the login, and back after it
    await page.goto("/sozialraeume/westen")
    assert "/anmelden?weiter=/sozialraeume/westen" in page.url
    await log_in(page, *COORDINATOR, target="/sozialraeume")

    # keyboard: the first Tab reaches the skip link
    await page.keyboard.press("Tab")
    assert "Zum Inhalt springen" in await page.evaluate("document.activeElement.textContent")

    assert await page.locator("h1").count() == 1
    rows = page.locator("table tbody tr")
    assert await rows.count() == 9
    await page.get_by_role("link", name="Sozialraum Hammer Westen").click()
    await page.wait_for_url("**/sozialraeume/westen")
    assert await page.title() == "Sozialraum Hammer Westen – Quartier"
    assert await page.get_by_role("heading", level=1).inner_text() == "Sozialraum Hammer Westen"

    table = page.locator("section[aria-labelledby=wohnbereiche-titel] table")
    numbers = await table.locator("tbody tr td:first-child").all_inner_texts()
    assert [n.strip() for n in numbers] == ["14", "15", "42", "52"]
    districts = await page.locator("#stadtbezirke-titel ~ ul li").all_inner_texts()
    assert districts == ["Hamm-Mitte", "Hamm-Pelkum", "Hamm-Herringen"]
    assert await page.get_by_text("Stadtteilzentrum an der Wilhelmstraße").count() >= 1
    assert await page.get_by_label("Neuer Name des Stadtteilzentrums").count() == 0, "only admins may rename"

    await screenshot(page, "gateway-westen")
    assert watch.problems == [], watch.problems  # e.g. a CSP refusal would show up here

    staff = await axe_violations(
        browser,
        base_url,
        await context.storage_state(),
        [
            "/sozialraeume",
            "/sozialraeume/westen",
            "/oeffentlich/sozialraeume/westen",
            "/",
            "/oeffentlich/sozialraeume",
        ],
    )
    # the login page is checked anonymously (a logged-in user is sent on from it)
    anonymous = await axe_violations(browser, base_url, None, ["/anmelden", "/oeffentlich/sozialraeume/westen"])
    found = {**{f"angemeldet {k}": v for k, v in staff.items()}, **{f"anonym {k}": v for k, v in anonymous.items()}}
    assert_no_violations(found)


async def test_requests_without_csrf_token_are_refused(context: BrowserContext) -> None:
    page = await context.new_page()
    await log_in(page, *ADMIN)
    form = await page.request.post(
        "/sozialraeume/westen/stadtteilzentrum", form={"name": "Ohne Token"}, max_redirects=0
    )
    assert form.status == 403
    assert CSRF_MESSAGE in await form.text()
    api = await page.request.put("/api/v1/social-areas/westen/community-centre", data={"name": "Ohne Token"})
    assert api.status == 403
    assert (await api.json())["detail"] == CSRF_MESSAGE
    wrong = await page.request.put(
        "/api/v1/social-areas/westen/community-centre", data={"name": "Falsch"}, headers={"X-CSRF-Token": "erfunden"}
    )
    assert wrong.status == 403
    logout = await page.request.post("/abmelden", max_redirects=0)
    assert logout.status == 403, "even logout needs the token"
    await page.goto("/sozialraeume/westen")
    assert await page.get_by_text("Stadtteilzentrum an der Wilhelmstraße").count() >= 1, "nothing was changed"


async def test_admin_renames_the_community_centre_through_the_registry(context: BrowserContext, stack: Stack) -> None:
    page = await context.new_page()
    watch = ConsoleWatch(page)
    await log_in(page, *ADMIN, target="/sozialraeume/westen")
    field = page.get_by_label("Neuer Name des Stadtteilzentrums")
    original = await field.input_value()
    new_name = f"Stadtteilzentrum Westen {uuid.uuid4().hex[:6]}"
    try:
        await field.fill(new_name)
        await page.get_by_role("button", name="Namen speichern").click()
        await page.get_by_text("Der neue Name des Stadtteilzentrums ist gespeichert.").wait_for()
        assert await page.locator("#stadtteilzentrum dd").inner_text() == new_name
        async with httpx.AsyncClient() as client:
            area = (await client.get(f"{stack.url('registry')}/api/v1/social-areas/westen")).json()
        assert area["community_centre"]["name"] == new_name
        # an empty name is refused in German, next to the field
        await page.get_by_label("Neuer Name des Stadtteilzentrums").fill("")
        await page.get_by_role("button", name="Namen speichern").click()
        error = page.get_by_text("Bitte geben Sie einen Namen für das Stadtteilzentrum ein.")
        await error.wait_for()
        described = await page.get_by_label("Neuer Name des Stadtteilzentrums").get_attribute("aria-describedby")
        assert "name-fehler" in (described or "")
        # the form is sent by htmx (header token, fragment swap), and focus lands on the invalid field
        assert await page.evaluate("document.activeElement.id") == "name"
        assert watch.problems == [], watch.problems
    finally:
        async with httpx.AsyncClient() as client:
            me = await page.request.get("/api/v1/session")
            token = (await me.json())["csrf_token"]
            restored = await page.request.put(
                "/api/v1/social-areas/westen/community-centre", data={"name": original}, headers={"X-CSRF-Token": token}
            )
            assert restored.status == 200, await restored.text()

            async def reporting_restored() -> bool:
                response = await client.get(f"{stack.url('reporting')}/api/v1/territory/social-areas/westen")
                return response.status_code == 200 and response.json()["community_centre"]["name"] == original

            await eventually(reporting_restored)


async def test_logout_ends_the_session(context: BrowserContext) -> None:
    page = await context.new_page()
    await log_in(page, *COORDINATOR)
    await page.get_by_role("button", name="Abmelden").click()
    await page.wait_for_url("**/?abgemeldet=1")
    await page.get_by_text("Sie sind abgemeldet.").wait_for()
    cookies = {c["name"] for c in await context.cookies()}
    assert "quartier_session" not in cookies
    await page.goto("/sozialraeume")
    assert "/anmelden?weiter=/sozialraeume" in page.url
    # the public pages still work without a session
    await page.goto("/oeffentlich/sozialraeume/westen")
    assert await page.get_by_role("heading", level=1).inner_text() == "Sozialraum Hammer Westen"
