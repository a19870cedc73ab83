"""The pages for actors, people, bodies and memberships through the whole ASGI stack, with a fake registry
that speaks the registry's people API (JSON and errors as in services/registry/.../api/people.py)."""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
import uuid
from typing import Any

import httpx
import pytest

from quartier_gateway.auth.domain import Principal, Role
from quartier_gateway.people.rules import (
    DateInvalid,
    can_change_actor,
    can_change_person,
    can_manage_body,
    event_label,
    field_errors,
    parse_date,
    role_label,
)
from quartier_gateway.web.format import german_date
from quartier_shared.errors import FieldError

from ..conftest import hamm_social_areas, problem
from ..test_pages import assert_accessible_page

NS = uuid.UUID("6f0b7c1e-3a57-4f0e-9a0c-7c1d2f6b9e41")


def sid(key: str) -> str:
    return str(uuid.uuid5(NS, key))


ROLE_LABELS = {"chair": "Vorsitz", "deputy": "Stellvertretung", "member": "Mitglied", "guest": "Gast"}
ROLE_LABELS["advisory"] = "Beratend"
RETAINED = {"council", "district_council"}

ACTOR_WESTEN = sid("actor/westen")
ACTOR_MITTE = sid("actor/mitte")
MAYOR = sid("person/mayor-pelkum")
MEMBER = sid("person/member-pelkum")
COORD = sid("person/koordination-westen")
BV_PELKUM = sid("body/district_council/pelkum")
KR_WESTEN = sid("body/coordination_round/westen")
KR_PELKUM = sid("body/coordination_round/pelkum")
SK_PELKUM = sid("body/neighbourhood_conference/pelkum")


def _bodies() -> dict[str, dict[str, Any]]:
    areas = hamm_social_areas()
    bodies = [
        ("body/council", "council", "Rat der Stadt Hamm", None, None),
        ("body/steering_committee", "steering_committee", "Lenkungskreis Stadtteilarbeit", None, None),
        ("body/working_group", "working_group", "AK Stadtteilarbeit", None, None),
    ]
    for a in areas:
        short = a["name"].removeprefix("Sozialraum ")
        bodies.append(
            (
                f"body/coordination_round/{a['key']}",
                "coordination_round",
                f"Koordinierungsrunde {short}",
                a["key"],
                None,
            )
        )
    for a in areas:
        short = a["name"].removeprefix("Sozialraum ")
        bodies.append(
            (
                f"body/neighbourhood_conference/{a['key']}",
                "neighbourhood_conference",
                f"Stadtteilkonferenz {short}",
                a["key"],
                None,
            )
        )
    districts = {d["key"]: d["name"] for a in areas for d in a["districts"]}
    for key, name in districts.items():
        bodies.append((f"body/district_council/{key}", "district_council", f"Bezirksvertretung {name}", None, key))
    return {
        sid(k): {
            "id": sid(k),
            "kind": kind,
            "name": name,
            "display_name": name,
            "social_area_key": sa,
            "district_key": d,
            "local_title": None,
        }
        for k, kind, name, sa, d in bodies
    }


