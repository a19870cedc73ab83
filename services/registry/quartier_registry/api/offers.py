"""HTTP routes of the offer directory (Angebote) and of suspected duplicates.

Bodies of POST/PUT are read as JSON objects and validated by the domain, so that every refusal is a 422
problem answer naming the field with a German message (``errors: [{"field": "place.residential_area_number",
"message": "Wohnbereich 99 ist nicht bekannt."}]``). Create and change answer with the offer *and* the
suspected duplicates (score and reasons), so the UI can warn at the moment of entry.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from quartier_registry.domain.offers import (
    REASONS,
    DuplicatePair,
    Offer,
    OfferError,
)
from quartier_registry.service import offers as service
from quartier_registry.service.offers import Candidate
from quartier_shared.http import PROBLEM_RESPONSES, Actor, Pool

router = APIRouter(prefix="/api/v1", tags=["Angebote"], responses=PROBLEM_RESPONSES)

OFFER_EXAMPLE: dict[str, Any] = {
    "title": "Sprachcafé für Frauen",
    "description": "Deutsch sprechen üben bei Kaffee und Tee, mit Kinderbetreuung.",
    "provider_actor_id": "3f2a7c1e-8a4b-5d6e-9f00-112233445566",
    "field_of_action": "Quartiersmanagement",
    "cross_cutting_themes": ["Integration", "Bildung"],
    "target_groups": ["Frauen", "Geflüchtete"],
    "languages": ["Deutsch", "Arabisch"],
    "place": {"kind": "community_centre", "social_area_key": "westen"},
    "schedule": {
        "recurrences": [{"frequency": "weekly", "weekdays": ["tuesday"], "start_time": "10:00", "end_time": "12:00"}]
    },
    "free_of_charge": True,
    "cost": None,
    "accessibility": {"wheelchair_accessible": True, "notes": "Aufzug vorhanden"},
    "contact": {
        "office": "Stadtteilbüro Westen",
        "email": "stadtteilbuero-westen@example.org",
        "phone": "02381 123456",
    },
}


class ReasonOut(BaseModel):
    code: str
    text: str


class RecurrenceOut(BaseModel):
    frequency: str
    weekdays: list[str]
    ordinals: list[int]
    start_time: str
    end_time: str
    text: str


class PlaceOut(BaseModel):
    kind: str
    social_area_key: str
    residential_area_number: int | None
    name: str | None
    street: str | None
    postal_code: str | None


class ContactOut(BaseModel):
    office: str
    email: str | None
    phone: str | None


class AccessibilityOut(BaseModel):
    wheelchair_accessible: bool | None
    notes: str | None


class OfferOut(BaseModel):
    id: uuid.UUID
    title: str
    description: str
    provider_actor_id: uuid.UUID
    field_of_action: str
    cross_cutting_themes: list[str]
    target_groups: list[str]
    languages: list[str]
    social_area_key: str
    place: PlaceOut
    schedule: dict[str, list[RecurrenceOut]]
    free_of_charge: bool
    cost: str | None
    accessibility: AccessibilityOut
    contact: ContactOut
    last_confirmed_on: date
    review_due_on: date
    review_due: bool
    status: str
    merged_into: uuid.UUID | None


class CandidateOut(BaseModel):
    pair_id: uuid.UUID
    offer_id: uuid.UUID
    title: str
    social_area_key: str
    provider_actor_id: uuid.UUID
    score: float
    reasons: list[ReasonOut]


class OfferWithCandidatesOut(BaseModel):
    offer: OfferOut
    duplicate_candidates: list[CandidateOut]


class OfferPage(BaseModel):
    items: list[OfferOut]
    total: int
    limit: int
    offset: int


class PairOut(BaseModel):
    id: uuid.UUID
    score: float
    reasons: list[ReasonOut]
    status: str
    suspected_at: str | None = None
    offers: list[OfferOut]


class PairPage(BaseModel):
    items: list[PairOut]
    total: int
    limit: int
    offset: int


class MergeOut(BaseModel):
    pair_id: uuid.UUID
    status: str
    kept: OfferOut
    withdrawn: OfferOut


def _reasons(codes: tuple[str, ...]) -> list[ReasonOut]:
    return [ReasonOut(code=c, text=REASONS.get(c, c)) for c in codes]


def offer_out(offer: Offer) -> OfferOut:
    d = offer.data
    p = d.place
    today = service.today()
    return OfferOut(
        id=offer.id,
        title=d.title,
        description=d.description,
        provider_actor_id=d.provider_actor_id,
        field_of_action=d.field_of_action,
        cross_cutting_themes=list(d.cross_cutting_themes),
        target_groups=list(d.target_groups),
        languages=list(d.languages),
        social_area_key=p.social_area_key,
        place=PlaceOut(
            kind=p.kind,
            social_area_key=p.social_area_key,
            residential_area_number=p.residential_area_number,
            name=p.name,
            street=p.street,
            postal_code=p.postal_code,
        ),
        schedule={
            "recurrences": [
                RecurrenceOut(
                    frequency=r.frequency,
                    weekdays=list(r.weekdays),
                    ordinals=list(r.ordinals),
                    start_time=f"{r.start:%H:%M}",
                    end_time=f"{r.end:%H:%M}",
                    text=r.describe(),
                )
                for r in d.recurrences
            ]
        },
        free_of_charge=d.free_of_charge,
        cost=d.cost,
        accessibility=AccessibilityOut(wheelchair_accessible=d.wheelchair_accessible, notes=d.accessibility),
        contact=ContactOut(office=d.contact_office, email=d.contact_email, phone=d.contact_phone),
        last_confirmed_on=offer.last_confirmed_on,
        review_due_on=offer.review_due_on(),
        review_due=offer.review_due(today),
        status=offer.status,
        merged_into=offer.merged_into,
    )


def _candidate_out(c: Candidate) -> CandidateOut:
    return CandidateOut(
        pair_id=c.pair_id,
        offer_id=c.other.id,
        title=c.other.data.title,
        social_area_key=c.other.social_area_key,
        provider_actor_id=c.other.data.provider_actor_id,
        score=c.assessment.score,
        reasons=_reasons(c.assessment.reasons),
    )


def _with_candidates(offer: Offer, candidates: list[Candidate]) -> OfferWithCandidatesOut:
    return OfferWithCandidatesOut(offer=offer_out(offer), duplicate_candidates=[_candidate_out(c) for c in candidates])


def _object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise OfferError("", "Erwartet wird ein JSON-Objekt.")
    return body


OfferBody = Annotated[Any, Body(openapi_examples={"sprachcafe": {"value": OFFER_EXAMPLE}})]


@router.get("/offers", response_model=OfferPage, summary="Angebote suchen")
async def list_offers(
    pool: Pool,
    social_area_key: str | None = None,
    field_of_action: str | None = None,
    target_group: str | None = None,
    language: str | None = None,
    include_withdrawn: bool = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> OfferPage:
    offers, total = await service.list_offers(
        pool,
        social_area_key=social_area_key,
        field_of_action=field_of_action,
        target_group=target_group,
        language=language,
        include_withdrawn=include_withdrawn,
        limit=limit,
        offset=offset,
    )
    return OfferPage(items=[offer_out(o) for o in offers], total=total, limit=limit, offset=offset)


@router.get("/offers/review-due", response_model=OfferPage, summary="Angebote, die seit 12 Monaten unbestätigt sind")
async def review_due(
    pool: Pool,
    social_area_key: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> OfferPage:
    offers, total = await service.list_offers(
        pool, social_area_key=social_area_key, review_due_only=True, limit=limit, offset=offset
    )
    return OfferPage(items=[offer_out(o) for o in offers], total=total, limit=limit, offset=offset)


@router.get("/offers/{offer_id}", response_model=OfferWithCandidatesOut, summary="Ein Angebot")
async def get_offer(offer_id: uuid.UUID, pool: Pool) -> OfferWithCandidatesOut:
    offer, candidates = await service.get_offer(pool, offer_id)
    return _with_candidates(offer, candidates)


@router.post(
    "/offers",
    response_model=OfferWithCandidatesOut,
    status_code=201,
    summary="Angebot anlegen (mit Hinweis auf mögliche Duplikate)",
)
async def create_offer(pool: Pool, body: OfferBody, actor: Actor) -> JSONResponse:
    offer, candidates = await service.create_offer(pool, _object(body), actor)
    out = _with_candidates(offer, candidates)
    return JSONResponse(
        out.model_dump(mode="json"), status_code=201, headers={"Location": f"/api/v1/offers/{offer.id}"}
    )


@router.put("/offers/{offer_id}", response_model=OfferWithCandidatesOut, summary="Angebot ändern")
async def change_offer(offer_id: uuid.UUID, pool: Pool, body: OfferBody, actor: Actor) -> OfferWithCandidatesOut:
    offer, candidates = await service.change_offer(pool, offer_id, _object(body), actor)
    return _with_candidates(offer, candidates)


@router.post("/offers/{offer_id}/confirm", response_model=OfferOut, summary="Angebot als aktuell bestätigen")
async def confirm_offer(offer_id: uuid.UUID, pool: Pool, actor: Actor) -> OfferOut:
    return offer_out(await service.confirm_offer(pool, offer_id, actor))


@router.post("/offers/{offer_id}/withdraw", response_model=OfferOut, summary="Angebot zurückziehen")
async def withdraw_offer(
    offer_id: uuid.UUID,
    pool: Pool,
    body: Annotated[Any, Body(openapi_examples={"ende": {"value": {"reason": "Angebot endet zum Jahresende"}}})],
    actor: Actor,
) -> OfferOut:
    reason = _object(body).get("reason")
    return offer_out(await service.withdraw_offer(pool, offer_id, reason, actor))


def _pair_out(pair: DuplicatePair, offers: list[Offer], suspected_at: str | None = None) -> PairOut:
    return PairOut(
        id=pair.id,
        score=pair.score,
        reasons=_reasons(pair.reasons),
        status=pair.status,
        suspected_at=suspected_at,
        offers=[offer_out(o) for o in offers],
    )


@router.get("/duplicates", response_model=PairPage, summary="Offene Paare möglicher Duplikate")
async def list_duplicates(
    pool: Pool,
    social_area_key: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> PairPage:
    pairs, total = await service.open_pairs(pool, social_area_key=social_area_key, limit=limit, offset=offset)
    return PairPage(items=[_pair_out(p, [a, b], at) for p, at, a, b in pairs], total=total, limit=limit, offset=offset)


@router.post("/duplicates/{pair_id}/dismiss", response_model=PairOut, summary="Als „kein Duplikat“ markieren")
async def dismiss_duplicate(pair_id: uuid.UUID, pool: Pool, actor: Actor) -> PairOut:
    pair = await service.dismiss_pair(pool, pair_id, actor)
    return _pair_out(pair, [])


@router.post("/duplicates/{pair_id}/merge", response_model=MergeOut, summary="Duplikate zusammenführen")
async def merge_duplicate(
    pair_id: uuid.UUID,
    pool: Pool,
    body: Annotated[Any, Body(openapi_examples={"behalten": {"value": {"keep_offer_id": "…"}}})],
    actor: Actor,
) -> MergeOut:
    keep = _object(body).get("keep_offer_id")
    pair, kept, withdrawn = await service.merge_pair(pool, pair_id, keep, actor)
    return MergeOut(pair_id=pair.id, status=pair.status, kept=offer_out(kept), withdrawn=offer_out(withdrawn))
