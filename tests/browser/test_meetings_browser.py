"""End to end in a real browser: a Stadtteilkonferenz of Westen against the real stack (registry,
invitations with its copy of the registry's directory, gateway, Postgres, Kafka, demo data, a real SMTP
sink).

The area coordinator of Westen plans a Stadtteilkonferenz: the live check against the political calendar
answers while the date is picked; the meeting page shows the invitation list computed from the rules with
the reason for every invitee, the signatories and the public announcement; the invitations are sent (the
sent mails appear on the page) and a residents' need is recorded. axe-core checks the list, the form and
the meeting page.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid

from playwright.async_api import Browser, Page, expect

from tests.support.browser import COORDINATOR, ConsoleWatch, assert_no_violations, log_in, run_axe, screenshot
from tests.support.smtp import SmtpSink, mail_stack, smtp_sink  # noqa: F401 (fixtures)
from tests.support.stack import Stack


async def shot(page: Page, name: str) -> None:
    await screenshot(page, f"meetings-{name}")


async def axe_here(page: Page, name: str, found: dict[str, object]) -> None:
    if bad := await run_axe(page):
        found[name] = bad


async def wait_for_invitees(page: Page, tries: int = 60) -> None:
    """The invitations service builds the list from its copy of the registry (fed through Kafka)."""
    table = page.locator("#eingeladene")
    for _ in range(tries):
        if await table.count() and "Bezirksvertretung" in await table.inner_text():
            return
        await page.wait_for_timeout(500)
        await page.reload()
    raise AssertionError("no invitation list with reasons appeared")


async def test_coordinator_plans_a_conference_and_sends_the_invitations(
    browser: Browser,
    mail_stack: Stack,  # noqa: F811 (the fixture imported above)
    smtp_sink: SmtpSink,  # noqa: F811
) -> None:
    base_url = mail_stack.url("gateway")
    found: dict[str, object] = {}
    checked = await browser.new_context(base_url=base_url, locale="de-DE", bypass_csp=True)
    page = await checked.new_page()
    watch = ConsoleWatch(page)
    await log_in(page, *COORDINATOR, target="/sitzungen")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Sitzungen")
    await axe_here(page, "liste", found)

    await page.get_by_role("link", name="Sitzung planen").click()
    await page.wait_for_url("**/sitzungen/neu")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Sitzung planen")
    await axe_here(page, "formular", found)

    day = dt.date.today() + dt.timedelta(days=70 + uuid.uuid4().int % 200)
    local_title = f"Wir im Westen {uuid.uuid4().hex[:6]}"
    await page.get_by_label("Art der Sitzung").select_option("neighbourhood_conference")
    await expect(page.get_by_label("Sozialraum", exact=True)).to_have_value("westen")
    await page.get_by_label("Datum", exact=True).fill(day.isoformat())
    await page.get_by_label("Beginn", exact=True).fill("18:00")
    await page.get_by_label("Ende", exact=True).fill("20:00")
    # the live check against the calendar of the Rat and the Bezirksvertretungen (no political meeting then)
    await expect(page.locator("#konflikte")).to_contain_text("Keine Überschneidung")
    await page.get_by_label("Örtlicher Titel (optional)").fill(local_title)
    await page.get_by_label("Tagesordnung (optional)").fill("Jahresplan\nNeue Projekte der Stadt")
    await page.get_by_label("Öffentlich ankündigen").check()
    await shot(page, "formular")
    await page.get_by_role("button", name="Sitzung anlegen").click()
    await page.wait_for_url("**/sitzungen/*?gespeichert=angelegt")
    meeting_url = page.url.split("?")[0]
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Stadtteilkonferenz")
    await expect(page.get_by_role("heading", level=1)).to_contain_text(local_title)
    await expect(page.locator("#termin-kurz")).to_have_text(f"{day:%d.%m.%Y}, 18:00–20:00 Uhr")

    # the invitation list with the reasons, the signatories and the public announcement
    await wait_for_invitees(page)
    invited = page.locator("#eingeladene")
    await expect(invited).to_contain_text("Bezirksvertretung")
    await expect(page.get_by_text("Es laden ein:")).to_be_visible()
    await expect(page.locator("#bekanntmachung")).to_contain_text("öffentliche Bekanntmachung")
    await axe_here(page, "sitzung", found)
    await shot(page, "sitzung")

    # send: the mails are queued, sent to the SMTP sink and listed on the page
    await page.get_by_role("button", name="Einladungen versenden").click()
    await page.wait_for_url(re.compile(r".*gespeichert=versendet.*"))
    await expect(page.locator(".kern-alert--success")).to_contain_text("versendet")
    mails = page.locator("#mails")
    for _ in range(60):
        if await mails.count() and "versendet" in await mails.inner_text():
            break
        await page.wait_for_timeout(500)
        await page.reload()
    await expect(mails).to_contain_text("Einladung")
    await expect(mails).to_contain_text("versendet")

    # a need raised by the residents goes to the Jahresplanung of Westen
    need = f"Mehr Bänke am Marktplatz {uuid.uuid4().hex[:4]}"
    await page.get_by_label("Bedarf", exact=True).fill(need)
    await page.get_by_label("Handlungsfeld").select_option(index=1)
    await page.get_by_role("button", name="Bedarf erfassen").click()
    await page.wait_for_url("**?gespeichert=bedarf*")
    await expect(page.locator("#bedarfe-liste")).to_contain_text(need)
    await axe_here(page, "sitzung-nach-versand", found)
    await shot(page, "sitzung-nach-versand")

    await page.goto("/sitzungen?sozialraum=westen&art=neighbourhood_conference")
    await expect(page.locator("main table")).to_contain_text(local_title)
    assert meeting_url.rsplit("/", 1)[1] in await page.locator("main table").inner_html()
    # public: the Sozialraum's page announces a Stadtteilkonferenz, the iCalendar feed carries ours
    await page.goto("/oeffentlich/sozialraeume/westen")
    await expect(page.locator("#konferenz-titel + p")).to_contain_text("Stadtteilkonferenz")
    feed = await page.request.get("/ical/westen.ics")
    assert feed.status == 200 and feed.headers["content-type"].startswith("text/calendar")
    assert local_title in (await feed.text()).replace("\r\n ", "")
    await checked.close()
    assert_no_violations(found)
    assert watch.problems == [], watch.problems