class FakePeople:
    """Actors, persons, bodies and memberships of the registry in memory, with its rules and error shapes."""

    def __init__(self) -> None:
        self.actors: dict[str, dict[str, Any]] = {
            ACTOR_WESTEN: self._actor(ACTOR_WESTEN, "Stadtteilbüro Westen", "neighbourhood_office", ["westen"]),
            ACTOR_MITTE: self._actor(ACTOR_MITTE, "Jugendtreff Mitte", "provider", ["mitte"]),
        }
        self.persons: dict[str, dict[str, Any]] = {
            MAYOR: self._person(MAYOR, "Tanja", "Platzhalterhoff", ["Bezirksbürgermeister:in Pelkum"], 41),
            MEMBER: self._person(MEMBER, "Vera", "Schemahoff", ["Bezirksvertreter:in Pelkum"], 42),
            COORD: self._person(COORD, "Kim", "Musterfrau", ["Stadtteilkoordination Westen"], None, ACTOR_WESTEN),
        }
        self.erased: set[str] = set()
        self.bodies = _bodies()
        self.memberships: dict[str, dict[str, Any]] = {}
        self.audit: list[dict[str, Any]] = []
        self._add(BV_PELKUM, MAYOR, "chair", "2025-11-01")
        self._add(BV_PELKUM, MEMBER, "member", "2025-11-01")
        self._add(BV_PELKUM, MEMBER, "guest", "2024-01-01", "2025-10-31")
        self._add(KR_WESTEN, COORD, "chair", "2025-01-01")

    @staticmethod
    def _actor(actor_id: str, name: str, kind: str, areas: list[str]) -> dict[str, Any]:
        return {
            "id": actor_id,
            "name": name,
            "type": kind,
            "type_label": kind,
            "social_area_keys": areas,
            "address": {"street": "Musterweg 1", "postcode": "59065", "city": "Hamm", "residential_area_number": 14},
            "email": "kontakt@example.org",
            "phone": None,
            "withdrawn": False,
        }

    @staticmethod
    def _person(pid: str, given: str, family: str, functions: list[str], ra: int | None, actor: str | None = None):
        return {
            "id": pid,
            "given_name": given,
            "family_name": family,
            "email": f"{given.lower()}@example.org",
            "phone": None,
            "actor_id": actor,
            "functions": functions,
            "residential_area_number": ra,
        }

    def _add(self, body_id: str, person_id: str, role: str, starts: str, ends: str | None = None) -> dict[str, Any]:
        mid = str(uuid.uuid4())
        m = {"id": mid, "body_id": body_id, "person_id": person_id, "role": role, "starts_on": starts, "ends_on": ends}
        self.memberships[mid] = m
        return m

    @staticmethod
    def _active(m: dict[str, Any]) -> bool:
        today = dt.date.today().isoformat()
        return m["starts_on"] <= today and (m["ends_on"] is None or today <= m["ends_on"])

    def _mayor(self, m: dict[str, Any]) -> bool:
        return self.bodies[m["body_id"]]["kind"] == "district_council" and m["role"] == "chair" and self._active(m)

    def _person_out(self, pid: str) -> dict[str, Any]:
        p = self.persons[pid]
        ms = [
            {
                "id": m["id"],
                "body_id": m["body_id"],
                "body_name": self.bodies[m["body_id"]]["display_name"],
                "body_kind": self.bodies[m["body_id"]]["kind"],
                "role": m["role"],
                "role_label": ROLE_LABELS[m["role"]],
                "starts_on": m["starts_on"],
                "ends_on": m["ends_on"],
                "is_district_mayor": self._mayor(m),
            }
            for m in self.memberships.values()
            if m["person_id"] == pid
        ]
        lives = "westen" if p.get("residential_area_number") == 42 else None
        return {
            **p,
            "lives_in_social_area_key": lives,
            "is_district_mayor": any(m["is_district_mayor"] for m in ms),
            "memberships": ms,
        }

    def _body_out(self, bid: str) -> dict[str, Any]:
        b = self.bodies[bid]
        members = []
        for m in self.memberships.values():
            if m["body_id"] != bid:
                continue
            p = self.persons.get(m["person_id"], {})
            erased = m["person_id"] in self.erased
            members.append(
                {
                    "membership_id": m["id"],
                    "person_id": m["person_id"],
                    "given_name": None if erased else p.get("given_name"),
                    "family_name": None if erased else p.get("family_name"),
                    "erased": erased,
                    "role": m["role"],
                    "role_label": ROLE_LABELS[m["role"]],
                    "starts_on": m["starts_on"],
                    "ends_on": m["ends_on"],
                    "active": self._active(m),
                    "is_district_mayor": self._mayor(m),
                    "lives_in_social_area_key": None,
                    "retention_reason": m.get("retention_reason"),
                }
            )
        return {**b, "members": members}

    @staticmethod
    def _invalid(field: str, msg: str) -> httpx.Response:
        return problem(422, msg, field)

    def __call__(self, method: str, parts: list[str], body: Any) -> httpx.Response:
        not_found = problem(404, "Nicht gefunden.")
        kind, rest = parts[0], parts[1:]
        if kind == "actors":
            if method == "GET" and not rest:
                return httpx.Response(200, json=list(self.actors.values()))
            if method == "POST" and not rest:
                if body.get("email") and "@" not in body["email"]:
                    return self._invalid("email", "Die E-Mail-Adresse ist ungültig.")
                new = {**body, "id": str(uuid.uuid4()), "type_label": body["type"], "withdrawn": False}
                self.actors[new["id"]] = new
                return httpx.Response(201, json=new)
            if rest[0] not in self.actors:
                return problem(404, "Die Organisation ist nicht bekannt.")
            actor = self.actors[rest[0]]
            if method == "GET":
                return httpx.Response(200, json=actor)
            if method == "PUT":
                if body["address"] and body["address"]["residential_area_number"] == 99:
                    return self._invalid("address.residential_area_number", "Wohnbereich 99 gibt es nicht.")
                actor.update(body)
                return httpx.Response(200, json=actor)
            if method == "POST" and rest[1:] == ["withdraw"]:
                actor["withdrawn"] = True
                return httpx.Response(200, json=actor)
        if kind == "persons":
            if method == "GET" and not rest:
                return httpx.Response(200, json=[self._person_out(p) for p in self.persons if p not in self.erased])
            if method == "POST" and not rest:
                if body.get("email") and "@" not in body["email"]:
                    return self._invalid("email", "Die E-Mail-Adresse ist ungültig.")
                new = {**body, "id": str(uuid.uuid4())}
                self.persons[new["id"]] = new
                self.audit.append({"aggregate": new["id"], "event_type": "quartier.registry.PersonRegistered.v1"})
                return httpx.Response(201, json=self._person_out(new["id"]))
            pid = rest[0]
            if pid not in self.persons:
                return problem(404, "Die Person ist nicht bekannt.")
            if pid in self.erased and rest[1:] != ["export"]:
                return problem(410, "Die Daten dieser Person wurden gelöscht.")
            if method == "GET" and not rest[1:]:
                return httpx.Response(200, json=self._person_out(pid))
            if method == "PUT":
                self.persons[pid].update(body)
                return httpx.Response(200, json=self._person_out(pid))
            if method == "GET" and rest[1:] == ["export"]:
                out = self._person_out(pid)
                return httpx.Response(
                    200,
                    json={
                        "exported_at": "2026-11-25T12:00:00+00:00",
                        "person": {k: out[k] for k in ("id", "given_name", "family_name", "email", "functions")},
                        "organisation": {"id": ACTOR_WESTEN, "name": "Stadtteilbüro Westen", "type": "x"}
                        if out.get("actor_id")
                        else None,
                        "memberships": out["memberships"],
                        "audit": [
                            {
                                "event_id": str(uuid.uuid4()),
                                "event_type": "quartier.registry.PersonChanged.v1",
                                "aggregate": f"person/{pid}",
                                "actor": "admin",
                                "change": {},
                                "changed_at": "2026-03-01T09:30:00+00:00",
                            }
                        ],
                    },
                )
            if method == "POST" and rest[1:] == ["erase"]:
                kept = []
                for mid, m in list(self.memberships.items()):
                    if m["person_id"] != pid:
                        continue
                    if self.bodies[m["body_id"]]["kind"] in RETAINED:
                        m["retention_reason"] = "Mandat"
                        kept.append(mid)
                    else:
                        del self.memberships[mid]
                self.erased.add(pid)
                return httpx.Response(
                    200, json={"person_id": pid, "event_id": str(uuid.uuid4()), "retained_membership_ids": kept}
                )
        if kind == "bodies":
            if method == "GET" and not rest:
                return httpx.Response(200, json=[self._body_out(b) for b in self.bodies])
            if rest[0] not in self.bodies:
                return problem(404, "Das Gremium ist nicht bekannt.")
            bid = rest[0]
            if method == "GET" and not rest[1:]:
                return httpx.Response(200, json=self._body_out(bid))
            if method == "PUT" and rest[1:] == ["local-title"]:
                if self.bodies[bid]["kind"] != "neighbourhood_conference":
                    return self._invalid("local_title", "Einen örtlichen Titel trägt nur eine Stadtteilkonferenz.")
                title = body["local_title"]
                if title and len(title) > 120:
                    return self._invalid("local_title", "Der örtliche Titel ist zu lang (höchstens 120 Zeichen).")
                self.bodies[bid]["local_title"] = title
                self.bodies[bid]["display_name"] = (
                    f"{title} – {self.bodies[bid]['name']}" if title else self.bodies[bid]["name"]
                )
                return httpx.Response(200, json=self._body_out(bid))
            if method == "POST" and rest[1:] == ["memberships"]:
                if body["person_id"] not in self.persons:
                    return problem(404, "Die Person ist nicht bekannt.")
                if body["ends_on"] and body["ends_on"] < body["starts_on"]:
                    s = dt.date.fromisoformat(body["starts_on"])
                    e = dt.date.fromisoformat(body["ends_on"])
                    return self._invalid("ends_on", f"Das Ende ({e:%d.%m.%Y}) liegt vor dem Beginn ({s:%d.%m.%Y}).")
                if body["role"] == "chair" and any(
                    m["body_id"] == bid and m["role"] == "chair" and m["ends_on"] is None
                    for m in self.memberships.values()
                ):
                    return self._invalid("role", "Dieses Gremium hat in diesem Zeitraum schon einen Vorsitz.")
                m = self._add(bid, body["person_id"], body["role"], body["starts_on"], body["ends_on"])
                return httpx.Response(201, json={**m, "is_district_mayor": self._mayor(m)})
        if kind == "memberships" and method == "POST" and rest[1:] == ["end"]:
            m = self.memberships.get(rest[0])
            if m is None:
                return problem(404, "Die Mitgliedschaft ist nicht bekannt.")
            if m["ends_on"]:
                return self._invalid("ends_on", "Die Mitgliedschaft endet bereits.")
            if body["ends_on"] < m["starts_on"]:
                return self._invalid("ends_on", "Das Ende liegt vor dem Beginn.")
            m["ends_on"] = body["ends_on"]
            return httpx.Response(200, json={**m, "is_district_mayor": self._mayor(m)})
        return not_found


