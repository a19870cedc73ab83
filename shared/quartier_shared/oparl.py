"""The list protocol of OParl 1.1, shared by every service that serves part of the gateway's ``/oparl``
(the registry: bodies, people, memberships; invitations: meetings): type URLs, the list parameters
(``created_since`` … ``modified_until``, ``limit``, ``omit_internal``, our ``page``) and the paged list with
its ``pagination`` and ``links``. Pure, no I/O.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from quartier_shared import errors

OPARL_VERSION = "https://schema.oparl.org/1.1/"

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
MAX_PAGE = 1_000_000


def type_url(name: str) -> str:
    return f"{OPARL_VERSION}{name}"


class OParlQueryError(errors.BadRequest):
    """A list parameter is not understood. ``parameter`` names it, ``message`` says why (German)."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(parameter, message)
        self.parameter = parameter


@dataclass(frozen=True)
class ListQuery:
    """The filters and page of an OParl list (``page`` from 1)."""

    created_since: dt.datetime | None = None
    created_until: dt.datetime | None = None
    modified_since: dt.datetime | None = None
    modified_until: dt.datetime | None = None
    limit: int = DEFAULT_LIMIT
    page: int = 1
    omit_internal: bool = False

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.limit

    @property
    def include_deleted(self) -> bool:
        """OParl 1.1: deleted objects are listed if and only if ``modified_since`` is given."""
        return self.modified_since is not None

    def filters(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for name in ("created_since", "created_until", "modified_since", "modified_until"):
            value: dt.datetime | None = getattr(self, name)
            if value is not None:
                out[name] = timestamp(value)
        if self.omit_internal:
            out["omit_internal"] = "true"
        return out

    def admits(self, created: dt.datetime, modified: dt.datetime) -> bool:
        return (
            (self.created_since is None or created >= self.created_since)
            and (self.created_until is None or created <= self.created_until)
            and (self.modified_since is None or modified >= self.modified_since)
            and (self.modified_until is None or modified <= self.modified_until)
        )


def slugify(text: str) -> str:
    """``Hamm`` → ``hamm``, ``Bockum-Hövel`` → ``bockum-hoevel``: the city's key in the Body URL."""
    lowered = text.strip().lower()
    for umlaut, spelled in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        lowered = lowered.replace(umlaut, spelled)
    ascii_text = unicodedata.normalize("NFKD", lowered).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    return slug or "stadt"


def timestamp(value: dt.datetime) -> str:
    """ISO 8601 with time zone (naive values are taken as UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.isoformat()


def parse_timestamp(value: str, parameter: str) -> dt.datetime:
    text = value.strip()
    if "T" in text:
        text = text.replace(" ", "+")  # an unencoded "+" of the offset arrives as a space
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        raise OParlQueryError(
            parameter, f"„{value}“ ist kein gültiger Zeitpunkt (ISO 8601, z. B. 2026-01-31T12:00:00+01:00)."
        ) from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=dt.UTC)


def _positive(value: str, parameter: str) -> int:
    try:
        number = int(value.strip())
    except ValueError:
        raise OParlQueryError(parameter, f"„{value}“ ist keine ganze Zahl.") from None
    if number < 1:
        raise OParlQueryError(parameter, "Der Wert muss mindestens 1 sein.")
    return number


def parse_query(params: Mapping[str, str]) -> ListQuery:
    """The list parameters of OParl (``created_since`` … ``modified_until``, ``limit``, ``omit_internal``)
    and our ``page``. ``limit`` above the maximum is reduced to it (the pagination shows the real page size)."""
    stamps: dict[str, dt.datetime | None] = {}
    for name in ("created_since", "created_until", "modified_since", "modified_until"):
        raw = params.get(name)
        stamps[name] = parse_timestamp(raw, name) if raw not in (None, "") else None
    limit = min(_positive(params["limit"], "limit"), MAX_LIMIT) if params.get("limit") else DEFAULT_LIMIT
    page = _positive(params["page"], "page") if params.get("page") else 1
    if page > MAX_PAGE:
        raise OParlQueryError("page", f"Höchstens Seite {MAX_PAGE}.")
    omit = params.get("omit_internal", "").strip().lower()
    if omit not in ("", "true", "false"):
        raise OParlQueryError("omit_internal", f"„{omit}“ ist weder true noch false.")
    return ListQuery(limit=limit, page=page, omit_internal=omit == "true", **stamps)


def object_list(list_url: str, data: Sequence[dict[str, Any]], total: int, query: ListQuery) -> dict[str, Any]:
    """An OParl external list page: ``data``, ``pagination`` and ``links`` (filters kept in each link)."""
    pages = max(1, -(-total // query.limit))
    filters = query.filters()

    def link(page: int) -> str:
        params = {**filters, "limit": str(query.limit), "page": str(page)}
        return f"{list_url}?{urlencode(params)}"

    links: dict[str, str] = {"first": link(1), "last": link(pages), "self": link(query.page)}
    if query.page > 1:
        links["prev"] = link(min(query.page - 1, pages))
    if query.page < pages:
        links["next"] = link(query.page + 1)
    return {
        "data": list(data),
        "pagination": {
            "totalElements": total,
            "elementsPerPage": query.limit,
            "currentPage": query.page,
            "totalPages": pages,
        },
        "links": links,
    }
