"""End to end in a real browser: the Jahresplan cycle of Westen against the real stack (registry, planning,
gateway, Postgres, Kafka, demo data).

The area coordinator of Westen creates (or reuses) a draft plan for a year, adds a measure and presents it:
three hearings open (Hamm-Mitte, Hamm-Pelkum, Hamm-Herringen). The council member of Pelkum records a need;
the coordinator answers it and the answer is shown; finalising with an open hearing is refused in German.
axe-core checks the list, the plan as coordinator and as council member, and a form with errors.

A member of the Koordinierungsrunde Westen (runde.westen, for the Jugendtreff Modellhaus) adds a measure with
all its fields and changes it, and is refused on another's measure; the coordinator saving a measure over a
stale version sees planning's conflict with the input kept; and the whole Westen walk (set up through the
planning API up to the start) goes through the pages: mid-year review, evaluation, carry-over into next
year's draft, the comparison of two versions and the trace of a council need, each checked by axe-core.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

import asyncpg
import httpx
from playwright.async_api import Browser, Page, expect

from tests.support.browser import (
    COORDINATOR,
    ConsoleWatch,
    assert_no_violations,
    log_in,
    run_axe,
    screenshot,
)
from tests.support.helpers import connect_as, eventually
from tests.support.stack import Stack

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
    await page.get_by_label("Handlungsfeld", exact=True).select_option(index=1)
    await page.get_by_label("Verantwortlich", exact=True).select_option(index=1)
    await page.get_by_label("Beginn", exact=True).fill(f"{year}-02-01")
    await page.get_by_label("Ende", exact=True).fill(f"{year}-11-30")
    await page.get_by_label("Ort", exact=True).select_option("zentrum")
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


# --- the coordination round, stale versions, the walk to evaluation and carry-over ----------------------

MEMBER = ("runde.westen", "demo-runde-westen-2025")
COORD_HEADERS = {"X-Quartier-Actor": "koordination.westen"}


def member_actor() -> str:
    from quartier_registry.domain.people import demo_actor_id

    return str(demo_actor_id("jugendtreff-westen"))


def office_actor() -> str:
    from quartier_registry.domain.people import demo_actor_id

    return str(demo_actor_id("stadtteilbuero-westen"))


async def planning_ready(stack: Stack, env: dict[str, str]) -> asyncpg.Connection:
    """Planning's copy of the registry holds Westen and both demo actors the tests use."""
    conn = await connect_as(env, "planning")

    async def copied() -> bool:
        known = await conn.fetchval(
            "SELECT count(*) FROM registry_actors WHERE id = ANY($1::uuid[])",
            [uuid.UUID(member_actor()), uuid.UUID(office_actor())],
        )
        areas = await conn.fetchval("SELECT count(*) FROM registry_residential_areas")
        return bool(known == 2 and areas)

    await eventually(copied, timeout=60)
    return conn


async def free_year(conn: asyncpg.Connection) -> int:
    year: int = await conn.fetchval(
        """SELECT y FROM generate_series(2035, 2098) y
           WHERE NOT EXISTS (SELECT 1 FROM plans WHERE social_area_key = 'westen' AND year IN (y, y + 1))
           ORDER BY random() LIMIT 1"""
    )
    return year


def api_measure(year: int, title: str, **changes: Any) -> dict[str, Any]:
    return {
        "title": title,
        "description": "Angelegt für den Browsertest",
        "field_of_action": "Quartiersmanagement",
        "responsible_actor_id": office_actor(),
        "starts_on": f"{year}-02-01",
        "ends_on": f"{year}-11-30",
        "residential_area_number": 14,
        "planned_indicators": ["20 Teilnehmende"],
        **changes,
    }


async def api_plan(client: httpx.AsyncClient, api: str, year: int, *titles: str) -> tuple[str, list[str]]:
    created = await client.post(f"{api}/plans", json={"social_area_key": "westen", "year": year}, headers=COORD_HEADERS)
    assert created.status_code == 201, created.text
    plan_id = created.json()["id"]
    ids = []
    for title in titles:
        added = await client.post(
            f"{api}/plans/{plan_id}/measures", json=api_measure(year, title), headers=COORD_HEADERS
        )
        assert added.status_code == 201, added.text
        ids.append(added.json()["measure_id"])
    return plan_id, ids


