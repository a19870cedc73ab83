"""Fixtures of the gateway's unit tests: a fake registry (httpx.MockTransport over the Hamm data) and an
in-memory auth store, so that no database, broker or registry process is needed."""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from quartier_gateway import security
from quartier_gateway.app import build_app
from quartier_gateway.db.repository import AccountRecord, SessionRecord
from quartier_gateway.domain import LoginFailures
from quartier_gateway.settings import GatewaySettings

# The registry's own copy of the Hamm territory, so these tests need nothing outside the repository.
HAMM_YAML = Path(__file__).resolve().parents[2] / "registry" / "data" / "hamm.yaml"

PASSWORDS = {
    "admin": "admin-passwort-1",
    "koordination.westen": "westen-passwort-1",
    "bezirk.mitte": "mitte-passwort-1",
    "lenkungskreis": "lenkung-passwort-1",
}


def hamm_social_areas() -> list[dict[str, Any]]:
    data = yaml.safe_load(HAMM_YAML.read_text(encoding="utf-8"))
    districts = {d["key"]: d["name"] for d in data["stadtbezirke"]}
    areas = []
    for sa in data["sozialraeume"]:
        ras = [
            {"number": n, "name": data["wohnbereiche"][n][0], "district_key": data["wohnbereiche"][n][1]}
            for n in sa["wohnbereiche"]
        ]
        keys = list(dict.fromkeys(r["district_key"] for r in ras))
        areas.append(
            {
                "key": sa["key"],
                "name": sa["name"],
                "community_centre": {"name": sa["stadtteilzentrum"]},
                "residential_areas": ras,
                "districts": [{"key": k, "name": districts[k]} for k in keys],
            }
        )
    return areas


@dataclass
class FakeRegistry:
    """Speaks the registry's HTTP API from memory; ``down`` simulates an unreachable registry."""

    areas: list[dict[str, Any]] = field(default_factory=hamm_social_areas)
    down: bool = False
    calls: list[tuple[str, str, Any, str | None]] = field(default_factory=list)

    def handler(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("connection refused", request=request)
        body = json.loads(request.content) if request.content else None
        self.calls.append((request.method, request.url.path, body, request.headers.get("x-quartier-actor")))
        if request.url.path.startswith(("/oparl", "/hsds")):
            return httpx.Response(
                200,
                json={
                    "path": request.url.path,
                    "query": request.url.query.decode(),
                    "base": request.headers.get("x-quartier-public-base"),
                },
            )
        parts = request.url.path.strip("/").split("/")[2:]
        by_key = {a["key"]: a for a in self.areas}
        if request.method == "GET" and parts == ["social-areas"]:
            return httpx.Response(200, json=self.areas)
        if request.method == "GET" and len(parts) == 2 and parts[0] == "social-areas":
            if parts[1] not in by_key:
                return httpx.Response(404, json={"detail": "Diesen Sozialraum gibt es nicht."})
            return httpx.Response(200, json=by_key[parts[1]])
        if request.method == "GET" and parts == ["districts"]:
            result: dict[str, dict[str, Any]] = {}
            for a in self.areas:
                for d in a["districts"]:
                    result.setdefault(d["key"], {**d, "social_area_keys": []})["social_area_keys"].append(a["key"])
            return httpx.Response(200, json=list(result.values()))
        if request.method == "PUT" and len(parts) == 3 and parts[2] == "community-centre":
            if parts[1] not in by_key:
                return httpx.Response(404, json={"detail": "Diesen Sozialraum gibt es nicht."})
            if body["name"] == "Verboten":
                return httpx.Response(409, json={"detail": "Dieser Name ist schon vergeben."})
            by_key[parts[1]]["community_centre"] = {"name": body["name"]}
            return httpx.Response(200, json=by_key[parts[1]])
        if request.method == "POST" and len(parts) == 3 and parts[0] == "residential-areas":
            number = int(parts[1])
            target = body["social_area_key"]
            if target not in by_key:
                return httpx.Response(422, json={"detail": "Unbekannter Ziel-Sozialraum."})
            for a in self.areas:
                for ra in a["residential_areas"]:
                    if ra["number"] == number:
                        return httpx.Response(
                            200, json={"number": number, "from_social_area_key": a["key"], "to_social_area_key": target}
                        )
            return httpx.Response(404, json={"detail": "Diesen Wohnbereich gibt es nicht."})
        return httpx.Response(404, json={"detail": "Nicht gefunden."})


class MemoryAuthStore:
    """The AuthStore protocol in memory."""

    def __init__(self) -> None:
        self.accounts: dict[str, AccountRecord] = {}
        self.sessions: dict[bytes, tuple[str, str, datetime]] = {}
        self.failures: dict[str, LoginFailures] = {}

    async def get_account(self, username: str) -> AccountRecord | None:
        return self.accounts.get(username)

    async def save_account(self, account: AccountRecord) -> None:
        self.accounts[account.username] = account

    async def set_password_hash(self, username: str, password_hash: str) -> None:
        self.accounts[username] = replace(self.accounts[username], password_hash=password_hash)

    async def create_session(self, token_hash: bytes, username: str, csrf_token: str, expires_at: datetime) -> None:
        self.sessions[token_hash] = (username, csrf_token, expires_at)

    async def get_session(self, token_hash: bytes, now: datetime) -> SessionRecord | None:
        entry = self.sessions.get(token_hash)
        if entry is None or entry[2] <= now:
            return None
        account = self.accounts[entry[0]]
        if not account.active:
            return None
        return SessionRecord(account.principal(), entry[1], entry[2])

    async def delete_session(self, token_hash: bytes) -> None:
        self.sessions.pop(token_hash, None)

    async def delete_expired_sessions(self, now: datetime) -> int:
        old = [k for k, v in self.sessions.items() if v[2] <= now]
        for k in old:
            del self.sessions[k]
        return len(old)

    async def get_login_failures(self, username: str) -> LoginFailures | None:
        return self.failures.get(username)

    async def save_login_failures(self, username: str, state: LoginFailures) -> None:
        self.failures[username] = state

    async def clear_login_failures(self, username: str) -> None:
        self.failures.pop(username, None)

    async def forget_old_login_failures(self, before: datetime, now: datetime) -> None:
        for name, state in list(self.failures.items()):
            if state.first_failed_at < before and (state.locked_until is None or state.locked_until < now):
                del self.failures[name]


def seeded_store() -> MemoryAuthStore:
    store = MemoryAuthStore()
    scopes = {
        "admin": ("admin", None, None),
        "koordination.westen": ("area_coordinator", "westen", None),
        "bezirk.mitte": ("council_member", None, "mitte"),
        "lenkungskreis": ("steering_committee", None, None),
    }
    for username, (role, sa, d) in scopes.items():
        password_hash = security.hash_password(PASSWORDS[username])
        store.accounts[username] = AccountRecord(username, f"Test {username}", password_hash, role, sa, d)
    return store


@pytest.fixture
def registry() -> FakeRegistry:
    return FakeRegistry(areas=copy.deepcopy(hamm_social_areas()))


@pytest.fixture
def store() -> MemoryAuthStore:
    return seeded_store()


@pytest.fixture
def settings() -> GatewaySettings:
    return GatewaySettings(registry_url="http://registry.test", login_max_failures=3)


@pytest.fixture
async def client(
    registry: FakeRegistry, store: MemoryAuthStore, settings: GatewaySettings
) -> AsyncIterator[httpx.AsyncClient]:
    app = build_app(settings, registry_transport=httpx.MockTransport(registry.handler), auth_store=store)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as c:
        yield c


LoginFn = Callable[[httpx.AsyncClient, str], Any]


async def login_as(client: httpx.AsyncClient, username: str, password: str | None = None) -> httpx.Response:
    """Logs in through the real form (GET for the double-submit cookie, then POST)."""
    page = await client.get("/anmelden")
    token = csrf_from(page.text)
    return await client.post(
        "/anmelden",
        data={"benutzername": username, "passwort": password or PASSWORDS[username], "csrf_token": token, "weiter": ""},
    )


def csrf_from(html: str) -> str:
    marker = 'name="csrf_token" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


@pytest.fixture
def login() -> Callable[..., Any]:
    return login_as


class PageStructure:
    """What the accessibility checks of the unit tests look at, parsed with the standard library."""

    def __init__(self, html: str) -> None:
        from html.parser import HTMLParser

        self.tags: list[tuple[str, dict[str, str | None]]] = []
        outer = self

        class Parser(HTMLParser):
            def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
                outer.tags.append((tag, dict(attrs)))

        Parser().feed(html)

    def count(self, tag: str) -> int:
        return sum(1 for t, _ in self.tags if t == tag)

    def find(self, tag: str) -> list[dict[str, str | None]]:
        return [a for t, a in self.tags if t == tag]

    def ids(self) -> set[str]:
        return {a["id"] for _, a in self.tags if a.get("id")}  # type: ignore[misc]


@pytest.fixture
def structure() -> type[PageStructure]:
    return PageStructure


@pytest.fixture
def csrf() -> Callable[[str], str]:
    return csrf_from
