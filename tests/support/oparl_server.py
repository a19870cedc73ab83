"""A small OParl 1.1 server of the tests' own, on loopback: the council information system the
invitations service imports the political calendar from.

It serves spec-valid JSON (checked against the official schemas in
tests/integration/invitations/test_invitations_conflicts.py):
the ``System``, the body list with one ``Body`` (Stadt Hamm), its ``organization`` list (the Rat, the
Bezirksvertretungen, a committee that concerns nobody) and its ``meeting`` list, both as external lists
with ``pagination`` and ``links`` (two items per page, so the import must follow ``links.next``), and
each object at its own URL. Meetings may be ``cancelled: true``. The tests can switch the server to
``failing`` (HTTP 503 everywhere) or ``holding`` (every request waits until released: a slow source).
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from icalendar import Calendar, Event

OPARL = "https://schema.oparl.org/1.1/"
PAGE_SIZE = 2
CREATED = "2026-01-05T09:00:00+01:00"

ORGANIZATIONS: dict[str, tuple[str, str]] = {
    "rat": ("Rat der Stadt Hamm", "Rat"),
    "bv-mitte": ("Bezirksvertretung Hamm-Mitte", "Bezirksvertretung"),
    "bv-pelkum": ("Bezirksvertretung Pelkum", "Bezirksvertretung"),
    "bv-herringen": ("Bezirksvertretung Herringen", "Bezirksvertretung"),
    "bv-heessen": ("Bezirksvertretung Heessen", "Bezirksvertretung"),
    "bv-uentrop": ("Bezirksvertretung Uentrop", "Bezirksvertretung"),
    "ausschuss-sport": ("Sportausschuss", "Ausschuss"),
}


@dataclass
class PoliticalSession:
    key: str
    organization: str  # a key of ORGANIZATIONS
    start: dt.datetime
    end: dt.datetime | None
    name: str = "Sitzung"
    cancelled: bool = False


@dataclass
class FeedEvent:
    """An entry of the iCalendar feed (``/ical``): a body's session named in CATEGORIES."""

    uid: str
    category: str
    start: dt.datetime
    end: dt.datetime
    summary: str = "Sitzung"
    cancelled: bool = False


