"""The meeting pages (/sitzungen) through the whole ASGI stack, with a fake invitations service (JSON and
errors as in the contract of issue 5: meetings, conflicts, invitees, send, answers, deliveries, public next
conference and iCalendar feed) and the fake registry of conftest.py (bodies and persons added here)."""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from quartier_gateway.app import Transports, build_app
from quartier_gateway.auth.db.repository import AccountRecord

from ..conftest import PASSWORDS, csrf_from, login_as, password_hash, problem
from ..test_pages import assert_accessible_page

BERLIN = "Europe/Berlin"
YEAR = dt.date.today().year + 2
BODY_CONF_WESTEN = "b0000000-0000-4000-8000-000000000001"
BODY_ROUND_WESTEN = "b0000000-0000-4000-8000-000000000002"
BODY_ROUND_NORDEN = "b0000000-0000-4000-8000-000000000003"
BODY_STEERING = "b0000000-0000-4000-8000-000000000004"
BODY_BV_PELKUM = "b0000000-0000-4000-8000-000000000005"
MAYOR = "p0000000-0000-4000-8000-000000000001".replace("p", "a")
COUNCILLOR = "a0000000-0000-4000-8000-000000000002"
HEAD = "a0000000-0000-4000-8000-000000000003"
EXTRA = "a0000000-0000-4000-8000-000000000004"

BODIES = [
    {"id": BODY_CONF_WESTEN, "kind": "neighbourhood_conference", "name": "Stadtteilkonferenz Westen",
     "display_name": "Stadtteilkonferenz Westen", "social_area_key": "westen", "district_key": None,
     "local_title": None, "members": []},
    {"id": BODY_ROUND_WESTEN, "kind": "coordination_round", "name": "Koordinierungsrunde Westen",
     "display_name": "Koordinierungsrunde Westen", "social_area_key": "westen", "district_key": None,
     "local_title": None, "members": []},
    {"id": BODY_ROUND_NORDEN, "kind": "coordination_round", "name": "Koordinierungsrunde Norden",
     "display_name": "Koordinierungsrunde Norden", "social_area_key": "norden", "district_key": None,
     "local_title": None, "members": []},
    {"id": BODY_STEERING, "kind": "steering_committee", "name": "Lenkungskreis Stadtteilarbeit",
     "display_name": "Lenkungskreis Stadtteilarbeit", "social_area_key": None, "district_key": None,
     "local_title": None, "members": []},
    {"id": BODY_BV_PELKUM, "kind": "district_council", "name": "Bezirksvertretung Hamm-Pelkum",
     "display_name": "Bezirksvertretung Hamm-Pelkum", "social_area_key": None, "district_key": "pelkum",
     "local_title": None, "members": []},
]  # fmt: skip
PERSONS = [
    {"id": MAYOR, "given_name": "Berta", "family_name": "Muster"},
    {"id": COUNCILLOR, "given_name": "Cem", "family_name": "Beispiel"},
    {"id": HEAD, "given_name": "Dana", "family_name": "Probe"},
    {"id": EXTRA, "given_name": "Emil", "family_name": "Exempel"},
]
POLITICAL = [
    {
        "name": "Sitzung der Bezirksvertretung Hamm-Pelkum",
        "organization": "Bezirksvertretung Hamm-Pelkum",
        "starts_at": f"{YEAR}-03-12T16:00:00+00:00",
        "ends_at": f"{YEAR}-03-12T18:00:00+00:00",
        "source": "oparl",
        "url": "http://oparl.test/meeting/1",
        "districts": ["pelkum"],
    }
]


def people_handler(method: str, parts: list[str], body: Any) -> httpx.Response:
    if parts == ["bodies"]:
        return httpx.Response(200, json=BODIES)
    if parts == ["persons"]:
        return httpx.Response(200, json=PERSONS)
    return problem(404, "Nicht gefunden.")


def _aware(value: str, tz: str = BERLIN) -> dt.datetime:
    parsed = dt.datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=__import__("zoneinfo").ZoneInfo(tz))


