"""Client of the invitations service's internal API (meetings, conflicts with political bodies, invitees,
sending, answers, deliveries) and of its public parts (next Stadtteilkonferenz, iCalendar feed).

The service's German refusals (409 a step out of order or a date conflict, 422 wrong input, 403) are
``Rejected`` with the ``detail``, the wrong fields and, for a date conflict, the colliding meetings
(``conflicts``). An unreachable service is ``Unavailable`` with a message naming the invitations service, so
the pages say what is missing. The public answer page of an invitation and the open-data pass-through use
the same connection.
"""

from __future__ import annotations

from typing import Any

import httpx

from quartier_gateway.clients.base import JSON, NotFound, ServiceClient, segment

UNAVAILABLE = (
    "Der Dienst für Sitzungen und Einladungen ist gerade nicht erreichbar. "
    "Bitte versuchen Sie es in einigen Minuten erneut."
)
REFUSED = "Die Angaben wurden abgelehnt."


class InvitationsClient(ServiceClient):
    name = "invitations"
    unavailable_message = UNAVAILABLE
    refused_message = REFUSED

    async def _send(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            return await self.request(method, path, **kwargs)
        except NotFound as missing:
            raise NotFound(404, "Nicht gefunden.") from missing

    async def _dict(self, method: str, path: str, **kwargs: Any) -> JSON:
        data = await self._send(method, path, **kwargs)
        if not isinstance(data, dict):
            raise self.unavailable("unexpected answer")
        return data

    async def _list(self, path: str, params: dict[str, Any] | None = None) -> list[JSON]:
        data = await self._send("GET", path, params=params)
        if isinstance(data, dict):  # tolerate {"items": [...]}
            data = data.get("items")
        if not isinstance(data, list):
            raise self.unavailable("unexpected answer")
        return [d for d in data if isinstance(d, dict)]

    # --- meetings

    async def meetings(
        self,
        social_area_key: str | None = None,
        kind: str | None = None,
        date_from: str | None = None,
        date_to: str | None = None,
        status: str | None = None,
    ) -> list[JSON]:
        params = {"social_area_key": social_area_key, "kind": kind, "from": date_from, "to": date_to, "status": status}
        return await self._list("/api/v1/meetings", params)

    async def meeting(self, meeting_id: str) -> JSON:
        return await self._dict("GET", f"/api/v1/meetings/{segment(meeting_id)}")

    async def schedule(self, meeting: JSON, actor: str) -> JSON:
        return await self._dict("POST", "/api/v1/meetings", json=meeting, actor=actor)

    async def reschedule(self, meeting_id: str, schedule: JSON, actor: str, version: int | None = None) -> JSON:
        path = f"/api/v1/meetings/{segment(meeting_id)}/schedule"
        return await self._dict("PUT", path, json=schedule, actor=actor, if_match=version)

    async def change(self, meeting_id: str, changes: JSON, actor: str, version: int | None = None) -> JSON:
        path = f"/api/v1/meetings/{segment(meeting_id)}"
        return await self._dict("PUT", path, json=changes, actor=actor, if_match=version)

    async def cancel(self, meeting_id: str, reason: str, actor: str) -> JSON:
        path = f"/api/v1/meetings/{segment(meeting_id)}/cancel"
        return await self._dict("POST", path, json={"reason": reason}, actor=actor)

    async def conflicts(self, social_area_key: str, starts_at: str, ends_at: str, timezone: str) -> list[JSON]:
        params = {"social_area_key": social_area_key, "starts_at": starts_at, "ends_at": ends_at, "timezone": timezone}
        data = await self._send("GET", "/api/v1/conflicts", params=params)
        items = data.get("conflicts") if isinstance(data, dict) else data
        if not isinstance(items, list):
            raise self.unavailable("unexpected answer")
        return [c for c in items if isinstance(c, dict)]

    async def record_attendance(self, meeting_id: str, person_ids: list[str], guests: int, actor: str) -> JSON:
        path = f"/api/v1/meetings/{segment(meeting_id)}/attendance"
        return await self._dict("POST", path, json={"person_ids": person_ids, "guests": guests}, actor=actor)

    async def record_minutes(self, meeting_id: str, text: str, actor: str) -> JSON:
        path = f"/api/v1/meetings/{segment(meeting_id)}/minutes"
        return await self._dict("PUT", path, json={"text": text}, actor=actor)

    async def raise_need(self, meeting_id: str, need: JSON, actor: str) -> JSON:
        return await self._dict("POST", f"/api/v1/meetings/{segment(meeting_id)}/needs", json=need, actor=actor)

    # --- invitees, sending, answers, deliveries

    async def invitees(self, meeting_id: str) -> JSON:
        return await self._dict("GET", f"/api/v1/meetings/{segment(meeting_id)}/invitees")

    async def add_invitee(self, meeting_id: str, person_id: str, reason: str, actor: str) -> JSON:
        path = f"/api/v1/meetings/{segment(meeting_id)}/invitees"
        return await self._dict("POST", path, json={"person_id": person_id, "reason": reason}, actor=actor)

    async def remove_invitee(self, meeting_id: str, person_id: str, reason: str, actor: str) -> JSON:
        path = f"/api/v1/meetings/{segment(meeting_id)}/invitees/{segment(person_id)}/remove"
        return await self._dict("POST", path, json={"reason": reason}, actor=actor)

    async def send(self, meeting_id: str, actor: str) -> JSON:
        return await self._dict("POST", f"/api/v1/meetings/{segment(meeting_id)}/send", actor=actor)

    async def answers(self, meeting_id: str) -> list[JSON]:
        return await self._list(f"/api/v1/meetings/{segment(meeting_id)}/answers")

    async def deliveries(self, meeting_id: str) -> list[JSON]:
        return await self._list("/api/v1/deliveries", {"meeting_id": meeting_id})

    # --- public

    async def next_conference(self, social_area_key: str) -> JSON | None:
        path = f"/api/v1/public/social-areas/{segment(social_area_key)}/next-conference"
        try:
            return await self._dict("GET", path)
        except NotFound:
            return None

    async def ical(self, social_area_key: str) -> httpx.Response:
        """The raw answer of the public iCalendar feed (status, content type and body are passed on)."""
        return await self.raw("GET", f"/ical/{segment(social_area_key)}.ics", headers={"Accept": "text/calendar"})

    # --- the public answer page of an invitation (the signed token is the authority)

    async def invitation(self, token: str) -> JSON:
        return await self.one("GET", f"/api/v1/answers/{segment(token)}")

    async def answer_invitation(self, token: str, answer: str) -> None:
        await self.request("POST", f"/api/v1/answers/{segment(token)}", json={"answer": answer})