async def test_round_member_edits_own_measure_and_coordinator_meets_a_stale_version(
    browser: Browser, base_url: str, stack: Stack, env: dict[str, str]
) -> None:
    found: dict[str, object] = {}
    conn = await planning_ready(stack, env)
    try:
        year = await free_year(conn)
    finally:
        await conn.close()
    api = f"{stack.url('planning')}/api/v1"
    async with httpx.AsyncClient(timeout=20) as client:
        plan_id, (office_measure,) = await api_plan(client, api, year, "Stadtteilfest")
    plan_url = f"/jahresplaene/{plan_id}"

    member_ctx = await browser.new_context(base_url=base_url, locale="de-DE", bypass_csp=True)
    page = await member_ctx.new_page()
    watch = ConsoleWatch(page)
    await log_in(page, *MEMBER, target="/jahresplaene")
    await page.goto(plan_url)
    await expect(page.locator("#stand")).to_have_text("Entwurf")
    assert await page.get_by_role("button", name="Plan vorlegen").count() == 0
    assert await page.get_by_label("Verantwortlich", exact=True).count() == 0, "the member's actor is fixed"
    await expect(page.locator("#neue-massnahme + form")).to_contain_text("Jugendtreff Modellhaus Hammer Westen")
    assert await page.get_by_role("link", name="Maßnahme „Stadtteilfest“ ändern").count() == 0

    title = f"Offener Treff {uuid.uuid4().hex[:6]}"
    await page.get_by_label("Titel", exact=True).fill(title)
    await page.get_by_label("Beschreibung").fill("Jeden Freitag offen")
    await page.get_by_label("Handlungsfeld", exact=True).select_option("Kinder- und Jugendarbeit")
    await page.get_by_role("checkbox", name="Bildung", exact=True).check()
    await page.get_by_label("Zielgruppen").fill("Jugendliche\nEltern")
    await page.locator("#strategic_goals-1").check()
    if await page.locator("#steering_goal_ids-1").count():
        await page.locator("#steering_goal_ids-1").check()
    await page.get_by_label("Partner:innen").select_option(office_actor())
    await page.get_by_label("Ort", exact=True).select_option("14")
    await page.get_by_label("Beginn", exact=True).fill(f"{year}-03-01")
    await page.get_by_label("Ende", exact=True).fill(f"{year}-10-31")
    await page.get_by_label("Geplante Indikatoren").fill("15 Jugendliche je Abend")
    await axe_here(page, "massnahme-formular-runde", found)
    await page.get_by_role("button", name="Maßnahme speichern").click()
    await page.wait_for_url("**?gespeichert=massnahme*")
    section = page.locator("section.q-measure").filter(has=page.get_by_role("heading", name=title))
    await expect(section).to_contain_text("Jugendtreff Modellhaus Hammer Westen")
    await expect(section).to_contain_text("Bildung")
    await expect(section).to_contain_text("Jugendliche, Eltern")
    await expect(section).to_contain_text("Stadtteilbüro Hammer Westen")
    await expect(section).to_contain_text("15 Jugendliche je Abend")
    await axe_here(page, "plan-runde", found)
    await shot(page, "plan-runde")

    await page.get_by_role("link", name=f"Maßnahme „{title}“ ändern").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Maßnahme ändern")
    await axe_here(page, "massnahme-aendern", found)
    changed = f"{title} und Samstag"
    await page.get_by_label("Titel", exact=True).fill(changed)
    await page.get_by_role("button", name="Änderung speichern").click()
    await page.wait_for_url("**?gespeichert=geaendert*")
    await expect(page.get_by_role("heading", name=changed)).to_be_visible()

    # somebody else's measure: no link, and the address itself is refused
    response = await page.goto(f"{plan_url}/massnahmen/{office_measure}")
    assert response is not None and response.status == 403
    await expect(page.get_by_role("heading", level=1)).to_have_text("Keine Berechtigung")
    await member_ctx.close()
    assert watch.problems == [], watch.problems

    # the coordinator edits the Stadtteilfest while somebody else saves meanwhile: planning's conflict
    coord_ctx = await browser.new_context(base_url=base_url, locale="de-DE", bypass_csp=True)
    cpage = await coord_ctx.new_page()
    await log_in(cpage, *COORDINATOR, target="/jahresplaene")
    await cpage.goto(f"{plan_url}/massnahmen/{office_measure}")
    await cpage.get_by_label("Titel", exact=True).fill("Stadtteilfest im Park")
    async with httpx.AsyncClient(timeout=20) as client:
        other = await client.post(
            f"{api}/plans/{plan_id}/measures", json=api_measure(year, "Zwischendurch"), headers=COORD_HEADERS
        )
        assert other.status_code == 201, other.text
    await cpage.get_by_role("button", name="Änderung speichern").click()
    await expect(cpage.locator("#ablehnung")).to_contain_text("inzwischen geändert")
    await expect(cpage.get_by_label("Titel", exact=True)).to_have_value("Stadtteilfest im Park")
    await axe_here(cpage, "konflikt", found)
    await shot(cpage, "konflikt")
    await cpage.goto(plan_url)
    await expect(cpage.get_by_role("heading", name="Stadtteilfest", exact=True)).to_be_visible()
    await coord_ctx.close()
    assert_no_violations(found)


