"""Meetings in the OParl 1.1 export at the gateway's ``/oparl``: the Body's meeting list (served by the
invitations service, routed by the gateway) walked page by page, every Meeting with its embedded
AgendaItems and Location valid against the official schemas, each object at its own URL, the
organisations pointing at the registry's Organization objects, a cancelled meeting marked, an internal
meeting absent."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.integration.invitations.test_invitations_meetings import (
    bodies,
    invitations,
    meeting_body,
    oparl,
    post,
    territory,
)
from tests.support.schemas import OParlCheck, check_oparl_list, needs_oparl_schemas, oparl_validator
from tests.support.stack import Stack

__all__ = ["bodies", "invitations", "oparl", "territory"]  # fixtures shared with the meetings' tests

pytestmark = needs_oparl_schemas


@pytest.fixture(scope="module")
def check() -> OParlCheck:
    return oparl_validator()


async def _get(client: httpx.AsyncClient, url: str, **params: str) -> dict[str, Any]:
    response = await client.get(url, params=params or None)
    assert response.status_code == 200, f"{url}: {response.status_code} {response.text}"
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    return body


async def test_meetings_agenda_items_and_locations_are_valid_oparl_at_the_gateway(
    stack: Stack, territory: str, bodies: dict[tuple[str, str | None], str], check: OParlCheck
) -> None:
    gateway = stack.url("gateway").rstrip("/")
    async with httpx.AsyncClient(timeout=30) as client:
        shown = await post(
            client,
            f"{territory}/meetings",
            meeting_body(
                bodies,
                area="westen",
                local_title="Wir im Westen",
                agenda=["Neue Projekte der Stadt", "Verschiedenes"],
                starts_at="2032-03-03T18:00:00",
                ends_at="2032-03-03T20:00:00",
            ),
        )
        cancelled = await post(
            client,
            f"{territory}/meetings",
            meeting_body(
                bodies,
                area="westen",
                format="hybrid",
                location={
                    "community_centre": False,
                    "address": "Wilhelmstraße 1, 59067 Hamm",
                    "online_url": "https://video.example.org/stk",
                },
                starts_at="2032-03-10T18:00:00",
                ends_at="2032-03-10T20:00:00",
            ),
        )
        await post(client, f"{territory}/meetings/{cancelled['id']}/cancel", {"reason": "Ausfall"}, status=200)
        internal = await post(
            client,
            f"{territory}/meetings",
            meeting_body(bodies, kind="coordination_round", title="Koordinierungsrunde", public=False),
        )

        system = await _get(client, f"{gateway}/oparl")
        (body,) = (await _get(client, system["body"]))["data"]
        meetings: list[dict[str, Any]] = []
        url: str | None = body["meeting"]
        params = {"limit": "2"}
        page_number = 0
        while url:
            page = await _get(client, url, **params)
            params = {}
            page_number += 1
            check_oparl_list(check, "Meeting", page)
            assert page["pagination"]["currentPage"] == page_number
            meetings += page["data"]
            url = page["links"].get("next")
        assert len(meetings) == page["pagination"]["totalElements"] and len({m["id"] for m in meetings}) == len(
            meetings
        )
        by_id = {m["id"].rsplit("/", 1)[1]: m for m in meetings}

        assert internal["id"] not in by_id
        hidden = await client.get(f"{gateway}/oparl/body/hamm/meeting/{internal['id']}")
        assert hidden.status_code == 404

        meeting = by_id[shown["id"]]
        assert meeting["id"] == f"{gateway}/oparl/body/hamm/meeting/{shown['id']}"
        assert meeting["name"] == "Stadtteilkonferenz – Wir im Westen"
        assert meeting["cancelled"] is False and meeting["start"] == shown["starts_at"]
        assert [i["name"] for i in meeting["agendaItem"]] == ["Jahresplan", "Neue Projekte der Stadt", "Verschiedenes"]
        for item in meeting["agendaItem"]:
            check("AgendaItem", item)
            alone = await _get(client, item["id"])
            check("AgendaItem", alone)
            assert alone["meeting"] == meeting["id"] and alone["name"] == item["name"]
        check("Location", meeting["location"])
        assert meeting["location"]["description"] == "Stadtteilzentrum an der Wilhelmstraße"
        place = await _get(client, meeting["location"]["id"])
        check("Location", place)
        assert place["meetings"] == [meeting["id"]]
        assert await _get(client, meeting["id"]) == meeting
        assert await _get(client, f"{gateway}/oparl/meeting/{shown['id']}") == meeting
        (organization,) = meeting["organization"]
        org = await _get(client, organization)
        check("Organization", org)
        assert org["classification"] == "Stadtteilkonferenz"

        gone = by_id[cancelled["id"]]
        assert gone["cancelled"] is True and gone["meetingState"] == "abgesagt"
        assert gone["location"]["streetAddress"] == "Wilhelmstraße 1, 59067 Hamm"

        wrong_city = await client.get(f"{gateway}/oparl/body/muenster/meeting")
        assert wrong_city.status_code == 404
        bad_param = await client.get(body["meeting"], params={"limit": "null"})
        assert bad_param.status_code == 400
