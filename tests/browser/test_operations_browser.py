"""The operations page (/betrieb) in Debian's Chromium: an administrator sees every service's health and
readiness, the lag of the consumer groups, the outbox backlog and dead letters with charts of the last hour,
all from the services and a real Prometheus scraping them; axe-core finds nothing serious."""

from __future__ import annotations

import uuid

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext

from tests.support.browser import (
    ADMIN,
    COORDINATOR,
    ConsoleWatch,
    assert_no_violations,
    axe_violations,
    log_in,
    screenshot,
)
from tests.support.helpers import eventually
from tests.support.prometheus import Prometheus
from tests.support.stack import Stack


@pytest.fixture(scope="module")
async def ops_gateway(stack: Stack, prometheus: Prometheus) -> str:
    """The gateway with the session's Prometheus as the source of the operations page's figures, once an
    event has travelled to reporting (so its consumer group has offsets whose lag Prometheus knows)."""
    url = stack.start("gateway", extra_env={"QUARTIER_PROMETHEUS_URL": prometheus.url}).url
    async with httpx.AsyncClient() as client:
        response = await client.put(
            f"{stack.url('registry')}/api/v1/social-areas/rhynern/community-centre",
            json={"name": f"Stadtteilzentrum Rhynern ({uuid.uuid4().hex[:6]})"},
            headers={"X-Quartier-Actor": "test"},
        )
    assert response.status_code == 200, response.text
    group = stack.topic_prefix + "reporting.territory"

    async def lag_known() -> list:
        return prometheus.query(f'quartier_consumer_group_lag_messages{{group="{group}"}}')

    await eventually(lag_known, timeout=40, interval=1)
    return url


async def test_the_administrator_sees_the_operations_page(
    ops_gateway: str, context: BrowserContext, browser: Browser, base_url: str
) -> None:
    assert base_url == ops_gateway
    page = await context.new_page()
    watch = ConsoleWatch(page)
    await log_in(page, *ADMIN, target="/sozialraeume")
    await page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Betrieb").click()
    await page.wait_for_url("**/betrieb")
    assert await page.title() == "Betrieb – Quartier"
    assert await page.get_by_role("heading", level=1).inner_text() == "Betrieb"

    services = page.get_by_role("table", name="Erreichbarkeit, Bereitschaft und Ereignisse je Dienst")
    rows = services.locator("tbody tr")
    assert await rows.count() == 5
    for name in ("registry", "planning", "invitations", "reporting", "gateway"):
        row = services.locator(f"tr#dienst-{name}")
        cells = await row.locator("td").all_inner_texts()
        assert cells[0].startswith("ja"), (name, cells)  # /health answers
        assert cells[1].startswith("ja") and "Datenbank ja, Kafka ja" in cells[1], (name, cells)
    # figures and charts from Prometheus: reporting reads events, so it has a lag and its chart
    reporting = services.locator("tr#dienst-reporting")
    assert await reporting.get_by_role("img", name="Rückstand von Berichte").count() == 1
    assert await services.get_by_role("img", name="Outbox von Register in der letzten Stunde").count() == 1
    groups = page.get_by_role("table", name="Rückstand je Consumer-Gruppe und Topic")
    assert "reporting.territory" in await groups.inner_text()
    assert await page.get_by_text("Keine Zahlen aus Prometheus").count() == 0

    await screenshot(page, "operations")
    assert watch.problems == [], watch.problems
    state = await context.storage_state()
    assert_no_violations(await axe_violations(browser, base_url, state, ["/betrieb"]))


async def test_others_do_not_see_the_operations_page(ops_gateway: str, context: BrowserContext) -> None:
    page = await context.new_page()
    await log_in(page, *COORDINATOR, target="/sozialraeume")
    nav = page.get_by_role("navigation", name="Hauptnavigation")
    assert await nav.get_by_role("link", name="Betrieb").count() == 0
    response = await page.goto("/betrieb")
    assert response is not None and response.status == 403
