"""The gateway's UI in a real browser: Chromium from Debian driven by Playwright, checked by axe-core.

Chromium is Debian's /usr/bin/chromium; nothing is downloaded. axe-core comes from
services/gateway/node_modules. The fixtures ``browser`` (one per test module), ``base_url`` and
``context`` are made available to the tests by tests/conftest.py.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from tests.support.stack import Stack

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "services" / "gateway" / "node_modules" / "axe-core" / "axe.min.js"
RESULTS = ROOT / "test-results"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 900}

COORDINATOR = ("koordination.westen", "demo-westen-2025")
ADMIN = ("admin", "demo-admin-2025")


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} fehlt: bitte `make install` ausführen (Debian-Paket chromium)")
    if not AXE.exists():
        pytest.fail(f"{AXE} fehlt: bitte `npm ci` in services/gateway ausführen")
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        await browser.close()


@pytest.fixture
def base_url(stack: Stack) -> str:
    return stack.url("gateway")


@pytest.fixture
async def context(browser: Browser, base_url: str) -> AsyncIterator[BrowserContext]:
    ctx = await new_context(browser, base_url)
    yield ctx
    await ctx.close()


async def new_context(browser: Browser, base_url: str) -> BrowserContext:
    """A German desktop browser context (downloads accepted, as is Playwright's default)."""
    return await browser.new_context(base_url=base_url, locale="de-DE", viewport=VIEWPORT, accept_downloads=True)


class ConsoleWatch:
    """Collects what the browser reports as broken: CSP refusals, script errors, failed requests."""

    def __init__(self, page: Page) -> None:
        self.problems: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.problems.append(str(e)))
        page.on("response", self._response)

    def _console(self, message: Any) -> None:
        # answers with an error status are reported below; the 401 of a refused login is intended
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.problems.append(message.text)

    def _response(self, response: Any) -> None:
        if response.status >= 400 and response.request.resource_type != "document":
            self.problems.append(f"{response.status} {response.url}")


async def submit_login(page: Page, username: str, password: str) -> int:
    """Fills the login form on the current page and sends it; the status of the POST."""
    await page.get_by_label("Benutzername").fill(username)
    await page.get_by_label("Passwort").fill(password)
    async with page.expect_response(lambda r: r.url.endswith("/anmelden") and r.request.method == "POST") as info:
        await page.get_by_role("button", name="Anmelden").click()
    return (await info.value).status


async def log_in(page: Page, username: str, password: str, target: str = "/sozialraeume") -> None:
    await page.goto(f"/anmelden?weiter={target}")
    assert await submit_login(page, username, password) == 303
    await page.wait_for_url(f"**{target}")


async def screenshot(page: Page, name: str) -> None:
    """A full-page screenshot as test-results/<name>.png."""
    RESULTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(RESULTS / f"{name}.png"), full_page=True)


@asynccontextmanager
async def axe_page(browser: Browser, base_url: str, storage_state: Any = None) -> AsyncIterator[Page]:
    """A page in a context that may inject axe-core despite the page's CSP."""
    checked = await browser.new_context(base_url=base_url, storage_state=storage_state, bypass_csp=True, locale="de-DE")
    try:
        yield await checked.new_page()
    finally:
        await checked.close()


async def run_axe(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now."""
    await page.add_script_tag(path=str(AXE))
    result = await page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v.get("impact") in ("serious", "critical")
    ]


async def violations_on(page: Page, paths: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """axe-core on each path in turn; the paths with serious or critical violations."""
    found: dict[str, Any] = {}
    for path in paths:
        await page.goto(path)
        if bad := await run_axe(page):
            found[path] = bad
    return found


async def axe_violations(browser: Browser, base_url: str, storage_state: Any, paths: list[str]) -> dict[str, Any]:
    """axe-core on each page, in a context that may inject the script despite the page's CSP."""
    async with axe_page(browser, base_url, storage_state) as page:
        return await violations_on(page, paths)


def assert_no_violations(found: dict[str, Any]) -> None:
    if found:
        print(json.dumps(found, indent=2, ensure_ascii=False))
    assert found == {}, "axe-core found serious or critical violations (printed above)"