class FakeInvitations:
    """The invitations service's API from memory, as in the contract of issue 5."""

    def __init__(self) -> None:
        self.meetings: dict[str, dict[str, Any]] = {}
        self.invitees: dict[str, dict[str, Any]] = {}
        self.answers: dict[str, list[dict[str, Any]]] = {}
        self.deliveries: dict[str, list[dict[str, Any]]] = {}
        self.calls: list[tuple[str, str, Any, str | None, dict[str, str]]] = []
        self.queries: list[dict[str, str]] = []
        self.down = False
        self.broken: set[str] = set()  # parts answering 500
        self.area_districts = {"westen": ["mitte", "pelkum", "herringen"], "norden": ["bockum-hoevel", "heessen"]}

    def add(self, key: str | None = "westen", kind: str = "neighbourhood_conference", **changes: Any) -> dict[str, Any]:
        meeting_id = str(uuid.uuid4())
        meeting = {
            "id": meeting_id,
            "kind": kind,
            "body_ids": [BODY_CONF_WESTEN],
            "social_area_key": key,
            "title": "Stadtteilkonferenz Westen",
            "display_title": "Stadtteilkonferenz Westen",
            "local_title": None,
            "purposes": [],
            "format": "in_person",
            "starts_at": f"{YEAR}-05-20T16:00:00+00:00",
            "ends_at": f"{YEAR}-05-20T18:00:00+00:00",
            "timezone": BERLIN,
            "location": {"community_centre": True, "address": None, "online_url": None},
            "agenda": ["Jahresplan", "Neue Projekte der Stadt"],
            "description": "",
            "public": True,
            "status": "scheduled",
            "sequence": 0,
            "uid": f"{meeting_id}@quartier",
            "minutes": None,
            "attendance": {"person_ids": [], "guests": 0},
            "needs": [],
            "override_reason": None,
            "version": 1,
            "history": [
                {
                    "version": 1,
                    "event_type": "quartier.invitations.ConferenceScheduled.v1",
                    "actor": "koordination.westen",
                    "changed_at": f"{YEAR - 1}-11-02T09:30:00Z",
                }
            ],
        }
        meeting.update(changes)
        self.meetings[meeting_id] = meeting
        self.invitees[meeting_id] = {
            "signatories": [
                {"person_id": MAYOR, "name": "Berta Muster", "role": "Bezirksbürgermeisterin Hamm-Pelkum"},
            ],
            "computed": [
                {
                    "person_id": COUNCILLOR,
                    "actor_id": None,
                    "name": "Cem Beispiel",
                    "email": "cem@example.org",
                    "reasons": [
                        "Mitglied der Bezirksvertretung Hamm-Pelkum",
                        "wohnt im Sozialraum Westen",
                    ],
                },
                {
                    "person_id": HEAD,
                    "actor_id": None,
                    "name": "Dana Probe",
                    "email": None,
                    "reasons": ["Mitglied der Koordinierungsrunde Westen"],
                },
            ],
            "added": [],
            "removed": [],
            "public_announcement": kind == "neighbourhood_conference",
        }
        self.invitees[meeting_id]["final"] = [{**r, "manual": False} for r in self.invitees[meeting_id]["computed"]]
        return meeting

    @staticmethod
    def refuse(status: int, detail: str, field: str | None = None, **extra: Any) -> httpx.Response:
        return problem(status, detail, field, **extra)

    def overlapping(self, key: str | None, starts: dt.datetime, ends: dt.datetime) -> list[dict[str, Any]]:
        districts = self.area_districts.get(key or "", [])
        return [
            {k: v for k, v in p.items() if k != "districts"}
            for p in POLITICAL
            if set(p["districts"]) & set(districts) and _aware(p["starts_at"]) < ends and starts < _aware(p["ends_at"])
        ]

    def conflict(self, meeting: dict[str, Any], body: dict[str, Any]) -> httpx.Response | None:
        starts = _aware(body["starts_at"], body.get("timezone") or BERLIN)
        ends = _aware(body["ends_at"], body.get("timezone") or BERLIN)
        if ends <= starts:
            return self.refuse(422, "Das Ende muss nach dem Beginn liegen.", field="ends_at")
        found = self.overlapping(meeting.get("social_area_key"), starts, ends)
        if found and meeting["kind"] == "neighbourhood_conference" and not body.get("override_reason"):
            return self.refuse(
                409,
                "Die Stadtteilkonferenz überschneidet sich mit der Sitzung der Bezirksvertretung Hamm-Pelkum am "
                f"12.03.{YEAR}, 17:00–19:00 Uhr.",
                conflicts=found,
            )
        meeting["starts_at"] = starts.astimezone(dt.UTC).isoformat()
        meeting["ends_at"] = ends.astimezone(dt.UTC).isoformat()
        return None

    def handler(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("connection refused", request=request)
        body = json.loads(request.content) if request.content else None
        actor = request.headers.get("x-quartier-actor")
        params = dict(request.url.params)
        self.calls.append((request.method, request.url.path, body, actor, dict(request.headers)))
        self.queries.append(params)
        path = request.url.path
        if path.startswith("/ical/"):
            key = path.removeprefix("/ical/").removesuffix(".ics")
            if key not in self.area_districts:
                return problem(404, "Diesen Sozialraum gibt es nicht.")
            ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Quartier//DE\r\nEND:VCALENDAR\r\n"
            return httpx.Response(200, content=ics.encode(), headers={"content-type": "text/calendar; charset=utf-8"})
        parts = path.strip("/").split("/")[2:]
        if parts[:2] == ["public", "social-areas"]:
            upcoming = [
                m
                for m in self.meetings.values()
                if m["social_area_key"] == parts[2]
                and m["kind"] == "neighbourhood_conference"
                and m["public"]
                and m["status"] == "scheduled"
            ]
            if not upcoming:
                return self.refuse(404, "Keine Stadtteilkonferenz geplant.")
            return httpx.Response(200, json=min(upcoming, key=lambda m: m["starts_at"]))
        if parts == ["conflicts"]:
            tz = params.get("timezone", BERLIN)
            found = self.overlapping(
                params.get("social_area_key"), _aware(params["starts_at"], tz), _aware(params["ends_at"], tz)
            )
            return httpx.Response(200, json={"conflicts": found})
        if parts == ["deliveries"]:
            return httpx.Response(200, json=self.deliveries.get(params.get("meeting_id", ""), []))
        if parts == ["meetings"] and request.method == "GET":
            items = [
                {k: v for k, v in m.items() if k != "history"}
                for m in self.meetings.values()
                if (not params.get("social_area_key") or m["social_area_key"] == params["social_area_key"])
                and (not params.get("kind") or m["kind"] == params["kind"])
            ]
            return httpx.Response(200, json=items)
        if parts == ["meetings"]:
            if "\n" in body["title"]:
                return self.refuse(422, "Der Titel darf keinen Zeilenumbruch enthalten.", field="title")
            meeting = self.add(body["social_area_key"], body["kind"])
            for key in ("body_ids", "title", "local_title", "purposes", "format", "location", "agenda"):
                meeting[key] = body[key]
            meeting.update(description=body["description"], public=body["public"])
            meeting["display_title"] = body["title"] + (f" – {body['local_title']}" if body["local_title"] else "")
            refused = self.conflict(meeting, body)
            if refused is not None:
                del self.meetings[meeting["id"]]
                return refused
            meeting["override_reason"] = body.get("override_reason")
            return httpx.Response(201, json=meeting)
        meeting = self.meetings.get(parts[1]) if len(parts) > 1 else None
        if meeting is None:
            return self.refuse(404, "Diese Sitzung gibt es nicht.")
        rest = parts[2:]
        mid = meeting["id"]
        if rest and rest[0] in self.broken:
            return httpx.Response(500, text="Internal Server Error")
        if not rest and request.method == "GET":
            return httpx.Response(200, json=meeting)
        if meeting["status"] == "cancelled" and request.method != "GET":
            return self.refuse(409, "Die Sitzung ist abgesagt.")
        if rest == ["schedule"]:
            if request.headers.get("if-match") not in (None, str(meeting["version"])):
                return self.refuse(409, "Die Sitzung wurde inzwischen geändert. Bitte laden Sie die Seite neu.")
            refused = self.conflict(meeting, body)
            if refused is not None:
                return refused
            meeting["sequence"] += 1
            meeting["version"] += 1
            return httpx.Response(200, json=meeting)
        if not rest and request.method == "PUT":
            meeting.update(body)
            meeting["sequence"] += 1
            meeting["version"] += 1
            return httpx.Response(200, json=meeting)
        if rest == ["cancel"]:
            meeting["status"] = "cancelled"
            meeting["sequence"] += 1
            return httpx.Response(200, json=meeting)
        if rest == ["attendance"]:
            meeting["attendance"] = body
            return httpx.Response(200, json=meeting)
        if rest == ["minutes"]:
            meeting["minutes"] = body["text"]
            return httpx.Response(200, json=meeting)
        if rest == ["needs"]:
            need = {"need_id": str(uuid.uuid4()), **body, "raised_on": f"{YEAR}-05-20"}
            meeting["needs"].append(need)
            return httpx.Response(201, json=need)
        inv = self.invitees[mid]
        if rest == ["invitees"] and request.method == "GET":
            return httpx.Response(200, json={**inv, "not_reachable": [r for r in inv["final"] if not r["email"]]})
        if rest == ["invitees"]:
            person = next(p for p in PERSONS if p["id"] == body["person_id"])
            name = f"{person['given_name']} {person['family_name']}"
            inv["added"].append(
                {"person_id": body["person_id"], "name": name, "reason": body["reason"], "actor": actor, "at": "x"}
            )
            inv["final"].append(
                {"person_id": body["person_id"], "actor_id": None, "name": name, "email": None,
                 "reasons": [body["reason"]], "manual": True}
            )  # fmt: skip
            return httpx.Response(201, json=inv)
        if len(rest) == 3 and rest[0] == "invitees" and rest[2] == "remove":
            row = next((r for r in inv["final"] if r["person_id"] == rest[1]), None)
            if row is None:
                return self.refuse(409, "Diese Person steht nicht auf der Einladungsliste.")
            inv["final"].remove(row)
            inv["removed"].append(
                {"person_id": rest[1], "name": row["name"], "reason": body["reason"], "actor": actor, "at": "x"}
            )
            return httpx.Response(200, json=inv)
        if rest == ["send"]:
            queued = 0
            for r in inv["final"]:
                if r.get("email"):
                    self.deliveries.setdefault(mid, []).append(
                        {"id": str(uuid.uuid4()), "person_id": r["person_id"], "to": r["email"],
                         "kind": "invitation", "sequence": meeting["sequence"], "status": "pending",
                         "sent_at": None, "error": None}
                    )  # fmt: skip
                    queued += 1
                    r["invited"] = True
            return httpx.Response(200, json={"queued": queued, "not_reachable": []})
        if rest == ["answers"]:
            return httpx.Response(200, json=self.answers.get(mid, []))
        return self.refuse(404, "Nicht gefunden.")


EXTRA_ACCOUNTS = (
    ("bezirk.pelkum", "council_member", None, "pelkum"),
    ("bezirk.heessen", "council_member", None, "heessen"),
    ("koordination.norden", "area_coordinator", "norden", None),
    ("runde.westen", "coordination_member", "westen", None),
)
for _username, *_ in EXTRA_ACCOUNTS:
    PASSWORDS.setdefault(_username, f"{_username}-passwort-1")


@functools.cache
def _hash(username: str) -> str:
    return password_hash(PASSWORDS[username])


@pytest.fixture
def invitations() -> FakeInvitations:
    return FakeInvitations()


@pytest.fixture
async def mclient(registry, store, settings, invitations) -> AsyncIterator[httpx.AsyncClient]:
    registry.people = people_handler
    for username, role, area, district in EXTRA_ACCOUNTS:
        actor = uuid.UUID(int=7) if role == "coordination_member" else None
        store.accounts[username] = AccountRecord(
            username, f"Test {username}", _hash(username), role, area, district, actor_id=actor
        )
    app = build_app(
        settings,
        transports=Transports(
            registry=httpx.MockTransport(registry.handler), invitations=httpx.MockTransport(invitations.handler)
        ),
        auth_store=store,
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway.test") as c:
        yield c


def writes(invitations: FakeInvitations) -> list[tuple[str, str, Any, str | None, dict[str, str]]]:
    return [c for c in invitations.calls if c[0] != "GET"]


async def post(client: httpx.AsyncClient, page: str, action: str, data: Any = None) -> httpx.Response:
    """A POST with the CSRF token of ``page``; ``data`` a dict or a list of pairs (repeated fields)."""
    token = csrf_from((await client.get(page)).text)
    pairs = list(data.items()) if isinstance(data, dict) else list(data or [])
    return await client.post(action, content=_encode([("csrf_token", token), *pairs]), headers=FORM)


FORM = {"content-type": "application/x-www-form-urlencoded"}


def _encode(pairs: list[tuple[str, str]]) -> bytes:
    from urllib.parse import urlencode

    return urlencode(pairs).encode()


def conference_form(**changes: str) -> list[tuple[str, str]]:
    values = {
        "kind": "neighbourhood_conference",
        "social_area_key": "westen",
        "title": "",
        "local_title": "",
        "format": "in_person",
        "date": f"{YEAR}-05-20",
        "start_time": "18:00",
        "end_time": "20:00",
        "community_centre": "1",
        "address": "",
        "online_url": "",
        "agenda": "1. Jahresplan\n- Neue Projekte der Stadt\n\n",
        "description": "Alle sind eingeladen.",
        "public": "1",
        **changes,
    }
    return [*values.items(), ("purposes", "prepares_annual_plan"), ("purposes", "erfunden")]


# --- list ----------------------------------------------------------------------------------------------


async def test_list_shows_the_meetings_the_principal_may_read(mclient, invitations, structure):
    invitations.add("westen")
    invitations.add("norden", kind="coordination_round", title="Koordinierungsrunde Norden",
                    display_title="Koordinierungsrunde Norden", body_ids=[BODY_ROUND_NORDEN])  # fmt: skip
    invitations.add(None, kind="steering_committee", title="Lenkungskreis", display_title="Lenkungskreis 1/2")
    await login_as(mclient, "koordination.westen")
    response = await mclient.get("/sitzungen")
    assert response.status_code == 200, response.text
    assert_accessible_page(response.text, structure)
    html = response.text
    assert "Stadtteilkonferenz Westen" in html and "Koordinierungsrunde Norden" not in html
    assert "Lenkungskreis 1/2" in html, "area coordinators read the city-wide meetings"
    assert "20.05." in html and "18:00–20:00 Uhr" in html
    assert 'href="/sitzungen/neu"' in html
    assert re.search(r'href="/sitzungen"\s+aria-current="page"', html), "Sitzungen in the navigation"
    _, path, _, _, _ = invitations.calls[-1]
    assert path == "/api/v1/meetings"

    mclient.cookies.clear()
    await login_as(mclient, "bezirk.heessen")
    html = (await mclient.get("/sitzungen")).text
    assert "Koordinierungsrunde Norden" in html and "Stadtteilkonferenz Westen" not in html
    assert "Lenkungskreis 1/2" not in html and 'href="/sitzungen/neu"' not in html


async def test_list_filters_reach_the_service(mclient, invitations):
    await login_as(mclient, "lenkungskreis")
    response = await mclient.get("/sitzungen?sozialraum=westen&art=coordination_round&von=2030-01-01&bis=2030-12-31")
    assert response.status_code == 200
    assert invitations.queries[-1] == {
        "social_area_key": "westen",
        "kind": "coordination_round",
        "from": "2030-01-01",
        "to": "2030-12-31",
    }
    bad = await mclient.get("/sitzungen?von=morgen")
    assert bad.status_code == 200 and "Bitte geben Sie das Datum als TT.MM.JJJJ an." in bad.text


# --- schedule ------------------------------------------------------------------------------------------


async def test_schedule_form_is_accessible_and_checks_live(mclient, invitations, structure):
    await login_as(mclient, "koordination.westen")
    page = await mclient.get("/sitzungen/neu?art=neighbourhood_conference")
    assert page.status_code == 200
    assert_accessible_page(page.text, structure)
    html = page.text
    assert 'hx-get="/sitzungen/konflikte"' in html and 'aria-live="polite"' in html
    for label in PURPOSE_LABELS:
        assert label in html
    assert "override_reason" not in html, "area coordinators may not override a conflict"
    assert "Lenkungskreis Stadtteilarbeit" not in html and "Koordinierungsrunde Norden" not in html
    assert "Bezirksvertretung" not in html.split('id="body_ids"')[1].split("</fieldset>")[0]

    fragment = await mclient.get(
        "/sitzungen/konflikte",
        params={"social_area_key": "westen", "kind": "neighbourhood_conference", "date": f"{YEAR}-03-12",
                "start_time": "18:30", "end_time": "20:00"},
    )  # fmt: skip
    assert fragment.status_code == 200
    assert "Sitzung der Bezirksvertretung Hamm-Pelkum" in fragment.text
    assert f"12.03.{YEAR}, 17:00–19:00 Uhr" in fragment.text
    assert "wenden Sie sich an den Lenkungskreis" in fragment.text
    assert "<html" not in fragment.text, "a fragment, not a page"
    call = [c for c in invitations.calls if c[1] == "/api/v1/conflicts"][-1]
    assert call[3] is None

    free = await mclient.get(
        "/sitzungen/konflikte",
        params={"social_area_key": "norden", "date": f"{YEAR}-03-12", "start_time": "18:30", "end_time": "20:00"},
    )
    assert "Keine Überschneidung" in free.text
    incomplete = await mclient.get("/sitzungen/konflikte", params={"social_area_key": "westen", "date": ""})
    assert "Sobald Sozialraum, Datum, Beginn und Ende gewählt sind" in incomplete.text
    wrong = await mclient.get(
        "/sitzungen/konflikte",
        params={"social_area_key": "westen", "date": f"{YEAR}-03-12", "start_time": "20:00", "end_time": "19:00"},
    )
    assert "Das Ende muss nach dem Beginn liegen." in wrong.text
    invitations.down = True
    down = await mclient.get(
        "/sitzungen/konflikte",
        params={"social_area_key": "westen", "date": f"{YEAR}-03-12", "start_time": "18:30", "end_time": "20:00"},
    )
    assert down.status_code == 200 and "gerade nicht möglich" in down.text


PURPOSE_LABELS = (
    "bereitet den Jahresplan vor",
    "bereitet die Stadtteilkonferenz vor",
    "bereitet ein Beteiligungsformat vor",
    "Auswertung",
    "Sonstiges",
)


async def test_coordinator_schedules_a_conference(mclient, invitations):
    await login_as(mclient, "koordination.westen")
    response = await post(mclient, "/sitzungen/neu", "/sitzungen", conference_form())
    assert response.status_code == 303, response.text
    assert response.headers["location"].endswith("?gespeichert=angelegt")
    method, path, body, actor, _ = writes(invitations)[0]
    assert (method, path, actor) == ("POST", "/api/v1/meetings", "koordination.westen")
    assert body == {
        "kind": "neighbourhood_conference",
        "body_ids": [BODY_CONF_WESTEN],
        "social_area_key": "westen",
        "title": "Stadtteilkonferenz Hammer Westen",
        "local_title": None,
        "purposes": ["prepares_annual_plan"],
        "format": "in_person",
        "starts_at": f"{YEAR}-05-20T18:00:00",
        "ends_at": f"{YEAR}-05-20T20:00:00",
        "timezone": "Europe/Berlin",
        "location": {"community_centre": True, "address": None, "online_url": None},
        "agenda": ["Jahresplan", "Neue Projekte der Stadt"],
        "description": "Alle sind eingeladen.",
        "public": True,
        "override_reason": None,
    }
    page = await mclient.get(response.headers["location"])
    assert "Die Sitzung ist angelegt." in page.text and f"20.05.{YEAR}, 18:00–20:00 Uhr" in page.text


async def test_local_errors_are_shown_and_nothing_is_sent(mclient, invitations, structure):
    await login_as(mclient, "koordination.westen")
    form = conference_form(date="32.13.2030", end_time="", format="hybrid", online_url="ftp://x", kind="joint")
    response = await post(mclient, "/sitzungen/neu", "/sitzungen", form)
    assert response.status_code == 422
    assert_accessible_page(response.text, structure)
    html = response.text
    assert 'id="fehler-uebersicht"' in html and 'href="#date"' in html
    assert 'aria-describedby="date-hinweis date-fehler"' in html
    assert "Bitte geben Sie das Ende als HH:MM an." in html
    assert "Der Link muss mit https:// beginnen." in html
    assert "mindestens zwei Gremien" in html
    assert not writes(invitations)
    assert 'value="Alle sind eingeladen."' not in html and "Alle sind eingeladen." in html, "the input is kept"


async def test_conflict_refused_for_the_coordinator_without_override(mclient, invitations, structure):
    await login_as(mclient, "koordination.westen")
    form = conference_form(date=f"{YEAR}-03-12", start_time="18:00", end_time="20:00", override_reason="Bitte")
    response = await post(mclient, "/sitzungen/neu", "/sitzungen", form)
    assert response.status_code == 409
    assert_accessible_page(response.text, structure)
    html = response.text
    assert "überschneidet sich mit der Sitzung der Bezirksvertretung Hamm-Pelkum" in html
    assert 'id="ablehnung"' in html and 'role="alert"' in html
    assert "override_reason" not in html and "wenden Sie sich an den Lenkungskreis" in html
    assert writes(invitations)[0][2]["override_reason"] is None, "the gateway never sends an override for them"
    assert not invitations.meetings


async def test_steering_committee_overrides_with_a_reason(mclient, invitations):
    await login_as(mclient, "lenkungskreis")
    form = conference_form(date=f"{YEAR}-03-12", start_time="18:00", end_time="20:00")
    refused = await post(mclient, "/sitzungen/neu", "/sitzungen", form)
    assert refused.status_code == 409
    assert 'id="override_reason"' in refused.text and "begründen Sie das unten" in refused.text
    form = conference_form(
        date=f"{YEAR}-03-12", start_time="18:00", end_time="20:00", override_reason="Nur dieser Raum ist frei."
    )
    created = await post(mclient, "/sitzungen/neu", "/sitzungen", form)
    assert created.status_code == 303
    assert writes(invitations)[-1][2]["override_reason"] == "Nur dieser Raum ist frei."


async def test_service_422_is_shown_at_its_field(mclient, invitations):
    await login_as(mclient, "koordination.westen")
    response = await post(mclient, "/sitzungen/neu", "/sitzungen", conference_form(title="Zeile\r\nzwei"))
    assert response.status_code == 422
    assert 'id="title-fehler"' in response.text and "keinen Zeilenumbruch" in response.text


async def test_others_may_not_schedule(mclient, invitations):
    await login_as(mclient, "bezirk.mitte")
    assert (await mclient.get("/sitzungen/neu")).status_code == 403
    token = csrf_from((await mclient.get("/sitzungen")).text)
    refused = await mclient.post(
        "/sitzungen", content=_encode([("csrf_token", token), *conference_form()]), headers=FORM
    )
    assert refused.status_code == 403
    mclient.cookies.clear()
    await login_as(mclient, "koordination.norden")
    response = await post(mclient, "/sitzungen/neu", "/sitzungen", conference_form())
    assert response.status_code == 403, "not for another Sozialraum"
    steering = conference_form(kind="steering_committee", social_area_key="")
    response = await post(mclient, "/sitzungen/neu", "/sitzungen", steering)
    assert response.status_code == 422 and "Bitte wählen Sie die Art der Sitzung." in response.text
    assert not writes(invitations)


# --- one meeting ---------------------------------------------------------------------------------------


async def test_meeting_page_shows_invitees_with_reasons(mclient, invitations, structure):
    meeting = invitations.add("westen")
    invitations.answers[meeting["id"]] = [
        {"person_id": COUNCILLOR, "name": "Cem Beispiel", "answer": "accept", "answered_at": f"{YEAR}-04-01T08:00:00Z"}
    ]
    invitations.deliveries[meeting["id"]] = [
        {"id": "d1", "person_id": COUNCILLOR, "to": "cem@example.org", "kind": "invitation", "sequence": 0,
         "status": "bounced", "sent_at": None, "error": "550 Mailbox unbekannt"}
    ]  # fmt: skip
    await login_as(mclient, "koordination.westen")
    response = await mclient.get(f"/sitzungen/{meeting['id']}")
    assert response.status_code == 200, response.text
    assert_accessible_page(response.text, structure)
    html = response.text
    assert f"20.05.{YEAR}, 18:00–20:00 Uhr" in html and "Stadtteilzentrum (" in html
    assert "Es laden ein: <strong>Berta Muster</strong> (Bezirksbürgermeisterin Hamm-Pelkum)" in html
    assert "Mitglied der Bezirksvertretung Hamm-Pelkum" in html and "wohnt im Sozialraum Westen" in html
    assert "öffentliche Bekanntmachung" in html
    assert "1 Zusagen, 0 Absagen" in html
    assert "unzustellbar" in html and "550 Mailbox unbekannt" in html
    assert "Einladungen versenden" in html and "Termin verschieben" in html
    assert 'hx-include="#r-kind, #r-social_area_key, #r-date, #r-start_time, #r-end_time"' in html
    assert 'id="r-konflikte"' in html and 'value="2' in html.split('id="r-date"')[1][:200], "the current date"
    assert "02.11." in html and "Stadtteilkonferenz angelegt" in html
    # the person picker offers the registry's people who are not invited yet
    picker = html.split('id="add-person"')[1].split("</select>")[0]
    assert "Exempel, Emil" in picker and "Beispiel, Cem" not in picker
    assert "Quartiersmanagement" in html, "fields of action from the registry vocabulary"


async def test_council_member_reads_but_does_not_act(mclient, invitations):
    meeting = invitations.add("westen")
    await login_as(mclient, "bezirk.pelkum")
    html = (await mclient.get(f"/sitzungen/{meeting['id']}")).text
    assert (
        "Cem Beispiel" in html
        and "Einladungen versenden" not in html
        and '<form method="post" action="/sitzungen' not in html
    )
    assert "Versendete E-Mails" not in html
    assert (
        await post(mclient, f"/sitzungen/{meeting['id']}", f"/sitzungen/{meeting['id']}/versenden")
    ).status_code == 403
    mclient.cookies.clear()
    await login_as(mclient, "bezirk.heessen")
    assert (await mclient.get(f"/sitzungen/{meeting['id']}")).status_code == 403
    assert not writes(invitations)


async def test_coordination_member_reads_the_meetings_of_their_area(mclient, invitations):
    westen = invitations.add("westen")
    norden = invitations.add("norden", kind="coordination_round")
    await login_as(mclient, "runde.westen")
    page = await mclient.get(f"/sitzungen/{westen['id']}")
    assert page.status_code == 200 and "Dana Probe" in page.text
    assert 'method="post" action="/sitzungen' not in page.text and "Versendete E-Mails" not in page.text
    assert (await mclient.get(f"/sitzungen/{norden['id']}")).status_code == 403
    assert (await mclient.get("/sitzungen/neu")).status_code == 403


async def test_meeting_page_survives_a_missing_part(mclient, invitations):
    meeting = invitations.add("westen")
    invitations.broken = {"invitees", "answers"}
    await login_as(mclient, "koordination.westen")
    page = await mclient.get(f"/sitzungen/{meeting['id']}")
    assert page.status_code == 200
    assert "Die Einladungsliste ist gerade nicht verfügbar." in page.text
    assert "Die Antworten sind gerade nicht abrufbar." in page.text


async def test_invitees_added_removed_and_sent(mclient, invitations):
    meeting = invitations.add("westen")
    url = f"/sitzungen/{meeting['id']}"
    await login_as(mclient, "koordination.westen")
    missing = await post(mclient, url, f"{url}/eingeladene", {"person_id": EXTRA, "reason": ""})
    assert missing.status_code == 422 and "warum die Person eingeladen wird" in missing.text
    added = await post(mclient, url, f"{url}/eingeladene", {"person_id": EXTRA, "reason": "Leitet das Jugendzentrum"})
    assert added.status_code == 303 and added.headers["location"].endswith("gespeichert=eingeladen#einladungsliste")
    removed = await post(mclient, url, f"{url}/ausladen", {"person_id": HEAD, "reason": "Ist in Elternzeit"})
    assert removed.status_code == 303
    again = await post(mclient, url, f"{url}/ausladen", {"person_id": HEAD, "reason": "doppelt"})
    assert again.status_code == 409 and "steht nicht auf der Einladungsliste" in again.text
    html = (await mclient.get(url)).text
    assert "Emil Exempel: Leitet das Jugendzentrum" in html and "Dana Probe: Ist in Elternzeit" in html
    assert "von Hand" in html
    sent = await post(mclient, url, f"{url}/versenden")
    assert sent.status_code == 303 and sent.headers["location"].endswith("gespeichert=versendet&anzahl=1#versand")
    assert "1 Einladung wird versendet." in (await mclient.get(sent.headers["location"])).text
    calls = [(c[0], c[1], c[2], c[3]) for c in writes(invitations)]
    mid = meeting["id"]
    assert calls == [
        ("POST", f"/api/v1/meetings/{mid}/invitees", {"person_id": EXTRA, "reason": "Leitet das Jugendzentrum"},
         "koordination.westen"),
        ("POST", f"/api/v1/meetings/{mid}/invitees/{HEAD}/remove", {"reason": "Ist in Elternzeit"},
         "koordination.westen"),
        ("POST", f"/api/v1/meetings/{mid}/invitees/{HEAD}/remove", {"reason": "doppelt"}, "koordination.westen"),
        ("POST", f"/api/v1/meetings/{mid}/send", None, "koordination.westen"),
    ]  # fmt: skip
    html = (await mclient.get(url)).text
    assert "Versendete E-Mails" in html and "wartet auf Versand" in html and "cem@example.org" in html
    assert "verschickt" in html and "Ohne E-Mail-Adresse, bitte auf anderem Weg einladen: Emil Exempel." in html


async def test_attendance_minutes_and_needs(mclient, invitations):
    meeting = invitations.add("westen")
    url = f"/sitzungen/{meeting['id']}"
    mid = meeting["id"]
    await login_as(mclient, "koordination.westen")
    token = csrf_from((await mclient.get(url)).text)
    attended = await mclient.post(
        f"{url}/anwesenheit",
        content=_encode([("csrf_token", token), ("person_ids", COUNCILLOR), ("guests", "23")]),
        headers=FORM,
    )
    assert attended.status_code == 303
    bad = await post(mclient, url, f"{url}/anwesenheit", {"guests": "viele"})
    assert bad.status_code == 422 and "ganze Zahl" in bad.text
    assert (
        await post(mclient, url, f"{url}/protokoll", {"text": "Begrüßung\nJahresplan vorgestellt"})
    ).status_code == 303
    empty = await post(mclient, url, f"{url}/bedarfe", {"text": "", "field_of_action": ""})
    assert empty.status_code == 422 and "Bitte beschreiben Sie den Bedarf." in empty.text
    assert "Bitte wählen Sie ein Handlungsfeld." in empty.text
    need = {"text": "Mehr Bänke am Marktplatz", "field_of_action": "Quartiersmanagement", "residential_area_number": ""}
    assert (await post(mclient, url, f"{url}/bedarfe", need)).status_code == 303
    wrong_ra = {**need, "residential_area_number": "99"}
    assert (await post(mclient, url, f"{url}/bedarfe", wrong_ra)).status_code == 422
    calls = [(c[1], c[2]) for c in writes(invitations)]
    assert calls == [
        (f"/api/v1/meetings/{mid}/attendance", {"person_ids": [COUNCILLOR], "guests": 23}),
        (f"/api/v1/meetings/{mid}/minutes", {"text": "Begrüßung\nJahresplan vorgestellt"}),
        (f"/api/v1/meetings/{mid}/needs", {"text": "Mehr Bänke am Marktplatz", "field_of_action": "Quartiersmanagement",
                                           "residential_area_number": None}),
    ]  # fmt: skip
    html = (await mclient.get(url)).text
    assert "Anwesend: Cem Beispiel; dazu 23 Gäste." in html
    assert "Jahresplan vorgestellt" in html and "Mehr Bänke am Marktplatz" in html


async def test_reschedule_sends_the_version_and_shows_conflicts(mclient, invitations, structure):
    meeting = invitations.add("westen")
    url = f"/sitzungen/{meeting['id']}"
    await login_as(mclient, "koordination.westen")
    form = {"version": "1", "date": f"{YEAR}-03-12", "start_time": "18:00", "end_time": "19:00"}
    refused = await post(mclient, url, f"{url}/termin", form)
    assert refused.status_code == 409
    assert_accessible_page(refused.text, structure)
    assert "Sitzung der Bezirksvertretung Hamm-Pelkum" in refused.text
    assert f'value="{YEAR}-03-12"' in refused.text, "the chosen date is kept"
    moved = await post(mclient, url, f"{url}/termin", {**form, "date": f"{YEAR}-06-02"})
    assert moved.status_code == 303
    call = writes(invitations)[-1]
    assert call[2] == {"starts_at": f"{YEAR}-06-02T18:00:00", "ends_at": f"{YEAR}-06-02T19:00:00",
                       "timezone": "Europe/Berlin"}  # fmt: skip
    assert call[4]["if-match"] == "1"
    stale = await post(mclient, url, f"{url}/termin", {**form, "date": f"{YEAR}-06-03"})
    assert stale.status_code == 409 and "inzwischen geändert" in stale.text
    html = (await mclient.get(url)).text
    assert f"02.06.{YEAR}, 18:00–19:00 Uhr" in html and "1. Änderung" in html


async def test_change_and_cancel(mclient, invitations):
    meeting = invitations.add("westen")
    url = f"/sitzungen/{meeting['id']}"
    await login_as(mclient, "koordination.westen")
    change = {
        "version": "1",
        "title": "Stadtteilkonferenz Westen",
        "local_title": "Wir im Westen",
        "format": "hybrid",
        "community_centre": "1",
        "online_url": "https://konferenz.example/westen",
        "agenda": "Jahresplan\nVerkehr",
        "description": "",
        "public": "1",
    }
    assert (await post(mclient, url, f"{url}/aendern", change)).status_code == 303
    body = writes(invitations)[-1][2]
    assert body["agenda"] == ["Jahresplan", "Verkehr"] and body["location"]["online_url"].startswith("https://")
    no_reason = await post(mclient, url, f"{url}/absagen", {"reason": ""})
    assert no_reason.status_code == 422 and "Grund der Absage" in no_reason.text
    assert (await post(mclient, url, f"{url}/absagen", {"reason": "Raum nicht verfügbar"})).status_code == 303
    html = (await mclient.get(url)).text
    assert "abgesagt" in html and "Einladungen versenden" not in html and "Termin verschieben</h2>" not in html


async def test_unknown_meeting_and_service_down(mclient, invitations):
    await login_as(mclient, "koordination.westen")
    assert (await mclient.get(f"/sitzungen/{uuid.uuid4()}")).status_code == 404
    assert (await mclient.get("/sitzungen/kein-uuid")).status_code == 404
    invitations.down = True
    down = await mclient.get("/sitzungen")
    assert down.status_code == 503 and "Sitzungen und Einladungen ist gerade nicht erreichbar" in down.text


async def test_posts_need_the_csrf_token(mclient, invitations):
    meeting = invitations.add("westen")
    await login_as(mclient, "koordination.westen")
    assert (await mclient.post(f"/sitzungen/{meeting['id']}/versenden")).status_code == 403
    assert not writes(invitations)


async def test_anonymous_visitors_are_sent_to_the_login(mclient, invitations):
    response = await mclient.get("/sitzungen")
    assert response.status_code == 303 and response.headers["location"].startswith("/anmelden")


# --- public --------------------------------------------------------------------------------------------


async def test_public_page_announces_the_next_conference(mclient, invitations, structure):
    invitations.add("westen", local_title="Wir im Westen", display_title="Stadtteilkonferenz Westen – Wir im Westen")
    response = await mclient.get("/oeffentlich/sozialraeume/westen")
    assert response.status_code == 200
    assert_accessible_page(response.text, structure)
    assert "Nächste Stadtteilkonferenz" in response.text
    assert "Stadtteilkonferenz Westen – Wir im Westen" in response.text
    assert f"20.05.{YEAR}, 18:00–20:00 Uhr" in response.text
    assert 'href="/ical/westen.ics"' in response.text
    none = await mclient.get("/oeffentlich/sozialraeume/norden")
    assert "Der nächste Termin steht noch nicht fest." in none.text
    invitations.down = True
    down = await mclient.get("/oeffentlich/sozialraeume/westen")
    assert down.status_code == 200 and "Der nächste Termin steht noch nicht fest." in down.text


async def test_ical_feed_is_passed_through(mclient, invitations):
    response = await mclient.get("/ical/westen.ics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    assert response.text.startswith("BEGIN:VCALENDAR") and response.headers["access-control-allow-origin"] == "*"
    assert invitations.calls[-1][1] == "/ical/westen.ics" and invitations.calls[-1][3] is None
    assert (await mclient.get("/ical/gibt-es-nicht.ics")).status_code == 404
    invitations.down = True
    down = await mclient.get("/ical/westen.ics")
    assert down.status_code == 503 and "nicht erreichbar" in down.text