@pytest.fixture
def people(registry) -> FakePeople:
    fake = FakePeople()
    registry.people = fake
    return fake


def writes(registry) -> list[tuple[str, str, Any, str | None]]:
    return [c for c in registry.calls if c[0] != "GET"]


STAFF_PAGES = [
    "/akteure",
    "/akteure?typ=provider&sozialraum=mitte",
    "/akteure/neu",
    f"/akteure/{ACTOR_WESTEN}",
    "/personen",
    "/personen/neu",
    f"/personen/{MAYOR}",
    f"/personen/{MAYOR}/loeschen",
    "/gremien",
    f"/gremien/{BV_PELKUM}",
    f"/gremien/{SK_PELKUM}",
    f"/gremien/{KR_WESTEN}",
]


@pytest.mark.parametrize("path", STAFF_PAGES)
async def test_pages_render_accessibly_for_the_admin(client, people, login, structure, path):
    await login(client, "admin")
    response = await client.get(path)
    assert response.status_code == 200, response.text
    assert_accessible_page(response.text, structure)
    for select in structure(response.text).find("select"):
        assert select.get("id") in {lab.get("for") for lab in structure(response.text).find("label")}


@pytest.mark.parametrize("path", STAFF_PAGES)
async def test_anonymous_visitors_are_sent_to_the_login(client, people, path):
    response = await client.get(path)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/anmelden?weiter=")


