"""OParl 1.1 at the gateway against the real stack: walk System → Body → lists through every page, follow
the links, validate every object against the official schemas, filter by modification, see an erasure."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.support.schemas import OParlCheck, check_oparl_list, needs_oparl_schemas, oparl_validator
from tests.support.stack import Stack

pytestmark = needs_oparl_schemas

ELECTED = {"Rat", "Bezirksvertretung"}


@pytest.fixture(scope="module")
def check() -> OParlCheck:
    return oparl_validator()


def _api(stack: Stack) -> str:
    return f"{stack.url('registry')}/api/v1"


async def _get(client: httpx.AsyncClient, url: str, **params: str) -> dict[str, Any]:
    response = await client.get(url, params=params or None)
    assert response.status_code == 200, f"{url}: {response.status_code} {response.text}"
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    return body


def _when(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


def _urls_in(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value] if value.startswith(("http://", "https://")) else []
    if isinstance(value, list):
        return [u for v in value for u in _urls_in(v)]
    if isinstance(value, dict):
        return [u for k, v in value.items() if k not in ("type", "oparlVersion") for u in _urls_in(v)]
    return []


def _assert_at_gateway(gateway: str, obj: Any) -> None:
    for url in _urls_in(obj):
        assert url.startswith(f"{gateway}/oparl"), url


async def _walk(
    client: httpx.AsyncClient, check: OParlCheck, gateway: str, type_name: str, url: str, **params: str
) -> list[dict[str, Any]]:
    """Every item of a list, page by page along ``links.next``; checks pagination and links on the way."""
    items: list[dict[str, Any]] = []
    page = await _get(client, url, **params)
    first = page
    seen_pages = 0
    while True:
        seen_pages += 1
        check_oparl_list(check, type_name, page)
        _assert_at_gateway(gateway, page)
        assert page["pagination"]["currentPage"] == seen_pages
        items.extend(page["data"])
        next_url = page["links"].get("next")
        if next_url is None:
            break
        assert urlsplit(next_url).path == urlsplit(url).path
        page = await _get(client, next_url)
        assert page["links"]["prev"].endswith(f"page={seen_pages}")
    total = first["pagination"]["totalElements"]
    assert len(items) == total and seen_pages == first["pagination"]["totalPages"]
    assert len({i["id"] for i in items}) == total
    return items


async def _new_person(client: httpx.AsyncClient, stack: Stack) -> dict[str, Any]:
    tag = uuid.uuid4().hex[:8]
    payload = {
        "given_name": f"Opal{tag}",
        "family_name": f"Ratskamp{tag}",
        "email": f"opal.{tag}@beispiel.example",
        "phone": f"0171 {int(tag, 16) % 10**7:07d}",
        "functions": [f"Testfunktion {tag}"],
        "residential_area_number": 42,
    }
    response = await client.post(f"{_api(stack)}/persons", json=payload, headers={"X-Quartier-Actor": "test"})
    assert response.status_code == 201, response.text
    person: dict[str, Any] = response.json()
    return person


async def _body_and_organizations(
    client: httpx.AsyncClient, gateway: str
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The one OParl body of the system and its organisations by classification."""
    system = await _get(client, f"{gateway}/oparl")
    (body,) = (await _get(client, system["body"]))["data"]
    orgs = {o["classification"]: o for o in (await _get(client, body["organization"], limit="1000"))["data"]}
    return body, orgs


