"""Client of the invitations service's internal API (meetings, conflicts with political bodies, invitees,
sending, answers, deliveries) and of its public parts (next Stadtteilkonferenz, iCalendar feed).

Uses the HTTP client of the shared ``RegistryClient`` machinery with invitations' own base URL. The
service's German refusals (409 a step out of order or a date conflict, 422 wrong input, 403) become
``MeetingRefused`` with the ``detail`` and, for a date conflict, the colliding meetings. An unreachable
service is a ``RegistryError(503)`` with a message naming the invitations service, so the pages say what
is missing.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx

from quartier_gateway.clients.registry import RegistryClient, RegistryError, segment

log = logging.getLogger(__name__)

JSON = dict[str, Any]

UNAVAILABLE = (
    "Der Dienst für Sitzungen und Einladungen ist gerade nicht erreichbar. "
    "Bitte versuchen Sie es in einigen Minuten erneut."
)
REFUSED = "Die Angaben wurden abgelehnt."


class InvitationsUnavailable(RegistryError):
    """No answer, a server error or an answer that does not fit the contract."""

    def __init__(self, reason: str) -> None:
        super().__init__(503, UNAVAILABLE)
        self.reason = reason


class MeetingRefused(Exception):
    """The service refused: ``status_code`` 409/422/403/400, ``detail`` its German text, ``conflicts`` the
    colliding political meetings of a 409 date conflict (empty otherwise)."""

    def __init__(self, status_code: int, detail: str, conflicts: list[JSON] | None = None) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.detail = detail
        self.conflicts = conflicts or []

    @property
    def field(self) -> str | None:
        """The field a 422 names ("title: …" → "title"), if any."""
        head, sep, _ = self.detail.partition(":")
        head = head.strip()
        if sep and head and " " not in head and head.replace("_", "").replace(".", "").isalnum():
            return head
        return None

    @property
    def message(self) -> str:
        """The text without the leading field name."""
        return self.detail.partition(":")[2].strip() if self.field else self.detail


def detail_text(detail: Any) -> str:
    """The German ``detail`` of an answer; FastAPI's list of field errors as "field: message; …"."""
    if isinstance(detail, str) and detail.strip():
        return detail
    if isinstance(detail, list):
        parts = []
        for item in detail:
            if isinstance(item, dict):
                loc = [str(x) for x in item.get("loc") or [] if x not in ("body", "query")]
                msg = str(item.get("msg") or "ungültig")
                parts.append(f"{'.'.join(loc)}: {msg}" if loc else msg)
        if parts:
            return "; ".join(parts)
    if isinstance(detail, dict) and isinstance(detail.get("message"), str):
        name = detail.get("field")
        return f"{name}: {detail['message']}" if name else str(detail["message"])
    return REFUSED


class InvitationsClient:
    def __init__(self, base_url: str, timeout: float = 5.0, transport: httpx.AsyncBaseTransport | None = None):
        self.http = RegistryClient(base_url, timeout, transport=transport).http

    async def aclose(self) -> None:
        await self.http.aclose()

    async def _send(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        actor: str | None = None,
        if_match: int | None = None,
    ) -> Any:
        headers: dict[str, str] = {}
        if actor:
            headers["X-Quartier-Actor"] = actor
        if if_match is not None:
            headers["If-Match"] = str(int(if_match))
        clean = {k: v for k, v in params.items() if v not in (None, "")} if params is not None else None
        try:
            response = await self.http.request(method, path, json=json, params=clean, headers=headers)
        except httpx.HTTPError as exc:
            log.warning("invitations unreachable", extra={"path": path, "error": repr(exc)})
            raise InvitationsUnavailable(str(exc)) from exc
        if response.status_code >= 500:
            log.warning("invitations error", extra={"path": path, "status": response.status_code})
            raise InvitationsUnavailable(f"invitations answered {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            if response.status_code < 400:
                raise InvitationsUnavailable("invitations answered no JSON") from None
            body = None
        if response.status_code == 404:
            raise RegistryError(404, "Nicht gefunden.")
        if response.status_code >= 400:
            detail = body.get("detail") if isinstance(body, dict) else None
            conflicts = body.get("conflicts") if isinstance(body, dict) else None
            raise MeetingRefused(
                response.status_code,
                detail_text(detail),
                [c for c in conflicts or [] if isinstance(c, dict)] if isinstance(conflicts, list) else [],
            )
        return body

    async def _dict(self, method: str, path: str, **kwargs: Any) -> JSON:
        data = await self._send(method, path, **kwargs)
        if not isinstance(data, dict):
            raise InvitationsUnavailable("unexpected answer from invitations")
        return data

    async def _list(self, path: str, params: dict[str, Any] | None = None) -> list[JSON]:
        data = await self._send("GET", path, params=params)
        if isinstance(data, dict):  # tolerate {"items": [...]}
            data = data.get("items")
        if not isinstance(data, list):
            raise InvitationsUnavailable("unexpected answer from invitations")
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
            raise InvitationsUnavailable("unexpected answer from invitations")
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
        except RegistryError as exc:
            if exc.status_code == 404:
                return None
            raise

    async def ical(self, social_area_key: str) -> httpx.Response:
        """The raw answer of the public iCalendar feed (status, content type and body are passed on)."""
        try:
            return await self.http.get(f"/ical/{segment(social_area_key)}.ics", headers={"Accept": "text/calendar"})
        except httpx.HTTPError as exc:
            log.warning("invitations unreachable for the ical feed", extra={"error": repr(exc)})
            raise InvitationsUnavailable(str(exc)) from exc
