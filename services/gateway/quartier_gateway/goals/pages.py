"""The German pages of the steering committee's city-wide goals (Steuerungsziele): the list
(``/steuerungsziele``), a new goal (``/steuerungsziele/neu``) and one goal with its history and the measures
of all plans linking to it (``/steuerungsziele/{id}``), where the steering committee and administrators
change it (``If-Match`` with the version they edited) or withdraw it (with a reason). Who may: ``goals/rules.py``.

Every action is a POST with the session's CSRF token and reaches planning with ``X-Quartier-Actor``.
Planning's German refusals are shown; a stale edit (409) keeps the input.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from quartier_gateway.auth.domain import Principal
from quartier_gateway.clients.base import JSON, Rejected
from quartier_gateway.goals.rules import (
    FIELD_LABELS,
    check_goal_form,
    form_values,
    goal_event_name,
    may_manage_goals,
    may_read_goals,
    validity_text,
)
from quartier_gateway.needs.rules import split_refusal
from quartier_gateway.web.dependencies import Planning, Staff
from quartier_gateway.web.errors import Forbidden, uuid_or_404
from quartier_gateway.web.format import german_date, german_datetime
from quartier_gateway.web.state import gateway_of
from quartier_gateway.web.templates import render

router = APIRouter(include_in_schema=False)

NOTICES = {
    "angelegt": "Das Steuerungsziel ist festgelegt.",
    "geaendert": "Die Änderung ist gespeichert.",
    "zurueckgezogen": "Das Steuerungsziel ist zurückgezogen.",
}
STALE_HINT = (
    "Oben sehen Sie die aktuelle Fassung. Ihre Eingaben sind unten erhalten: prüfen Sie sie und speichern Sie "
    "erneut, wenn sie die aktuelle Fassung ersetzen sollen."
)


def _str(form: FormData, name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def _reader(principal: Staff) -> Principal:
    if not may_read_goals(principal):
        raise Forbidden()
    return principal


def _manager(principal: Annotated[Principal, Depends(_reader)]) -> Principal:
    if not may_manage_goals(principal):
        raise Forbidden()
    return principal


Reader = Annotated[Principal, Depends(_reader)]
Manager = Annotated[Principal, Depends(_manager)]


@router.get("/steuerungsziele")
async def goals_list(request: Request, principal: Reader, planning: Planning) -> Response:
    include_retired = request.query_params.get("alle") == "1"
    raw_year = request.query_params.get("jahr", "")
    year = int(raw_year) if raw_year.isdigit() and len(raw_year) == 4 else None
    goals = await planning.goals(include_retired=include_retired, year=year)
    return render(
        request,
        "goals/list.html",
        {
            "title": "Steuerungsziele",
            "goals": goals,
            "include_retired": include_retired,
            "year": year,
            "may_manage": may_manage_goals(principal),
            "validity": validity_text,
            "de_date": german_date,
            "notice": NOTICES.get(request.query_params.get("gespeichert", "")),
        },
    )


def _form_page(
    request: Request,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    refusal: str | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "goals/new.html",
        {
            "title": "Steuerungsziel festlegen",
            "values": values or {},
            "errors": errors or {},
            "labels": FIELD_LABELS,
            "refusal": refusal,
            "today": dt.date.today().isoformat(),
        },
        status_code=status_code,
    )


@router.get("/steuerungsziele/neu")
async def goal_new(request: Request, _: Manager) -> Response:
    return _form_page(request, values={"valid_from_year": str(dt.date.today().year + 1)})


@router.post("/steuerungsziele/neu")
async def goal_create(request: Request, principal: Manager, planning: Planning) -> Response:
    form = await request.form()
    checked = check_goal_form({k: _str(form, k) for k in FIELD_LABELS}, dt.date.today())
    errors = dict(checked.errors)
    if not errors:
        try:
            goal = await planning.create_goal(checked.payload, principal.username)
        except Rejected as refused:
            field, message = split_refusal(refused.field, refused.message, FIELD_LABELS)
            if refused.status_code == 422 and field is not None:
                errors[field] = message
            else:
                return _form_page(request, values=checked.values, refusal=refused.detail, status_code=409)
        else:
            return RedirectResponse(f"/steuerungsziele/{goal['id']}?gespeichert=angelegt", status_code=303)
    return _form_page(request, values=checked.values, errors=errors, status_code=422)


async def _area_names(request: Request) -> dict[str, str]:
    return {a.key: a.name for a in await gateway_of(request).registry.social_areas()}


async def _goal_page(
    request: Request,
    principal: Principal,
    goal: JSON,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    refusal: str | None = None,
    stale: bool = False,
    status_code: int = 200,
) -> Response:
    measures = sorted(
        goal.get("measures") or [],
        key=lambda m: (-int(m.get("year") or 0), str(m.get("social_area_key")), str(m.get("title"))),
    )
    return render(
        request,
        "goals/goal.html",
        {
            "title": f"Steuerungsziel: {goal.get('title', '')}",
            "goal": goal,
            "measures": measures,
            "area_names": await _area_names(request) if measures else {},
            "history": goal.get("history") or [],
            "may_manage": may_manage_goals(principal) and not goal.get("retired"),
            "values": values or form_values(goal),
            "errors": errors or {},
            "labels": FIELD_LABELS,
            "refusal": refusal,
            "stale_hint": STALE_HINT if stale else None,
            "validity": validity_text,
            "de_date": german_date,
            "when": german_datetime,
            "event_name": goal_event_name,
            "today": dt.date.today().isoformat(),
            "notice": NOTICES.get(request.query_params.get("gespeichert", "")),
        },
        status_code=status_code,
    )


@router.get("/steuerungsziele/{goal_id}")
async def goal_page(request: Request, principal: Reader, planning: Planning, goal_id: str) -> Response:
    goal = await planning.goal(uuid_or_404(goal_id))
    return await _goal_page(request, principal, goal)


@router.post("/steuerungsziele/{goal_id}/aendern")
async def goal_change(request: Request, principal: Manager, planning: Planning, goal_id: str) -> Response:
    goal = await planning.goal(uuid_or_404(goal_id))
    form = await request.form()
    checked = check_goal_form({k: _str(form, k) for k in FIELD_LABELS}, dt.date.today())
    values = {**checked.values, "version": _str(form, "version")}
    errors = dict(checked.errors)
    if not values["version"].isdigit():
        values["version"] = str(goal.get("version") or "")
        return await _goal_page(
            request,
            principal,
            goal,
            values=values,
            refusal=(
                "Die Fassung, die Sie bearbeitet haben, ist unbekannt. "
                "Bitte prüfen Sie Ihre Eingaben und speichern Sie erneut."
            ),
            status_code=409,
        )
    if not errors:
        try:
            await planning.change_goal(str(goal["id"]), checked.payload, int(values["version"]), principal.username)
        except Rejected as refused:
            fresh = await planning.goal(str(goal["id"]))
            field, message = split_refusal(refused.field, refused.message, FIELD_LABELS)
            if refused.status_code == 422 and field is not None and field != "version":
                return await _goal_page(
                    request, principal, fresh, values=values, errors={field: message}, status_code=422
                )
            stale = field == "version" or str(fresh.get("version")) != values["version"]
            values["version"] = str(fresh.get("version") or values["version"])
            return await _goal_page(
                request, principal, fresh, values=values, refusal=refused.detail, stale=stale, status_code=409
            )
        return RedirectResponse(f"/steuerungsziele/{goal['id']}?gespeichert=geaendert", status_code=303)
    return await _goal_page(request, principal, goal, values=values, errors=errors, status_code=422)


@router.post("/steuerungsziele/{goal_id}/zurueckziehen")
async def goal_retire(request: Request, principal: Manager, planning: Planning, goal_id: str) -> Response:
    goal = await planning.goal(uuid_or_404(goal_id))
    reason = _str(await request.form(), "reason")
    if not reason:
        return await _goal_page(
            request,
            principal,
            goal,
            errors={"reason": "Bitte begründen Sie, warum das Steuerungsziel zurückgezogen wird."},
            status_code=422,
        )
    try:
        await planning.retire_goal(str(goal["id"]), reason, principal.username)
    except Rejected as refused:
        fresh = await planning.goal(str(goal["id"]))
        return await _goal_page(request, principal, fresh, refusal=refused.detail, status_code=refused.status_code)
    return RedirectResponse(f"/steuerungsziele/{goal['id']}?gespeichert=zurueckgezogen", status_code=303)
