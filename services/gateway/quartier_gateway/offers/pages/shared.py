"""What the pages of the offer directory (Angebote) share: page size, filters, the helpers of the templates
and reading the form.

Who may do what (``offers/rules.py``, after the roles of ``auth/domain.py``): every staff role reads;
administrators change every offer; an area coordinator changes the offers of their own Sozialraum; steering
committee and council members read only. Every change is a POST with the session's CSRF token (checked by
the middleware)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from starlette.datastructures import FormData

from quartier_gateway.clients.base import Refused
from quartier_gateway.clients.registry import SocialArea
from quartier_gateway.clients.registry_offers import OfferCalls
from quartier_gateway.offers.rules import (
    accessibility_text,
    cost_text,
    place_text,
    provider_text,
    residential_area_name,
    schedule_text,
    similarity_text,
)
from quartier_gateway.web.format import german_date

STAFF_PAGE_SIZE = 50


PUBLIC_PAGE_SIZE = 20


CHOICES_LIMIT = 200


NOTICES = {
    "neu": "Das Angebot ist gespeichert.",
    "geaendert": "Die Änderungen sind gespeichert.",
    "bestaetigt": "Das Angebot ist als aktuell bestätigt.",
    "zurueckgezogen": "Das Angebot ist zurückgezogen.",
    "kein-duplikat": "Das Paar ist als „kein Duplikat“ markiert und wird nicht wieder vorgeschlagen.",
    "zusammengefuehrt": "Die Angebote sind zusammengeführt; das andere Angebot ist zurückgezogen.",
}


PAIR_GONE = "Dieses Paar möglicher Duplikate ist nicht mehr offen. Vielleicht hat es jemand anderes schon bearbeitet."


def _strings(form: FormData, name: str) -> list[str]:
    return [str(v).strip() for v in form.getlist(name) if str(v).strip()]


def _str(form: FormData, name: str) -> str:
    return str(form.get(name, "")).strip()


def form_values(form: FormData) -> dict[str, Any]:
    """What was entered, as the form shows it again."""
    values: dict[str, Any] = {
        name: _str(form, name)
        for name in (
            "titel",
            "beschreibung",
            "traeger",
            "handlungsfeld",
            "zielgruppen",
            "sprachen",
            "ort_art",
            "ort_sozialraum",
            "ort_wohnbereich",
            "ort_name",
            "ort_strasse",
            "ort_plz",
            "termin_rhythmus",
            "uhrzeit_von",
            "uhrzeit_bis",
            "kostenlos",
            "kosten",
            "rollstuhl",
            "barrierefreiheit",
            "kontakt_stelle",
            "kontakt_email",
            "kontakt_telefon",
        )
    }
    values["querschnittsthemen"] = _strings(form, "querschnittsthemen")
    values["wochentage"] = _strings(form, "wochentage")
    values["monatstage"] = _strings(form, "monatstage")
    return values


def _page_number(request: Request) -> int:
    raw = request.query_params.get("seite", "1")
    return max(1, min(int(raw), 10_000)) if raw.isdigit() else 1


def _filters(request: Request, names: tuple[str, ...]) -> dict[str, str]:
    return {n: request.query_params.get(n, "").strip()[:100] for n in names}


def _query(filters: dict[str, str], **extra: Any) -> str:
    merged = {k: v for k, v in {**filters, **extra}.items() if v not in ("", None)}
    return urlencode(merged)


async def _actors(client: OfferCalls) -> list[dict[str, Any]] | None:
    try:
        return await client.actors()
    except Refused:
        return None


def _helpers(city: str, areas: list[SocialArea], actors: list[dict[str, Any]] | None) -> dict[str, Any]:
    by_key = {a.key: a for a in areas}
    actor_names = {str(a["id"]): str(a["name"]) for a in actors or []}
    return {
        "areas": areas,
        "area_names": {a.key: a.name for a in areas},
        "when": schedule_text,
        "where": lambda offer: place_text(offer, by_key, city),
        "residential_area": lambda offer: residential_area_name(offer, by_key),
        "cost": cost_text,
        "access": accessibility_text,
        "german_date": german_date,
        "similarity": similarity_text,
        "provider": lambda pid: provider_text(str(pid), actor_names),
        "actor_names": actor_names,
    }


def _notice(request: Request) -> str | None:
    return NOTICES.get(request.query_params.get("erledigt", ""))
