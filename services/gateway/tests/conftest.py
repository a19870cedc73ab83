"""Fixtures of the gateway's unit tests: a fake registry (httpx.MockTransport over the Hamm data) and an
in-memory auth store, so that no database, broker or registry process is needed."""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from argon2 import PasswordHasher

from quartier_gateway.app import Transports, build_app
from quartier_gateway.auth import security
from quartier_gateway.auth.db.repository import AccountRecord, SessionRecord
from quartier_gateway.auth.domain import LoginFailures
from quartier_gateway.settings import GatewaySettings
from quartier_shared.errors import title_of
from quartier_shared.http import PROBLEM_MEDIA_TYPE

# The registry's own copy of the Hamm territory, so these tests need nothing outside the repository.
HAMM_YAML = Path(__file__).resolve().parents[2] / "registry" / "data" / "hamm.yaml"


@functools.cache
def _hamm() -> dict[str, Any]:
    """The parsed file, once per session: every fake registry reads it, and parsing is slow (read only)."""
    data: dict[str, Any] = yaml.safe_load(HAMM_YAML.read_text(encoding="utf-8"))
    return data


PASSWORDS = {
    "admin": "admin-passwort-1",
    "koordination.westen": "westen-passwort-1",
    "bezirk.mitte": "mitte-passwort-1",
    "lenkungskreis": "lenkung-passwort-1",
}


# argon2 with its production cost takes a noticeable fraction of a second per hash and per login; the unit
# tests check the login flow, not the cost, so they hash with the smallest parameters argon2 allows
# (test_security.py puts the production hasher back to check its parameters).
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture(autouse=True, scope="session")
def fast_password_hashing() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(security, "_HASHER", FAST_HASHER)
        patch.setattr(security, "_DUMMY_HASH", FAST_HASHER.hash("unbekannt"))
        yield


@functools.cache
def password_hash(password: str) -> str:
    """The hash of a test password, computed once per test session."""
    return security.hash_password(password)


def hamm_social_areas() -> list[dict[str, Any]]:
    data = _hamm()
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


def hamm_vocabularies() -> dict[str, list[str]]:
    data = _hamm()
    return {"fields_of_action": data["handlungsfelder"], "cross_cutting_themes": data["querschnittsthemen"]}


def problem(status: int, detail: str, field: str | None = None, **extensions: Any) -> httpx.Response:
    """A refusal as every Quartier service answers it: RFC 9457 problem+json (``quartier_shared.http``)."""
    body: dict[str, Any] = {"type": "about:blank", "title": title_of(status), "status": status, "detail": detail}
    if field is not None:
        body["errors"] = [{"field": field, "message": detail}]
    body.update(extensions)
    return httpx.Response(status, json=body, headers={"Content-Type": PROBLEM_MEDIA_TYPE})


FAKE_PROVIDER = "3f2a7c1e-8a4b-5d6e-9f00-112233445566"


def fake_offer(offer_id: str, title: str, social_area_key: str, **changes: Any) -> dict[str, Any]:
    """An offer as the registry's API answers it (OfferOut)."""
    offer: dict[str, Any] = {
        "id": offer_id,
        "title": title,
        "description": "Deutsch sprechen üben bei Kaffee und Tee.",
        "provider_actor_id": FAKE_PROVIDER,
        "field_of_action": "Quartiersmanagement",
        "cross_cutting_themes": ["Integration"],
        "target_groups": ["Erwachsene", "Geflüchtete"],
        "languages": ["Deutsch", "Arabisch"],
        "social_area_key": social_area_key,
        "place": {
            "kind": "community_centre",
            "social_area_key": social_area_key,
            "residential_area_number": None,
            "name": "Stadtteilzentrum an der Wilhelmstraße" if social_area_key == "westen" else "Stadtteilzentrum",
            "street": None,
            "postal_code": None,
        },
        "schedule": {
            "recurrences": [
                {
                    "frequency": "weekly",
                    "weekdays": ["tuesday"],
                    "ordinals": [],
                    "start_time": "15:00",
                    "end_time": "17:00",
                    "text": "wöchentlich Dienstag, 15:00–17:00 Uhr",
                }
            ]
        },
        "free_of_charge": True,
        "cost": None,
        "accessibility": {"wheelchair_accessible": True, "notes": None},
        "contact": {"office": "Stadtteilbüro Westen", "email": "stadtteilbuero-westen@example.org", "phone": None},
        "last_confirmed_on": "2026-01-10",
        "review_due_on": "2027-01-10",
        "review_due": False,
        "status": "active",
        "merged_into": None,
    }
    offer.update(changes)
    return offer


OFFER_WESTEN = "11111111-1111-4111-8111-111111111111"
OFFER_MITTE = "22222222-2222-4222-8222-222222222222"
OFFER_DUE = "33333333-3333-4333-8333-333333333333"
PAIR_SEEDED = "44444444-4444-4444-8444-444444444444"
OFFER_WESTEN_TWIN = "55555555-5555-4555-8555-555555555555"


@dataclass
class FakeOffers:
    """The registry's offer directory, duplicates, vocabularies and actors, in memory.

    A new offer whose title contains "Sprach" is suspected to duplicate the Sprachcafé in Westen; an empty
    title or a recurrence without weekdays is refused with the registry's 422 shape.
    """

    RESOURCES = ("offers", "duplicates", "vocabularies", "actors")
    items: dict[str, dict[str, Any]] = field(default_factory=dict)
    pairs: dict[str, dict[str, Any]] = field(default_factory=dict)
    actors: list[dict[str, Any]] | None = field(
        default_factory=lambda: [{"id": FAKE_PROVIDER, "name": "Nachbarschaftshilfe Westen e.V.", "withdrawn": False}]
    )
    queries: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        for offer in (
            fake_offer(OFFER_WESTEN, "Sprachcafé International", "westen"),
            fake_offer(OFFER_WESTEN_TWIN, "Internationales Sprach-Café", "westen"),
            fake_offer(
                OFFER_MITTE,
                "Mittagstisch",
                "mitte",
                target_groups=["Senior:innen"],
                languages=["Deutsch", "Türkisch"],
                field_of_action="Senior:innenarbeit",
            ),
            fake_offer(OFFER_DUE, "Seniorencafé", "mitte", target_groups=["Senior:innen"], review_due=True),
        ):
            self.items[offer["id"]] = offer
        self.pairs[PAIR_SEEDED] = {
            "id": PAIR_SEEDED,
            "a": OFFER_WESTEN,
            "b": OFFER_WESTEN_TWIN,
            "score": 0.86,
            "reasons": [
                {"code": "similar_title", "text": "ähnlicher Titel"},
                {"code": "same_place", "text": "gleicher Ort"},
            ],
            "status": "open",
        }

    @staticmethod
    def refuse(fieldname: str, message: str) -> httpx.Response:
        return problem(422, message, fieldname)

    def candidates(self, offer_id: str) -> list[dict[str, Any]]:
        result = []
        for pair in self.pairs.values():
            if pair["status"] != "open" or offer_id not in (pair["a"], pair["b"]):
                continue
            other = self.items[pair["b"] if pair["a"] == offer_id else pair["a"]]
            result.append(
                {
                    "pair_id": pair["id"],
                    "offer_id": other["id"],
                    "title": other["title"],
                    "social_area_key": other["social_area_key"],
                    "provider_actor_id": other["provider_actor_id"],
                    "score": pair["score"],
                    "reasons": pair["reasons"],
                }
            )
        return result

    def store(self, offer_id: str, body: dict[str, Any]) -> httpx.Response | dict[str, Any]:
        if not (body.get("title") or "").strip():
            return self.refuse("title", "Bitte geben Sie einen Titel an.")
        for i, r in enumerate((body.get("schedule") or {}).get("recurrences") or []):
            if not r.get("weekdays"):
                return self.refuse(
                    f"schedule.recurrences[{i}].weekdays",
                    "Bitte geben Sie mindestens einen Wochentag für den Termin an.",
                )
        place = dict(body.get("place") or {})
        area = place.get("social_area_key") or "westen"
        offer = fake_offer(offer_id, body["title"], area)
        for key in ("description", "field_of_action", "cross_cutting_themes", "target_groups", "languages"):
            if body.get(key):
                offer[key] = body[key]
        offer["schedule"] = body.get("schedule") or {"recurrences": []}
        offer["place"].update(place)
        self.items[offer_id] = offer
        if "sprach" in body["title"].lower():
            pair_id = f"66666666-6666-4666-8666-{len(self.pairs):012d}"
            self.pairs[pair_id] = {
                "id": pair_id,
                "a": offer_id,
                "b": OFFER_WESTEN,
                "score": 0.82,
                "reasons": [
                    {"code": "similar_title", "text": "ähnlicher Titel"},
                    {
                        "code": "same_weekday_overlapping_hours",
                        "text": "gleicher Wochentag und überschneidende Uhrzeit",
                    },
                ],
                "status": "open",
            }
        return offer

    def handle(self, method: str, parts: list[str], body: Any, params: dict[str, str]) -> httpx.Response:
        self.queries.append(("/".join(parts), params))
        if parts == ["vocabularies"]:
            return httpx.Response(200, json=hamm_vocabularies())
        if parts == ["actors"]:
            if self.actors is None:
                return problem(404, "Diese Adresse gibt es nicht.")
            return httpx.Response(200, json=self.actors)
        if (parts[0] == "offers" and method == "GET" and len(parts) == 1) or parts == ["offers", "review-due"]:
            items = [o for o in self.items.values() if o["status"] == "active"]
            if parts[-1] == "review-due":
                items = [o for o in items if o["review_due"]]
            if params.get("social_area_key"):
                items = [o for o in items if o["social_area_key"] == params["social_area_key"]]
            if params.get("field_of_action"):
                items = [o for o in items if o["field_of_action"] == params["field_of_action"]]
            if params.get("target_group"):
                items = [
                    o for o in items if any(params["target_group"].lower() in g.lower() for g in o["target_groups"])
                ]
            if params.get("language"):
                items = [o for o in items if any(params["language"].lower() == g.lower() for g in o["languages"])]
            limit, offset = int(params.get("limit", 50)), int(params.get("offset", 0))
            return httpx.Response(
                200,
                json={"items": items[offset : offset + limit], "total": len(items), "limit": limit, "offset": offset},
            )
        if parts == ["offers"] and method == "POST":
            offer_id = f"77777777-7777-4777-8777-{len(self.items):012d}"
            stored = self.store(offer_id, body)
            if isinstance(stored, httpx.Response):
                return stored
            return httpx.Response(201, json={"offer": stored, "duplicate_candidates": self.candidates(offer_id)})
        if parts[0] == "offers" and len(parts) >= 2:
            offer = self.items.get(parts[1])
            if offer is None:
                return problem(404, "Das Angebot ist nicht bekannt.", "offer_id")
            if len(parts) == 2 and method == "GET":
                return httpx.Response(200, json={"offer": offer, "duplicate_candidates": self.candidates(offer["id"])})
            if len(parts) == 2 and method == "PUT":
                stored = self.store(offer["id"], body)
                if isinstance(stored, httpx.Response):
                    return stored
                return httpx.Response(200, json={"offer": stored, "duplicate_candidates": self.candidates(offer["id"])})
            if parts[2:] == ["confirm"] and method == "POST":
                offer.update(review_due=False, last_confirmed_on="2026-11-25")
                return httpx.Response(200, json=offer)
            if parts[2:] == ["withdraw"] and method == "POST":
                offer["status"] = "withdrawn"
                return httpx.Response(200, json=offer)
        if parts == ["duplicates"] and method == "GET":
            open_pairs = [p for p in self.pairs.values() if p["status"] == "open"]
            if params.get("social_area_key"):
                key = params["social_area_key"]
                open_pairs = [
                    p
                    for p in open_pairs
                    if key in (self.items[p["a"]]["social_area_key"], self.items[p["b"]]["social_area_key"])
                ]
            items = [
                {
                    "id": p["id"],
                    "score": p["score"],
                    "reasons": p["reasons"],
                    "status": p["status"],
                    "suspected_at": "2026-11-20T09:00:00+00:00",
                    "offers": [self.items[p["a"]], self.items[p["b"]]],
                }
                for p in open_pairs
            ]
            return httpx.Response(200, json={"items": items, "total": len(items), "limit": 50, "offset": 0})
        if parts[0] == "duplicates" and len(parts) == 3 and method == "POST":
            pair = self.pairs.get(parts[1])
            if pair is None:
                return problem(404, "Unbekanntes Paar.", "pair_id")
            if parts[2] == "dismiss":
                pair["status"] = "dismissed"
                return httpx.Response(200, json={**pair, "offers": []})
            if parts[2] == "merge":
                keep = body.get("keep_offer_id")
                if keep not in (pair["a"], pair["b"]):
                    return self.refuse("keep_offer_id", "Das zu behaltende Angebot gehört nicht zu diesem Paar.")
                dropped = pair["b"] if keep == pair["a"] else pair["a"]
                pair["status"] = "merged"
                self.items[dropped].update(status="withdrawn", merged_into=keep)
                return httpx.Response(
                    200,
                    json={
                        "pair_id": pair["id"],
                        "status": "merged",
                        "kept": self.items[keep],
                        "withdrawn": self.items[dropped],
                    },
                )
        return problem(404, "Nicht gefunden.")


@dataclass
class FakeRegistry:
    """Speaks the registry's HTTP API from memory; ``down`` simulates an unreachable registry."""

    areas: list[dict[str, Any]] = field(default_factory=hamm_social_areas)
    down: bool = False
    calls: list[tuple[str, str, Any, str | None]] = field(default_factory=list)
    offers: FakeOffers = field(default_factory=lambda: FakeOffers())
    # actors, persons, bodies, memberships: set by test_people_pages*.py (callable(method, parts, body))
    people: Any = None

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
        if self.people is not None and parts and parts[0] in ("actors", "persons", "bodies", "memberships"):
            return self.people(request.method, parts, body)
        if parts and parts[0] in FakeOffers.RESOURCES:
            return self.offers.handle(request.method, parts, body, dict(request.url.params))
        by_key = {a["key"]: a for a in self.areas}
        if request.method == "GET" and parts == ["social-areas"]:
            return httpx.Response(200, json=self.areas)
        if request.method == "GET" and len(parts) == 2 and parts[0] == "social-areas":
            if parts[1] not in by_key:
                return problem(404, "Diesen Sozialraum gibt es nicht.")
            return httpx.Response(200, json=by_key[parts[1]])
        if request.method == "GET" and parts == ["districts"]:
            result: dict[str, dict[str, Any]] = {}
            for a in self.areas:
                for d in a["districts"]:
                    result.setdefault(d["key"], {**d, "social_area_keys": []})["social_area_keys"].append(a["key"])
            return httpx.Response(200, json=list(result.values()))
        if request.method == "PUT" and len(parts) == 3 and parts[2] == "community-centre":
            if parts[1] not in by_key:
                return problem(404, "Diesen Sozialraum gibt es nicht.")
            if body["name"] == "Verboten":
                return problem(409, "Dieser Name ist schon vergeben.")
            by_key[parts[1]]["community_centre"] = {"name": body["name"]}
            return httpx.Response(200, json=by_key[parts[1]])
        if request.method == "POST" and len(parts) == 3 and parts[0] == "residential-areas":
            number = int(parts[1])
            target = body["social_area_key"]
            if target not in by_key:
                return problem(422, "Unbekannter Ziel-Sozialraum.")
            for a in self.areas:
                for ra in a["residential_areas"]:
                    if ra["number"] == number:
                        return httpx.Response(
                            200, json={"number": number, "from_social_area_key": a["key"], "to_social_area_key": target}
                        )
            return problem(404, "Diesen Wohnbereich gibt es nicht.")
        return problem(404, "Nicht gefunden.")


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
        store.accounts[username] = AccountRecord(
            username, f"Test {username}", password_hash(PASSWORDS[username]), role, sa, d
        )
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
    app = build_app(settings, transports=Transports(registry=httpx.MockTransport(registry.handler)), auth_store=store)
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