async def _join(client: httpx.AsyncClient, stack: Stack, body_id: str, person_id: str, role: str) -> str:
    response = await client.post(
        f"{_api(stack)}/bodies/{body_id}/memberships",
        json={"person_id": person_id, "role": role, "starts_on": "2025-11-01"},
        headers={"X-Quartier-Actor": "test"},
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def test_walk_the_whole_export_from_the_system_object(stack: Stack, check: OParlCheck) -> None:
    gateway = stack.url("gateway").rstrip("/")
    async with httpx.AsyncClient(timeout=30) as client:
        system = await _get(client, f"{gateway}/oparl")
        check("System", system)
        assert system["id"] == f"{gateway}/oparl" and system["name"] == "Quartier – Stadtteilarbeit Hamm"
        _assert_at_gateway(gateway, {k: v for k, v in system.items() if k not in ("website", "vendor", "product")})

        (body,) = await _walk(client, check, gateway, "Body", system["body"])
        assert body["id"] == f"{gateway}/oparl/body/hamm" and body["name"] == "Stadt Hamm"
        assert body == await _get(client, body["id"])
        (term,) = body["legislativeTerm"]
        assert (term["startDate"], term["endDate"]) == ("2025-11-01", "2030-10-31")
        terms = await _walk(client, check, gateway, "LegislativeTerm", body["legislativeTermList"])
        assert [t["id"] for t in terms] == [term["id"]]
        full_term = await _get(client, term["id"])
        check("LegislativeTerm", full_term)
        assert full_term["body"] == body["id"]
        assert await _walk(client, check, gateway, "Paper", body["paper"]) == []
        # The meetings are the invitations service's
        # (tests/integration/invitations/test_invitations_oparl_export.py): valid, maybe none.
        await _walk(client, check, gateway, "Meeting", body["meeting"])

        orgs = await _walk(client, check, gateway, "Organization", body["organization"], limit="7")
        classification = {o["id"]: o["classification"] for o in orgs}
        counts: dict[str, int] = {}
        for org in orgs:
            assert org["organizationType"] == "Gremium" and org["body"] == body["id"]
            counts[org["classification"]] = counts.get(org["classification"], 0) + 1
        assert counts == {
            "Rat": 1,
            "Lenkungskreis": 1,
            "Arbeitskreis": 1,
            "Koordinierungsrunde": 9,
            "Stadtteilkonferenz": 9,
            "Bezirksvertretung": 7,
        }
        assert all(org["membership"] for org in orgs), "every body has demo members"
        assert orgs[0] == await _get(client, orgs[0]["id"])

        persons = await _walk(client, check, gateway, "Person", body["person"], limit="25")
        assert len(persons) > 25
        membership_ids: set[str] = set()
        assert not any(p.get("deleted") for p in persons), "deleted objects only with modified_since (OParl 1.1)"
        for person in persons:
            assert person["body"] == body["id"] and person["name"] == f"{person['givenName']} {person['familyName']}"
            for field in ("functions", "status", "locationObject", "location"):
                assert field not in person
            today = dt.date.today()
            elected_now = any(
                classification[m["organization"]] in ELECTED
                and m["startDate"] <= today.isoformat()
                and ("endDate" not in m or m["endDate"] >= today.isoformat())
                for m in person["membership"]
            )
            if "email" in person or "phone" in person:
                assert elected_now, f"{person['id']} publishes contact without an elected mandate"
            for m in person["membership"]:
                assert m["organization"] in classification
                membership_ids.add(m["id"])
        assert any("email" in p for p in persons), "mandate holders of the demo publish their office contact"
        assert any("email" not in p and not p.get("deleted") for p in persons)

        # every membership an organisation lists is a valid object pointing back at that organisation
        listed = {url: org["id"] for org in orgs for url in org["membership"]}
        assert set(listed) <= membership_ids
        for url, org_id in list(listed.items())[:40]:
            membership = await _get(client, url)
            check("Membership", membership)
            assert membership["organization"] == org_id
            person = await _get(client, membership["person"])
            check("Person", person)
        all_memberships = await _walk(client, check, gateway, "Membership", body["membership"], limit="100")
        assert set(listed) <= {m["id"] for m in all_memberships}

        compact = await _walk(client, check, gateway, "Person", body["person"], limit="40", omit_internal="true")
        assert len(compact) == len(persons) and not any("membership" in p for p in compact)

        # the short form answers the same object
        some = persons[0]
        assert await _get(client, f"{gateway}/oparl/person/{some['id'].rsplit('/', 1)[1]}") == await _get(
            client, some["id"]
        )


async def test_modified_since_returns_only_what_changed(stack: Stack, check: OParlCheck) -> None:
    gateway = stack.url("gateway").rstrip("/")
    async with httpx.AsyncClient(timeout=30) as client:
        body, orgs = await _body_and_organizations(client, gateway)
        persons = await _walk(client, check, gateway, "Person", body["person"], limit="1000")
        latest = max(dt.datetime.fromisoformat(p["modified"]) for p in persons)
        since = (latest + dt.timedelta(microseconds=1)).isoformat()

        newcomer = await _new_person(client, stack)
        await _join(client, stack, orgs["Stadtteilkonferenz"]["id"].rsplit("/", 1)[1], newcomer["id"], "member")
        changed = await _walk(client, check, gateway, "Person", body["person"], modified_since=since)
        assert f"{body['person']}/{newcomer['id']}" in [p["id"] for p in changed]
        assert all(dt.datetime.fromisoformat(p["modified"]) >= dt.datetime.fromisoformat(since) for p in changed)
        assert len(changed) < len(persons)
        (entry,) = [p for p in changed if p["id"].endswith(newcomer["id"])]
        assert entry["givenName"] == newcomer["given_name"] and "email" not in entry  # no elected mandate

        # ending a mandate is a change of the person and of the organisation; the office contact goes with it
        district = orgs["Bezirksvertretung"]
        mandate = await _join(client, stack, district["id"].rsplit("/", 1)[1], newcomer["id"], "member")
        with_mandate = await _get(client, entry["id"])
        assert with_mandate["email"] == [newcomer["email"]] and len(with_mandate["membership"]) == 2
        mark = (_when(with_mandate["modified"]) + dt.timedelta(microseconds=1)).isoformat()
        yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()
        ended = await client.post(f"{_api(stack)}/memberships/{mandate}/end", json={"ends_on": yesterday})
        assert ended.status_code == 200, ended.text
        (again,) = await _walk(client, check, gateway, "Person", body["person"], modified_since=mark)
        assert again["id"] == entry["id"] and "email" not in again and "phone" not in again
        assert [m.get("endDate") for m in again["membership"] if m["id"].endswith(mandate)] == [yesterday]
        changed_orgs = await _walk(client, check, gateway, "Organization", body["organization"], modified_since=mark)
        assert [o["id"] for o in changed_orgs] == [district["id"]]
        (ended_membership,) = await _walk(client, check, gateway, "Membership", body["membership"], modified_since=mark)
        assert ended_membership["endDate"] == yesterday and ended_membership["person"] == entry["id"]

        # a person registered but in no body is not published
        loner = await _new_person(client, stack)
        assert (await client.get(f"{body['person']}/{loner['id']}")).status_code == 404
        assert not [
            p
            for p in await _walk(client, check, gateway, "Person", body["person"], modified_since=since)
            if p["id"].endswith(loner["id"])
        ]

        # the organisation whose membership list grew is modified too; created_until excludes the newcomer
        conference = await _walk(client, check, gateway, "Organization", body["organization"], modified_since=since)
        assert orgs["Stadtteilkonferenz"]["classification"] in {o["classification"] for o in conference}
        before = await _walk(client, check, gateway, "Person", body["person"], created_until=since, limit="1000")
        assert not any(p["id"].endswith(newcomer["id"]) for p in before)

        nothing = await _get(client, body["person"], modified_since="2999-01-01T00:00:00+00:00")
        assert nothing["data"] == [] and nothing["pagination"]["totalElements"] == 0
        bad = await client.get(body["person"], params={"modified_since": "gestern"})
        assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "modified_since"
        assert (await client.get(f"{gateway}/oparl/body/anderswo/person")).status_code == 404
        assert (await client.get(f"{body['person']}/kein-uuid")).status_code == 404


async def test_an_erased_person_shows_as_deleted_without_name(stack: Stack, check: OParlCheck) -> None:
    gateway = stack.url("gateway").rstrip("/")
    async with httpx.AsyncClient(timeout=30) as client:
        body, orgs = await _body_and_organizations(client, gateway)
        person = await _new_person(client, stack)
        council = orgs["Rat"]["id"].rsplit("/", 1)[1]
        mandate = await _join(client, stack, council, person["id"], "member")
        await _join(client, stack, orgs["Koordinierungsrunde"]["id"].rsplit("/", 1)[1], person["id"], "guest")

        url = f"{body['person']}/{person['id']}"
        before = await _get(client, url)
        check("Person", before)
        assert before["familyName"] == person["family_name"]
        assert before["email"] == [person["email"]], "an active council mandate publishes the office contact"
        assert len(before["membership"]) == 2
        mandate_url = f"{body['membership']}/{mandate}"
        assert mandate_url in (await _get(client, orgs["Rat"]["id"]))["membership"]
        since = before["modified"]

        erased = await client.post(f"{_api(stack)}/persons/{person['id']}/erase", headers={"X-Quartier-Actor": "test"})
        assert erased.status_code == 200, erased.text

        after = await _get(client, url)
        check("Person", after)
        assert after["deleted"] is True and set(after) == {"id", "type", "created", "modified", "deleted"}
        assert _when(after["modified"]) > _when(since)
        text = repr(after)
        for personal in (person["given_name"], person["family_name"], person["email"], person["phone"]):
            assert personal not in text
        changed = await _walk(client, check, gateway, "Person", body["person"], modified_since=since)
        assert after in changed
        everyone = await _walk(client, check, gateway, "Person", body["person"], limit="1000")
        assert url not in [p["id"] for p in everyone], "without modified_since no deleted objects (OParl 1.1)"
        # the council seat kept by law is not published with the erased person, but marked deleted
        kept = await _get(client, mandate_url)
        check("Membership", kept)
        assert kept["deleted"] is True and "person" not in kept
        council_after = await _get(client, orgs["Rat"]["id"])
        assert mandate_url not in council_after["membership"]
        assert _when(council_after["modified"]) > _when(since), "the organisation lost a membership: it is modified"
        memberships = await _walk(client, check, gateway, "Membership", body["membership"], modified_since=since)
        assert kept in memberships
        all_memberships = await _walk(client, check, gateway, "Membership", body["membership"], limit="1000")
        assert mandate_url not in [m["id"] for m in all_memberships]