async def test_westen_walk_to_evaluation_and_carry_over(
    browser: Browser, base_url: str, stack: Stack, env: dict[str, str]
) -> None:
    found: dict[str, object] = {}
    conn = await planning_ready(stack, env)
    try:
        year = await free_year(conn)
    finally:
        await conn.close()
    api = f"{stack.url('planning')}/api/v1"
    keep, change, drop = (f"{name} {uuid.uuid4().hex[:4]}" for name in ("Elterncafé", "Sprachkurs", "Skatrunde"))
    need_text = f"Mehr Angebote für Eltern {uuid.uuid4().hex[:4]}"
    async with httpx.AsyncClient(timeout=20) as client:
        # set-up through the API: draft, measures, presented, a council need answered, hearings closed, started
        plan_id, (keep_id, _change_id, _drop_id) = await api_plan(client, api, year, keep, change, drop)
        assert (await client.post(f"{api}/plans/{plan_id}/present", headers=COORD_HEADERS)).status_code == 200
        recorded = await client.post(
            f"{api}/plans/{plan_id}/hearings/pelkum/needs",
            json={"needs": [{"text": need_text}]},
            headers={"X-Quartier-Actor": "bezirk.pelkum"},
        )
        assert recorded.status_code == 201, recorded.text
        need_id = recorded.json()["need_ids"][0]
        answer = {"kind": "taken_into_plan", "measure_id": keep_id}
        answered = await client.post(
            f"{api}/plans/{plan_id}/needs/{need_id}/answer", json=answer, headers=COORD_HEADERS
        )
        assert answered.status_code == 200, answered.text
        for district in ("mitte", "pelkum", "herringen"):
            closed = await client.post(f"{api}/plans/{plan_id}/hearings/{district}/close", headers=COORD_HEADERS)
            assert closed.status_code == 200, closed.text
        for step in ("finalize", "start"):
            moved = await client.post(f"{api}/plans/{plan_id}/{step}", headers=COORD_HEADERS)
            assert moved.status_code == 200, moved.text

    ctx = await browser.new_context(base_url=base_url, locale="de-DE", bypass_csp=True)
    page = await ctx.new_page()
    watch = ConsoleWatch(page)
    await log_in(page, *COORDINATOR, target="/jahresplaene")
    plan_url = f"/jahresplaene/{plan_id}"
    await page.goto(plan_url)
    await expect(page.locator("#stand")).to_have_text("in Umsetzung")
    await expect(page.locator("#fristen")).to_contain_text(f"Halbjahresbilanz bis 31.07.{year}")

    # mid-year review: continued, changed (a new end), dropped, and one new measure
    await page.get_by_role("link", name="Halbjahresbilanz ziehen").click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Halbjahresbilanz")
    await axe_here(page, "halbjahresbilanz", found)
    for i, (title, decision, reason) in enumerate(
        (
            (keep, "fortgeführt", "Gut besucht"),
            (change, "geändert", "Kurs verkürzt"),
            (drop, "gestrichen", "Kein Raum"),
        ),
        start=1,
    ):
        await page.get_by_role("group", name=f"Entscheidung zu „{title}“").get_by_label(decision, exact=True).check()
        await page.locator(f"#m{i}-reason").fill(reason)
    await page.locator("section.q-measure").nth(1).locator("summary").click()
    await page.locator("#m2-ends_on").fill(f"{year}-09-30")
    await page.locator("#neu1-reason").fill("Wunsch aus der Stadtteilkonferenz")
    await page.locator("#neu1-title").fill("Hausaufgabenhilfe")
    await page.locator("#neu1-field_of_action").select_option("Kinder- und Jugendarbeit")
    await page.locator("#neu1-responsible_actor_id").select_option(member_actor())
    await page.locator("#neu1-place").select_option("zentrum")
    await page.locator("#neu1-starts_on").fill(f"{year}-09-01")
    await page.locator("#neu1-ends_on").fill(f"{year}-12-15")
    await page.get_by_role("button", name="Halbjahresbilanz speichern").click()
    await page.wait_for_url("**?gespeichert=bilanz*")
    await expect(page.locator("#stand")).to_have_text("Halbjahresbilanz gezogen")
    await expect(page.locator("main")).to_contain_text("fortgeführt: Gut besucht")
    await expect(page.locator("main")).to_contain_text("geändert: Kurs verkürzt")
    await expect(page.locator("main")).to_contain_text("gestrichen: Kein Raum")
    await expect(page.locator("main")).to_contain_text("neu aufgenommen: Wunsch aus der Stadtteilkonferenz")

    # evaluation of the three active measures
    await page.get_by_role("link", name="Plan auswerten").click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Auswertung")
    assert await page.get_by_role("heading", name=drop).count() == 0, "a dropped measure is not evaluated"
    await axe_here(page, "auswertung", found)
    for title, outcome in (
        (keep, "umgesetzt"),
        (change, "teilweise umgesetzt"),
        ("Hausaufgabenhilfe", "nicht umgesetzt"),
    ):
        await page.get_by_role("group", name=f"Ergebnis zu „{title}“").get_by_label(outcome, exact=True).check()
    await page.get_by_label(f"Erreichte Indikatoren zu „{keep}“").fill("25 Eltern\n6 Treffen")
    await page.get_by_label(f"Erkenntnisse zu „{change}“").fill("Kürzere Einheiten")
    await page.get_by_role("button", name="Auswertung speichern").click()
    await page.wait_for_url("**?gespeichert=auswertung*")
    await expect(page.locator("#stand")).to_have_text("ausgewertet")
    await expect(page.locator("main")).to_contain_text("umgesetzt; erreicht: 25 Eltern, 6 Treffen")
    await expect(page.locator("main")).to_contain_text("teilweise umgesetzt; Erkenntnisse: Kürzere Einheiten")
    await axe_here(page, "plan-ausgewertet", found)
    await shot(page, "plan-ausgewertet")

    # the trace of the council need: need → answer → measure → review → evaluation
    await page.get_by_role("link", name=re.compile("^Spur des Bedarfs")).click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Spur eines Bedarfs")
    await expect(page.locator("#spur-antwort")).to_contain_text(f"In den Plan übernommen: Maßnahme „{keep}“")
    await expect(page.locator("#spur-massnahme")).to_contain_text(keep)
    await expect(page.locator("#spur-bilanz")).to_contain_text("fortgeführt")
    await expect(page.locator("#spur-auswertung")).to_have_text("umgesetzt")
    await axe_here(page, "spur", found)
    await shot(page, "spur")

    # comparison: the version after the start against the last one, in German
    await page.goto(plan_url)
    await page.get_by_role("button", name="Vergleichen").click()
    await page.wait_for_url("**/vergleich?*")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Versionen vergleichen")
    await expect(page.locator("main")).to_contain_text("Stand: Halbjahresbilanz gezogen → ausgewertet")
    await expect(page.locator("table.q-changed").first).to_contain_text("Ergebnis der Auswertung")
    versions = await page.locator("#von option").all_inner_texts()
    await page.goto(f"{plan_url}/vergleich?von=1&bis={versions[-1].split()[-1]}")
    await expect(page.locator("#hinzugefuegt")).to_contain_text("Hausaufgabenhilfe")
    await expect(page.locator("main")).to_contain_text(
        "Bezirksvertretung Hamm-Pelkum: noch nicht geöffnet → geschlossen"
    )
    await axe_here(page, "vergleich", found)
    await shot(page, "vergleich")

    # carry-over: the unfinished measures go into next year's draft
    await page.goto(plan_url)
    await page.get_by_role("button", name=f"Offene Maßnahmen in den Plan {year + 1} übertragen").click()
    await page.wait_for_url("**?gespeichert=uebertragen*")
    await expect(page.get_by_role("heading", level=1)).to_contain_text(f"Jahresplan {year + 1}")
    await expect(page.locator("#stand")).to_have_text("Entwurf")
    carried = page.locator("main table tbody tr").filter(has_text=f"aus {year} übertragen")
    await expect(carried).to_have_count(2)
    measures_table = page.get_by_role("table", name="Maßnahmen des Plans")  # the social data have tables too
    await expect(measures_table).to_contain_text(change)
    await expect(measures_table).to_contain_text("Hausaufgabenhilfe")
    assert await page.locator("main table").filter(has_text=keep).count() == 0, "done measures stay behind"
    await expect(page.locator("#fristen")).to_contain_text(f"Entwurf vorlegen bis 30.09.{year}")
    await axe_here(page, "uebertragen", found)
    await shot(page, "uebertragen")
    await ctx.close()
    assert_no_violations(found)
    assert watch.problems == [], watch.problems