async def test_nav_links_for_staff(client, people, login):
    await login(client, "bezirk.mitte")
    html = (await client.get("/gremien")).text
    for href, label in (("/akteure", "Akteur:innen"), ("/personen", "Personen"), ("/gremien", "Gremien")):
        assert f'href="{href}"' in html and label in html
    assert 'href="/gremien"\n                 aria-current="page"' in html or 'aria-current="page">Gremien' in html


async def test_bodies_are_grouped_by_kind_and_the_district_mayor_is_named(client, people, login):
    await login(client, "lenkungskreis")
    html = (await client.get("/gremien")).text
    headings = re.findall(r'<h2 class="kern-heading-medium" id="art-[a-z_]+" tabindex="-1">([^<]+)', html)
    assert [h.strip() for h in headings] == [
        "Rat",
        "Lenkungskreis",
        "AK Stadtteilarbeit",
        "Koordinierungsrunden",
        "Stadtteilkonferenzen",
        "Bezirksvertretungen",
    ]
    assert html.count('href="/gremien/') == 28
    assert "Tanja Platzhalterhoff (Bezirksbürgermeister:in)" in html

    page = (await client.get(f"/gremien/{BV_PELKUM}")).text
    assert "<h1" in page and "Bezirksvertretung Hamm-Pelkum" in page
    assert "<strong>Bezirksbürgermeister:in</strong>" in page
    assert "01.11.2025" in page, "dates in German"
    history = page[page.index('id="verlauf-titel"') :]
    assert "Schemahoff" in history and "31.10.2025" in history, "ended memberships stay in the history"
    assert "Mitgliedschaft eintragen" not in page, "the steering committee reads only"


async def test_membership_ending_before_it_starts_is_shown_at_the_field(client, people, login, csrf, structure):
    await login(client, "admin")
    page = await client.get(f"/gremien/{BV_PELKUM}")
    response = await client.post(
        f"/gremien/{BV_PELKUM}/mitgliedschaften",
        data={
            "csrf_token": csrf(page.text),
            "person_id": COORD,
            "role": "guest",
            "starts_on": "2026-03-01",
            "ends_on": "2026-02-01",
        },
    )
    assert response.status_code == 422
    html = response.text
    message = "Das Ende (01.02.2026) liegt vor dem Beginn (01.03.2026)."
    assert f'<span class="kern-body">{message}</span>' in html
    field = next(i for i in structure(html).find("input") if i.get("id") == "ends_on")
    assert field.get("aria-invalid") == "true"
    assert "ends_on-fehler" in (field.get("aria-describedby") or "")
    assert field.get("value") == "2026-02-01", "the input is kept"
    assert 'href="#ends_on"' in html and "q-error-summary" in html
    assert_accessible_page(html, structure)
    assert len([m for m in people.memberships.values() if m["person_id"] == COORD]) == 1, "nothing stored"


async def test_gateway_checks_dates_before_the_registry(client, registry, people, login, csrf):
    await login(client, "admin")
    page = await client.get(f"/gremien/{BV_PELKUM}")
    response = await client.post(
        f"/gremien/{BV_PELKUM}/mitgliedschaften",
        data={"csrf_token": csrf(page.text), "person_id": "", "role": "x", "starts_on": "31.02.2026", "ends_on": ""},
    )
    assert response.status_code == 422
    for text in (
        "Bitte wählen Sie eine Person aus.",
        "Bitte wählen Sie eine Rolle.",
        "Bitte geben Sie ein gültiges Datum im Format TT.MM.JJJJ an.",
    ):
        assert text in response.text
    assert writes(registry) == []


async def test_add_and_end_a_membership_with_german_dates(client, registry, people, login, csrf):
    await login(client, "admin")
    page = await client.get(f"/gremien/{BV_PELKUM}")
    response = await client.post(
        f"/gremien/{BV_PELKUM}/mitgliedschaften",
        data={"csrf_token": csrf(page.text), "person_id": COORD, "role": "advisory", "starts_on": "01.01.2026"},
    )
    assert response.status_code == 303
    method, path, body, actor = writes(registry)[-1]
    assert (method, path, actor) == ("POST", f"/api/v1/bodies/{BV_PELKUM}/memberships", "admin")
    assert body == {"person_id": COORD, "role": "advisory", "starts_on": "2026-01-01", "ends_on": None}
    page = await client.get(response.headers["location"])
    assert "Die Mitgliedschaft ist eingetragen." in page.text
    mid = next(m["id"] for m in people.memberships.values() if m["person_id"] == COORD and m["body_id"] == BV_PELKUM)
    assert f'id="ende-{mid}"' in page.text and "Ende der Mitgliedschaft von Kim Musterfrau" in page.text

    # an end before the start: the registry's German message at this row's field
    bad = await client.post(
        f"/gremien/{BV_PELKUM}/mitgliedschaften/{mid}/beenden",
        data={"csrf_token": csrf(page.text), "ends_on": "2025-01-01"},
    )
    assert bad.status_code == 422
    assert "Das Ende liegt vor dem Beginn." in bad.text and f'aria-describedby="ende-{mid}-fehler"' in bad.text

    done = await client.post(
        f"/gremien/{BV_PELKUM}/mitgliedschaften/{mid}/beenden",
        data={"csrf_token": csrf(page.text), "ends_on": "2026-02-01"},
    )
    assert done.status_code == 303
    assert people.memberships[mid]["ends_on"] == "2026-02-01"
    after = (await client.get(done.headers["location"])).text
    assert "Die Mitgliedschaft ist beendet." in after
    assert "01.02.2026" in after[after.index('id="verlauf-titel"') :]


async def test_state_changes_need_the_csrf_token(client, registry, people, login):
    await login(client, "admin")
    for path, data in (
        (f"/gremien/{BV_PELKUM}/mitgliedschaften", {"person_id": COORD, "role": "guest", "starts_on": "2026-01-01"}),
        ("/akteure/neu", {"name": "Ohne Token", "type": "association"}),
        (f"/personen/{MAYOR}/loeschen", {"bestaetigung": "ja"}),
        (f"/akteure/{ACTOR_WESTEN}/zurueckziehen", {}),
        (f"/gremien/{SK_PELKUM}/ortstitel", {"local_title": "Ohne Token"}),
    ):
        response = await client.post(path, data=data)
        assert response.status_code == 403, path
        assert "CSRF" in response.text
    assert writes(registry) == []


async def test_role_refusals(client, registry, people, login, csrf):
    # council members read only
    await login(client, "bezirk.mitte")
    page = await client.get(f"/gremien/{BV_PELKUM}")
    assert (
        page.status_code == 200
        and "Mitgliedschaft eintragen" not in page.text
        and "Mitgliedschaft beenden" not in page.text
    )
    token = csrf(page.text)
    for path, data in (
        (f"/gremien/{BV_PELKUM}/mitgliedschaften", {"person_id": COORD, "role": "guest", "starts_on": "2026-01-01"}),
        ("/akteure/neu", {"name": "X", "type": "association"}),
        (f"/akteure/{ACTOR_WESTEN}", {"name": "X", "type": "association"}),
    ):
        assert (await client.post(path, data={"csrf_token": token, **data})).status_code == 403, path
    assert (await client.get("/personen/neu")).status_code == 403
    assert (await client.get(f"/personen/{MAYOR}/datenauskunft")).status_code == 403
    assert (await client.get(f"/personen/{MAYOR}/loeschen")).status_code == 403
    assert writes(registry) == []