@dataclass
class OParlServer:
    meetings: list[PoliticalSession] = field(default_factory=list)
    feed: list[FeedEvent] = field(default_factory=list)
    failing: bool = False
    requests: int = 0
    _release: threading.Event = field(default_factory=threading.Event)
    holding_now: threading.Event = field(default_factory=threading.Event)
    _httpd: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    # ---------------------------------------------------------------- control

    def start(self) -> OParlServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server._handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._release.set()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def hold(self) -> None:
        """Every request from now on waits until ``release`` (a source that does not answer)."""
        self.holding_now.clear()
        self._release.clear()

    def release(self) -> None:
        self._release.set()

    @property
    def port(self) -> int:
        assert self._httpd is not None
        return int(self._httpd.server_address[1])

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}/oparl"

    @property
    def system_url(self) -> str:
        return self.base

    @property
    def ical_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/ical"

    def ical(self) -> bytes:
        calendar = Calendar()
        calendar.add("prodid", "-//Test//Ratsinformation//DE")
        calendar.add("version", "2.0")
        for entry in self.feed:
            event = Event()
            event.add("uid", entry.uid)
            event.add("dtstamp", dt.datetime(2026, 1, 5, tzinfo=dt.UTC))
            event.add("dtstart", entry.start)
            event.add("dtend", entry.end)
            event.add("summary", entry.summary)
            event.add("categories", [entry.category])
            if entry.cancelled:
                event.add("status", "CANCELLED")
            calendar.add_component(event)
        data: bytes = calendar.to_ical()
        return data

    # ---------------------------------------------------------------- documents

    def _body_url(self) -> str:
        return f"{self.base}/body/hamm"

    def organization(self, key: str) -> dict[str, Any]:
        name, classification = ORGANIZATIONS[key]
        return {
            "id": f"{self._body_url()}/organization/{key}",
            "type": OPARL + "Organization",
            "body": self._body_url(),
            "name": name,
            "organizationType": "Gremium",
            "classification": classification,
            "meeting": f"{self._body_url()}/meeting",
            "created": CREATED,
            "modified": CREATED,
        }

    def meeting(self, session: PoliticalSession) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": f"{self._body_url()}/meeting/{session.key}",
            "type": OPARL + "Meeting",
            "name": session.name,
            "meetingState": "abgesagt" if session.cancelled else "terminiert",
            "cancelled": session.cancelled,
            "start": session.start.isoformat(),
            "organization": [f"{self._body_url()}/organization/{session.organization}"],
            "created": CREATED,
            "modified": CREATED,
        }
        if session.end is not None:
            out["end"] = session.end.isoformat()
        return out

    def system(self) -> dict[str, Any]:
        return {
            "id": self.base,
            "type": OPARL + "System",
            "oparlVersion": OPARL,
            "name": "Ratsinformationssystem (Test)",
            "body": f"{self.base}/body",
            "created": CREATED,
            "modified": CREATED,
        }

    def body(self) -> dict[str, Any]:
        url = self._body_url()
        return {
            "id": url,
            "type": OPARL + "Body",
            "system": self.base,
            "name": "Stadt Hamm",
            "shortName": "Hamm",
            "organization": f"{url}/organization",
            "person": f"{url}/person",
            "meeting": f"{url}/meeting",
            "paper": f"{url}/paper",
            "legislativeTerm": [
                {
                    "id": f"{url}/legislativeterm/2025",
                    "type": OPARL + "LegislativeTerm",
                    "name": "Wahlperiode 2025–2030",
                    "startDate": "2025-11-01",
                    "endDate": "2030-10-31",
                }
            ],
            "created": CREATED,
            "modified": CREATED,
        }

    def _list(self, url: str, items: list[dict[str, Any]], page: int) -> dict[str, Any]:
        pages = max(1, -(-len(items) // PAGE_SIZE))
        page = min(max(page, 1), pages)
        links = {"first": f"{url}?page=1", "last": f"{url}?page={pages}", "self": f"{url}?page={page}"}
        if page > 1:
            links["prev"] = f"{url}?page={page - 1}"
        if page < pages:
            links["next"] = f"{url}?page={page + 1}"
        return {
            "data": items[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
            "pagination": {
                "totalElements": len(items),
                "elementsPerPage": PAGE_SIZE,
                "currentPage": page,
                "totalPages": pages,
            },
            "links": links,
        }

    def document(self, path: str, page: int) -> dict[str, Any] | None:
        body = "/oparl/body/hamm"
        sessions = {s.key: s for s in self.meetings}
        if path == "/oparl":
            return self.system()
        if path == "/oparl/body":
            return self._list(f"{self.base}/body", [self.body()], page)
        if path == body:
            return self.body()
        if path == f"{body}/organization":
            return self._list(f"{self._body_url()}/organization", [self.organization(k) for k in ORGANIZATIONS], page)
        if path == f"{body}/meeting":
            ordered = sorted(self.meetings, key=lambda s: s.start)
            return self._list(f"{self._body_url()}/meeting", [self.meeting(s) for s in ordered], page)
        if path in (f"{body}/person", f"{body}/paper"):
            return self._list(f"{self.base}{path.removeprefix('/oparl')}", [], page)
        if path.startswith(f"{body}/organization/") and path.rsplit("/", 1)[1] in ORGANIZATIONS:
            return self.organization(path.rsplit("/", 1)[1])
        if path.startswith(f"{body}/meeting/") and path.rsplit("/", 1)[1] in sessions:
            return self.meeting(sessions[path.rsplit("/", 1)[1]])
        return None

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        self.requests += 1
        if not self._release.is_set():
            self.holding_now.set()
            self._release.wait()
        if self.failing:
            self._send(request, 503, {"error": "unavailable"})
            return
        parts = urlsplit(request.path)
        if parts.path == "/ical":
            self._send_bytes(request, 200, self.ical(), "text/calendar; charset=utf-8")
            return
        page_values = parse_qs(parts.query).get("page", ["1"])
        page = int(page_values[0]) if page_values[0].isdigit() else 1
        doc = self.document(parts.path.rstrip("/") or "/", page)
        if doc is None:
            self._send(request, 404, {"error": "not found"})
        else:
            self._send(request, 200, doc)

    @staticmethod
    def _send(request: BaseHTTPRequestHandler, status: int, doc: dict[str, Any]) -> None:
        OParlServer._send_bytes(request, status, json.dumps(doc, ensure_ascii=False).encode(), "application/json")

    @staticmethod
    def _send_bytes(request: BaseHTTPRequestHandler, status: int, body: bytes, content_type: str) -> None:
        try:
            request.send_response(status)
            request.send_header("Content-Type", content_type)
            request.send_header("Content-Length", str(len(body)))
            request.end_headers()
            request.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass
