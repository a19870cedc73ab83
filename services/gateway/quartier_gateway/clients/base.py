"""What every client of a backend service shares: the HTTP call, and reading a refusal.

Every Quartier service answers a refusal as RFC 9457 ``application/problem+json`` (``quartier_shared.http``):
``{"type", "title", "status", "detail", "errors": [{"field", "message"}], …}`` with German ``title`` and
``detail``; further members (``conflicts`` of a date clash, ``lines`` of a refused CSV file) are extensions.
``refusal_of`` turns such an answer into a ``Refused`` (``NotFound`` for 404, ``Gone`` for 410,
``Rejected`` for any other 4xx); no answer, a server error or an answer that does not fit the contract is
``Unavailable`` with the German message of the service that failed.
"""

from __future__ import annotations

import functools
import logging
import ssl
from collections.abc import Mapping
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ValidationError

from quartier_shared.errors import FieldError

log = logging.getLogger(__name__)


@functools.cache
def tls_context() -> ssl.SSLContext:
    """One verifying TLS context (the CA bundle httpx would load) for every client: loading the bundle is the
    costly part of building a client, and an app builds one per service (the unit tests hundreds)."""
    return httpx.create_ssl_context()


JSON = dict[str, Any]
REFUSED = "Die Angaben wurden abgelehnt."


class Unavailable(Exception):
    """The service did not answer, answered with a server error, or its answer does not fit the contract.
    ``message`` is the German text for the page (it names the service)."""

    def __init__(self, message: str, reason: str = "") -> None:
        super().__init__(reason or message)
        self.message = message
        self.reason = reason


class Refused(Exception):
    """The service refused the request (4xx): its German ``detail``, the wrong ``errors`` by field and the
    ``extensions`` of the problem answer (``conflicts``, ``lines``, …)."""

    def __init__(
        self,
        status_code: int,
        detail: str,
        *,
        errors: list[FieldError] | None = None,
        extensions: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{status_code}: {detail}")
        self.status_code = status_code
        self.detail = detail
        self.errors = list(errors or [])
        self.extensions = dict(extensions or {})

    @property
    def field(self) -> str | None:
        """The field the refusal names (the first of ``errors``), if any."""
        return self.errors[0].field if self.errors and self.errors[0].field else None

    @property
    def message(self) -> str:
        """The message for that field, else the ``detail``."""
        return self.errors[0].message if self.field else self.detail

    @property
    def conflicts(self) -> list[JSON]:
        """The colliding meetings of a date clash (invitations' 409)."""
        found = self.extensions.get("conflicts")
        return [c for c in found if isinstance(c, dict)] if isinstance(found, list) else []

    @property
    def lines(self) -> list[tuple[int, str]]:
        """The broken lines of a refused import file: ``(line, German message)``."""
        found = self.extensions.get("lines")
        if not isinstance(found, list):
            return []
        return [(int(x.get("line") or 0), str(x.get("message") or "")) for x in found if isinstance(x, dict)]


class NotFound(Refused):
    """404: what the request names does not exist."""


class Gone(Refused):
    """410: it existed, but was erased or withdrawn for good."""


class Rejected(Refused):
    """Any other 4xx: wrong input (422), a step out of order or a stale version (409), a forbidden step."""


def refusal_of(status_code: int, body: Any, default_detail: str = REFUSED) -> Refused:
    """A problem answer (status ≥ 400) as the matching ``Refused``."""
    problem = body if isinstance(body, dict) else {}
    detail = problem.get("detail")
    errors = [
        FieldError(str(e.get("field") or ""), str(e.get("message") or ""))
        for e in problem.get("errors") or []
        if isinstance(e, dict)
    ]
    extensions = {k: v for k, v in problem.items() if k not in ("type", "title", "status", "detail", "errors")}
    text = detail if isinstance(detail, str) and detail.strip() else default_detail
    kind = NotFound if status_code == 404 else Gone if status_code == 410 else Rejected
    return kind(status_code, text, errors=errors, extensions=extensions)


def segment(value: str) -> str:
    """One URL path segment; anything that could leave it is encoded."""
    return quote(str(value), safe="")


M = TypeVar("M", bound=BaseModel)


class ServiceClient:
    """One HTTP connection to one backend service (built once with the app, closed once)."""

    #: the German text of the page when the service is missing
    unavailable_message = "Ein Dienst ist gerade nicht erreichbar. Bitte versuchen Sie es in einigen Minuten erneut."
    #: the ``detail`` of a refusal that brings none
    refused_message = REFUSED
    name = "service"

    def __init__(self, base_url: str, timeout: float = 5.0, transport: httpx.AsyncBaseTransport | None = None):
        self.http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            timeout=timeout,
            transport=transport,
            verify=tls_context(),
            headers={"Accept": "application/json"},
            follow_redirects=False,
        )

    async def aclose(self) -> None:
        await self.http.aclose()

    def unavailable(self, reason: str) -> Unavailable:
        return Unavailable(self.unavailable_message, f"{self.name}: {reason}")

    async def raw(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        actor: str | None = None,
        if_match: int | None = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """The raw answer (any status); ``Unavailable`` when there is none. Parameters that are None or ""
        are left out."""
        all_headers = dict(headers or {})
        if actor:
            all_headers["X-Quartier-Actor"] = actor
        if if_match is not None:
            all_headers["If-Match"] = str(int(if_match))
        clean = {k: v for k, v in params.items() if v not in (None, "")} if params is not None else None
        try:
            return await self.http.request(
                method, path, json=json, params=clean, content=content, headers=all_headers or None
            )
        except httpx.HTTPError as exc:
            log.warning("service unreachable", extra={"service": self.name, "path": path, "error": repr(exc)})
            raise self.unavailable(str(exc)) from exc

    async def request(self, method: str, path: str, **kwargs: Any) -> Any:
        """One call: the JSON answer; ``Refused`` for a 4xx (read from its problem answer); ``Unavailable``
        for no answer, a 5xx or an answer without JSON."""
        response = await self.raw(method, path, **kwargs)
        if response.status_code >= 500:
            log.warning("service error", extra={"service": self.name, "path": path, "status": response.status_code})
            raise self.unavailable(f"answered {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            if response.status_code < 400:
                raise self.unavailable("answered no JSON") from None
            body = None
        if response.status_code >= 400:
            raise refusal_of(response.status_code, body, self.refused_message)
        return body

    async def one(self, method: str, path: str, **kwargs: Any) -> JSON:
        data = await self.request(method, path, **kwargs)
        if not isinstance(data, dict):
            raise self.unavailable(f"{path}: no object")
        return data

    async def many(self, path: str, params: Mapping[str, Any] | None = None) -> list[JSON]:
        data = await self.request("GET", path, params=params)
        if not isinstance(data, list):
            raise self.unavailable(f"{path}: no list")
        return [d for d in data if isinstance(d, dict)]

    def parse(self, model: type[M], data: Any) -> M:
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            log.error("answer does not fit the contract", extra={"service": self.name, "model": model.__name__})
            raise self.unavailable(f"{model.__name__} does not fit") from exc