async def test_area_coordinator_manages_the_bodies_and_actors_of_their_area(client, registry, people, login, csrf):
    await login(client, "koordination.westen")
    own = await client.get(f"/gremien/{KR_WESTEN}")
    assert "Mitgliedschaft eintragen" in own.text
    other = await client.get(f"/gremien/{KR_PELKUM}")
    assert "Mitgliedschaft eintragen" not in other.text
    token = csrf(own.text)
    data = {"csrf_token": token, "person_id": MEMBER, "role": "guest", "starts_on": "2026-01-01"}
    assert (await client.post(f"/gremien/{KR_WESTEN}/mitgliedschaften", data=data)).status_code == 303
    assert (await client.post(f"/gremien/{KR_PELKUM}/mitgliedschaften", data=data)).status_code == 403
    assert (await client.post(f"/gremien/{BV_PELKUM}/mitgliedschaften", data=data)).status_code == 403

    # actors: those serving Westen, and new ones only with Westen among their areas
    assert "Angaben ändern" in (await client.get(f"/akteure/{ACTOR_WESTEN}")).text
    assert "Angaben ändern" not in (await client.get(f"/akteure/{ACTOR_MITTE}")).text
    form = {"csrf_token": token, "name": "Jugendtreff Mitte", "type": "provider", "social_area_keys": "mitte"}
    assert (await client.post(f"/akteure/{ACTOR_MITTE}", data=form)).status_code == 403
    refused = await client.post("/akteure/neu", data={**form, "name": "Neuer Verein"})
    assert refused.status_code == 422 and "in Ihrem eigenen Sozialraum" in refused.text
    created = await client.post(
        "/akteure/neu", data={**form, "name": "Neuer Verein", "social_area_keys": ["westen", "mitte"]}
    )
    assert created.status_code == 303
    # personal data is for the administration
    assert (await client.get("/personen/neu")).status_code == 403
    assert "Personendaten löschen" not in (await client.get(f"/personen/{COORD}")).text
    assert [c[3] for c in writes(registry)] == ["koordination.westen", "koordination.westen"]


async def test_actor_list_filters_and_actor_errors_at_the_field(client, registry, people, login, csrf, structure):
    await login(client, "admin")
    listed = (await client.get("/akteure?typ=provider")).text
    assert "Jugendtreff Mitte" in listed and "Stadtteilbüro Westen" not in listed
    listed = (await client.get("/akteure?sozialraum=westen")).text
    assert "Stadtteilbüro Westen" in listed and "Jugendtreff Mitte" not in listed

    page = await client.get(f"/akteure/{ACTOR_WESTEN}")
    form = {
        "csrf_token": csrf(page.text),
        "name": "Stadtteilbüro Westen",
        "type": "neighbourhood_office",
        "social_area_keys": "westen",
        "street": "Musterweg 1",
        "postcode": "59065",
        "city": "Hamm",
        "residential_area_number": "99",
    }
    response = await client.post(f"/akteure/{ACTOR_WESTEN}", data=form)
    assert response.status_code == 422
    assert "Wohnbereich 99 gibt es nicht." in response.text
    assert 'aria-describedby="residential_area_number-fehler"' in response.text
    assert 'href="#residential_area_number"' in response.text
    assert_accessible_page(response.text, structure)

    missing = await client.post("/akteure/neu", data={"csrf_token": csrf(page.text), "name": "", "type": ""})
    assert missing.status_code == 422
    assert "Bitte geben Sie den Namen der Organisation an." in missing.text
    assert "Bitte wählen Sie die Art der Akteur:in." in missing.text

    bad_mail = await client.post(
        "/akteure/neu", data={"csrf_token": csrf(page.text), "name": "Verein", "type": "association", "email": "kaputt"}
    )
    assert bad_mail.status_code == 422 and 'id="email-fehler"' in bad_mail.text

    ok = await client.post(
        "/akteure/neu", data={"csrf_token": csrf(page.text), "name": "Verein", "type": "association"}
    )
    assert ok.status_code == 303
    assert writes(registry)[-1][2] == {
        "name": "Verein",
        "type": "association",
        "social_area_keys": [],
        "address": None,
        "email": None,
        "phone": None,
    }
    withdrawn = await client.post(f"/akteure/{ACTOR_WESTEN}/zurueckziehen", data={"csrf_token": csrf(page.text)})
    assert withdrawn.status_code == 303 and people.actors[ACTOR_WESTEN]["withdrawn"] is True
    assert "zurückgezogen" in (await client.get(withdrawn.headers["location"])).text


async def test_person_create_change_and_history(client, registry, people, login, csrf):
    await login(client, "admin")
    page = await client.get("/personen/neu")
    created = await client.post(
        "/personen/neu",
        data={
            "csrf_token": csrf(page.text),
            "given_name": "Lina",
            "family_name": "Probehaus",
            "email": "lina@example.org",
            "actor_id": ACTOR_WESTEN,
            "functions": "Vereinsguide Herringen\n\nLeitung Bürgeramt",
            "residential_area_number": "42",
        },
    )
    assert created.status_code == 303
    body = writes(registry)[-1][2]
    assert body["functions"] == ["Vereinsguide Herringen", "Leitung Bürgeramt"]
    assert body["residential_area_number"] == 42 and body["actor_id"] == ACTOR_WESTEN
    detail = (await client.get(created.headers["location"])).text
    assert "Lina Probehaus" in detail and "Die Angaben sind gespeichert." in detail
    assert "01.03.2026, 10:30 Uhr" in detail, "history in Europe/Berlin"
    assert "Angaben geändert (von admin)" in detail

    mayor = (await client.get(f"/personen/{MAYOR}")).text
    assert "Bezirksbürgermeister:in" in mayor and "Datenauskunft (JSON)" in mayor


async def test_person_422_is_tied_to_the_field(client, people, login, csrf, structure):
    await login(client, "admin")
    page = await client.get("/personen/neu")
    response = await client.post(
        "/personen/neu", data={"csrf_token": csrf(page.text), "given_name": "A", "family_name": "B", "email": "kaputt"}
    )
    assert response.status_code == 422
    assert "Die E-Mail-Adresse ist ungültig." in response.text
    field = next(i for i in structure(response.text).find("input") if i.get("id") == "email")
    assert field.get("aria-describedby") == "email-fehler" and field.get("aria-invalid") == "true"
    assert 'href="#email">E-Mail-Adresse: Die E-Mail-Adresse ist ungültig.' in response.text
    assert_accessible_page(response.text, structure)


async def test_export_downloads_json(client, people, login):
    await login(client, "admin")
    response = await client.get(f"/personen/{MAYOR}/datenauskunft")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["content-disposition"].startswith(f'attachment; filename="datenauskunft-{MAYOR}')
    data = json.loads(response.content)
    assert data["person"]["family_name"] == "Platzhalterhoff"


async def test_erasure_needs_a_confirmation_step(client, registry, people, login, csrf, structure):
    await login(client, "admin")
    confirm = await client.get(f"/personen/{MAYOR}/loeschen")
    assert confirm.status_code == 200
    html = confirm.text
    assert "Was gelöscht wird" in html and "Was bleibt und warum" in html
    assert "Bezirksvertretung Hamm-Pelkum" in html and "Niederschriften" in html, "retention reason shown"
    assert_accessible_page(html, structure)

    unconfirmed = await client.post(f"/personen/{MAYOR}/loeschen", data={"csrf_token": csrf(html)})
    assert unconfirmed.status_code == 422
    assert "Bitte bestätigen Sie" in unconfirmed.text
    assert writes(registry) == []

    erased = await client.post(f"/personen/{MAYOR}/loeschen", data={"csrf_token": csrf(html), "bestaetigung": "ja"})
    assert erased.status_code == 303
    assert writes(registry)[-1][:2] == ("POST", f"/api/v1/persons/{MAYOR}/erase")
    assert writes(registry)[-1][3] == "admin"
    after = await client.get(erased.headers["location"])
    assert after.status_code == 200 and "gelöscht" in after.text and "Die Personendaten wurden gelöscht." in after.text
    assert "Platzhalterhoff" not in after.text
    again = await client.get(f"/personen/{MAYOR}")
    assert again.status_code == 410 and "Personendaten gelöscht" in again.text
    body = (await client.get(f"/gremien/{BV_PELKUM}")).text
    assert "Person gelöscht" in body and "Platzhalterhoff" not in body


async def test_local_title_of_a_neighbourhood_conference(client, registry, people, login, csrf):
    await login(client, "admin")
    page = await client.get(f"/gremien/{SK_PELKUM}")
    assert "Örtlicher Titel" in page.text
    assert "Örtlicher Titel" not in (await client.get(f"/gremien/{KR_PELKUM}")).text
    too_long = await client.post(
        f"/gremien/{SK_PELKUM}/ortstitel", data={"csrf_token": csrf(page.text), "local_title": "x" * 150}
    )
    assert too_long.status_code == 422 and "höchstens 120 Zeichen" in too_long.text
    assert 'aria-describedby="local_title-hinweis local_title-fehler"' in too_long.text
    ok = await client.post(
        f"/gremien/{SK_PELKUM}/ortstitel", data={"csrf_token": csrf(page.text), "local_title": "Wir in Pelkum"}
    )
    assert ok.status_code == 303
    assert "Wir in Pelkum – Stadtteilkonferenz Pelkum" in (await client.get(ok.headers["location"])).text


async def test_unknown_ids_give_german_404(client, people, login):
    await login(client, "admin")
    for path in ("/gremien/kein-uuid", f"/gremien/{uuid.uuid4()}", f"/personen/{uuid.uuid4()}", "/akteure/x"):
        response = await client.get(path)
        assert response.status_code == 404, path
        assert "Diese Seite gibt es nicht" in response.text


async def test_registry_down_gives_503(client, registry, people, login):
    await login(client, "admin")
    registry.down = True
    response = await client.get("/gremien")
    assert response.status_code == 503
    assert "Das Register ist gerade nicht erreichbar" in response.text


# --- the pure rules --------------------------------------------------------------------------------------


def _p(role: Role, sa: str | None = None, d: str | None = None) -> Principal:
    return Principal("test.user", "Test", role, sa, d)


def test_who_may_manage_which_body():
    admin, lk = _p(Role.ADMIN), _p(Role.STEERING_COMMITTEE)
    westen, bv = _p(Role.AREA_COORDINATOR, sa="westen"), _p(Role.COUNCIL_MEMBER, d="mitte")
    assert can_manage_body(admin, "district_council", None)
    assert can_manage_body(westen, "coordination_round", "westen")
    assert can_manage_body(westen, "neighbourhood_conference", "westen")
    assert not can_manage_body(westen, "coordination_round", "pelkum")
    assert not can_manage_body(westen, "district_council", None)
    assert not can_manage_body(lk, "council", None) and not can_manage_body(bv, "district_council", None)
    assert not can_manage_body(None, "council", None)
    assert can_change_actor(westen, ["westen", "mitte"]) and not can_change_actor(westen, ["mitte"])
    assert not can_change_actor(lk, ["westen"]) and can_change_actor(admin, [])
    assert can_change_person(admin) and not any(can_change_person(p) for p in (lk, westen, bv, None))


def test_german_dates():
    assert parse_date("31.12.2026") == dt.date(2026, 12, 31)
    assert parse_date("1.2.2026") == dt.date(2026, 2, 1)
    assert parse_date("2026-02-01") == dt.date(2026, 2, 1)
    assert parse_date("  ") is None
    for bad in ("31.02.2026", "2026/01/01", "morgen"):
        with pytest.raises(DateInvalid):
            parse_date(bad)
    assert german_date("2026-01-31") == "31.01.2026"
    assert german_date(dt.date(2026, 1, 31)) == "31.01.2026" and german_date(None) == ""


def test_registry_field_errors_are_mapped_to_form_fields():
    errors = [
        FieldError("ends_on", "Das Ende liegt vor dem Beginn."),
        FieldError("address.street", "Pflichtangabe fehlt."),
        FieldError("unbekannt", "Etwas anderes."),
        FieldError("social_area_keys.0", "Unbekannter Sozialraum."),
    ]
    ids = {"ends_on": "ends_on", "address.street": "street", "social_area_keys": "social_area_keys"}
    assert field_errors(errors, "Die Angaben sind ungültig.", ids) == {
        "ends_on": "Das Ende liegt vor dem Beginn.",
        "street": "Pflichtangabe fehlt.",
        "": "Etwas anderes.",
        "social_area_keys": "Unbekannter Sozialraum.",
    }
    assert field_errors([], "Nur Text.", ids) == {"": "Nur Text."}


def test_labels():
    assert role_label("chair", is_district_mayor=True) == "Bezirksbürgermeister:in"
    assert role_label("advisory") == "Beratend"
    assert event_label("quartier.registry.MembershipEnded.v1") == "Mitgliedschaft beendet"
    assert copy.copy(ROLE_LABELS)["deputy"] == "Stellvertretung"
