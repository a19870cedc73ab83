"""The German pages of the target agreements (Zielvereinbarungen) with commissioned providers: the list
(``/zielvereinbarungen``), a new agreement (``/zielvereinbarungen/neu``) and one agreement
(``/zielvereinbarungen/{id}``) with its targets against the values reached, its activity reports
(Sachberichte), overdue reports, the measures fulfilling it and its history. The steering committee and
administrators conclude and change agreements (``If-Match`` with the version they edited); the staff of the
agreement's provider enter its report (``/zielvereinbarungen/{id}/bericht``). Who may: ``agreements/rules.py``.

Every action is a POST with the session's CSRF token and reaches planning with ``X-Quartier-Actor``.
Planning's German refusals are shown.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from quartier_gateway.agreements.rules import (
    FIELD_LABELS,
    PERIOD_NAMES,
    STATE_NAMES,
    agreement_event_name,
    check_agreement_form,
    check_report_form,
    form_values,
    may_manage_agreements,
    may_read_agreement,
    may_read_agreements,
    may_report,
    number_text,
    only_provider,
    overdue_text,
    padded_targets,
    reached_rows,
)
from quartier_gateway.auth.domain import Principal
from quartier_gateway.clients.base import JSON, Refused, Rejected, Unavailable
from quartier_gateway.needs.rules import split_refusal
from quartier_gateway.web.dependencies import Planning
from quartier_gateway.web.errors import Forbidden, LoginRequired, uuid_or_404
from quartier_gateway.web.format import german_date, german_datetime
from quartier_gateway.web.state import gateway_of, principal_of
from quartier_gateway.web.templates import render

router = APIRouter(include_in_schema=False)

NOTICES = {
    "abgeschlossen": "Die Zielvereinbarung ist abgeschlossen.",
    "geaendert": "Die Änderung ist gespeichert.",
    "bericht": "Der Sachbericht ist gespeichert.",
}
STALE_HINT = (
    "Oben sehen Sie die aktuelle Fassung. Ihre Eingaben sind unten erhalten: prüfen Sie sie und speichern Sie "
    "erneut, wenn sie die aktuelle Fassung ersetzen sollen."
)
REPORT_FIELDS = ("period", "delivered_on", "narrative")


def _str(form: FormData, name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def _lists(form: FormData) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, value in form.multi_items():
        if isinstance(value, str):
            out.setdefault(key, []).append(value)
    return out


def _reader(request: Request) -> Principal:
    principal = principal_of(request)
    if principal is None:
        raise LoginRequired()
    if not may_read_agreements(principal):
        raise Forbidden()
    return principal


def _manager(principal: Annotated[Principal, Depends(_reader)]) -> Principal:
    if not may_manage_agreements(principal):
        raise Forbidden()
    return principal


# Who may read agreements: staff and the providers' own accounts; who may conclude and change them.
Reader = Annotated[Principal, Depends(_reader)]
Manager = Annotated[Principal, Depends(_manager)]


async def _readable(request: Request, principal: Principal, agreement_id: str) -> tuple[Principal, JSON]:
    agreement = await gateway_of(request).planning.agreement(uuid_or_404(agreement_id))
    if not may_read_agreement(principal, agreement):
        raise Forbidden()
    return principal, agreement


@dataclass
class Options:
    """The choices of the agreement form and the names shown instead of keys and ids."""

    providers: list[tuple[str, str]] = field(default_factory=list)
    actor_names: dict[str, str] = field(default_factory=dict)
    areas: list[tuple[str, str]] = field(default_factory=list)
    fields: list[tuple[str, str]] = field(default_factory=list)
    strategic_goals: list[tuple[str, str]] = field(default_factory=list)
    steering_goals: list[tuple[str, str]] = field(default_factory=list)
    goal_titles: dict[str, str] = field(default_factory=dict)

    @property
    def area_names(self) -> dict[str, str]:
        return dict(self.areas)


async def _options(request: Request, *, form: bool) -> Options:
    registry = gateway_of(request).registry
    opts = Options(areas=[(a.key, a.name) for a in await registry.social_areas()])
    if form:
        vocab = await registry.vocabularies()
        opts.fields = [(str(f), str(f)) for f in vocab.get("fields_of_action") or []]
        opts.strategic_goals = [(str(g), str(g)) for g in vocab.get("strategic_goals") or []]
        actors = await registry.actors()
        for a in actors or []:
            if isinstance(a, dict):
                opts.actor_names[str(a["id"])] = str(a["name"])
                if not a.get("withdrawn"):
                    opts.providers.append((str(a["id"]), str(a["name"])))
        opts.providers.sort(key=lambda o: o[1])
    try:
        goals = await gateway_of(request).planning.steering_goals(include_retired=True)
    except (Refused, Unavailable):
        goals = []
    for g in goals:
        opts.goal_titles[str(g["id"])] = str(g.get("title") or g["id"])
        if not g.get("retired"):
            opts.steering_goals.append((str(g["id"]), str(g.get("title") or g["id"])))
    return opts


def _summary(agreement: JSON, opts: Options) -> JSON:
    return {
        **agreement,
        "provider": agreement.get("provider_name") or opts.actor_names.get(str(agreement.get("provider_actor_id")), ""),
        "areas": ", ".join(opts.area_names.get(k, k) for k in agreement.get("social_area_keys") or []),
        "state_name": STATE_NAMES.get(str(agreement.get("state")), str(agreement.get("state"))),
        "overdue": [overdue_text(o) for o in agreement.get("overdue_reports") or []],
        "label": agreement.get("title") or f"Zielvereinbarung {agreement.get('field_of_action', '')}",
    }


# --- the list ------------------------------------------------------------------------------------------------


@router.get("/zielvereinbarungen")
async def agreements_list(request: Request, principal: Reader, planning: Planning) -> Response:
    raw_year = request.query_params.get("jahr", "")
    year = int(raw_year) if raw_year.isdigit() and len(raw_year) == 4 else None
    area = request.query_params.get("sozialraum", "").strip() or None
    opts = await _options(request, form=False)
    if area not in opts.area_names:
        area = None
    found = await planning.agreements(year=year, social_area_key=area, provider_actor_id=only_provider(principal))
    return render(
        request,
        "agreements/list.html",
        {
            "title": "Zielvereinbarungen",
            "agreements": [_summary(a, opts) for a in found],
            "year": year,
            "area": area,
            "areas": opts.areas,
            "own_only": only_provider(principal) is not None,
            "may_manage": may_manage_agreements(principal),
            "notice": NOTICES.get(request.query_params.get("gespeichert", "")),
        },
    )


# --- new -----------------------------------------------------------------------------------------------------


async def _new_page(
    request: Request,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    refusal: str | None = None,
    status_code: int = 200,
) -> Response:
    values = values or {"year": str(dt.date.today().year + 1)}
    return render(
        request,
        "agreements/new.html",
        {
            "title": "Zielvereinbarung abschließen",
            "values": values,
            "targets": padded_targets(values.get("targets") or []),
            "opts": await _options(request, form=True),
            "errors": errors or {},
            "labels": _labels(values),
            "refusal": refusal,
        },
        status_code=status_code,
    )


def _labels(values: dict[str, Any]) -> dict[str, str]:
    """Field labels for the error summary, target rows included."""
    labels = dict(FIELD_LABELS)
    for i in range(len(values.get("targets") or []) + 10):
        labels[f"indicator-{i}"] = f"Ziel {i + 1}: Indikator"
        labels[f"target_value-{i}"] = f"Ziel {i + 1}: Zielwert"
        labels[f"unit-{i}"] = f"Ziel {i + 1}: Einheit"
    return labels


def _refused_field(refused: Rejected) -> tuple[str | None, str]:
    """Planning's field error → the form's field id (``targets.1.indicator`` or ``targets[1].indicator`` →
    ``indicator-1``)."""
    name = (refused.field or "").replace("[", ".").replace("]", "")
    parts = name.split(".")
    if len(parts) == 3 and parts[0] == "targets" and parts[1].isdigit():
        if parts[2] in ("indicator", "target_value", "unit"):
            return f"{parts[2]}-{parts[1]}", refused.message
    return split_refusal(refused.field, refused.message, FIELD_LABELS)


@router.get("/zielvereinbarungen/neu")
async def agreement_new(request: Request, _: Manager) -> Response:
    return await _new_page(request)


@router.post("/zielvereinbarungen/neu")
async def agreement_create(request: Request, principal: Manager, planning: Planning) -> Response:
    checked = check_agreement_form(_lists(await request.form()), dt.date.today())
    errors = dict(checked.errors)
    if not errors:
        try:
            made = await planning.conclude_agreement(checked.payload, principal.username)
        except Rejected as refused:
            name, message = _refused_field(refused)
            if refused.status_code == 422 and name is not None:
                errors[name] = message
            else:
                return await _new_page(request, values=checked.values, refusal=refused.detail, status_code=409)
        else:
            return RedirectResponse(f"/zielvereinbarungen/{made['id']}?gespeichert=abgeschlossen", status_code=303)
    return await _new_page(request, values=checked.values, errors=errors, status_code=422)


# --- one agreement -------------------------------------------------------------------------------------------


async def _agreement_page(
    request: Request,
    principal: Principal,
    agreement: JSON,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    report_values: dict[str, Any] | None = None,
    report_errors: dict[str, str] | None = None,
    refusal: str | None = None,
    stale: bool = False,
    status_code: int = 200,
) -> Response:
    manage = may_manage_agreements(principal)
    opts = await _options(request, form=manage)
    values = values or form_values(agreement)
    reports = []
    targets = {str(t["id"]): t for t in agreement.get("targets") or []}
    for r in agreement.get("reports") or []:
        reports.append(
            {
                **r,
                "name": PERIOD_NAMES.get(str(r.get("period")), str(r.get("period"))),
                "rows": [
                    {
                        "indicator": targets.get(str(v["target_id"]), {}).get("indicator", "Ziel"),
                        "unit": targets.get(str(v["target_id"]), {}).get("unit", ""),
                        "target": number_text(targets.get(str(v["target_id"]), {}).get("target_value")),
                        "value": number_text(v.get("value")),
                    }
                    for v in r.get("values") or []
                ],
            }
        )
    overdue_periods = {str(o.get("period")) for o in agreement.get("overdue_reports") or []}
    default_period = next(
        (p for p in ("mid_year", "year_end") if p in overdue_periods),
        "year_end" if any(r.get("period") == "mid_year" for r in agreement.get("reports") or []) else "mid_year",
    )
    report_labels = dict(FIELD_LABELS)
    for t in agreement.get("targets") or []:
        report_labels[f"value-{t['id']}"] = f"Erreicht: {t.get('indicator')}"
    return render(
        request,
        "agreements/agreement.html",
        {
            "title": f"Zielvereinbarung: {_summary(agreement, opts)['label']}",
            "agreement": _summary(agreement, opts),
            "reached": reached_rows(agreement),
            "reports": reports,
            "measures": agreement.get("measures") or [],
            "history": agreement.get("history") or [],
            "opts": opts,
            "may_manage": manage,
            "may_report": may_report(principal, agreement),
            "values": values,
            "targets": padded_targets(values.get("targets") or [], empty=2),
            "errors": errors or {},
            "labels": _labels(values),
            "report_values": report_values or {"period": default_period, "delivered_on": dt.date.today().isoformat()},
            "report_errors": report_errors or {},
            "report_labels": report_labels,
            "periods": list(PERIOD_NAMES.items()),
            "refusal": refusal,
            "stale_hint": STALE_HINT if stale else None,
            "de_date": german_date,
            "number": number_text,
            "when": german_datetime,
            "event_name": agreement_event_name,
            "today": dt.date.today().isoformat(),
            "notice": NOTICES.get(request.query_params.get("gespeichert", "")),
        },
        status_code=status_code,
    )


@router.get("/zielvereinbarungen/{agreement_id}")
async def agreement_page(request: Request, principal: Reader, agreement_id: str) -> Response:
    principal, agreement = await _readable(request, principal, agreement_id)
    return await _agreement_page(request, principal, agreement)


@router.post("/zielvereinbarungen/{agreement_id}/aendern")
async def agreement_change(request: Request, principal: Manager, planning: Planning, agreement_id: str) -> Response:
    agreement = await planning.agreement(uuid_or_404(agreement_id))
    form = await request.form()
    checked = check_agreement_form(_lists(form), dt.date.today())
    values = {**checked.values, "version": _str(form, "version")}
    errors = dict(checked.errors)
    if not values["version"].isdigit():
        values["version"] = str(agreement.get("version") or "")
        refusal = "Die Fassung, die Sie bearbeitet haben, ist unbekannt. Bitte prüfen Sie Ihre Eingaben."
        return await _agreement_page(request, principal, agreement, values=values, refusal=refusal, status_code=409)
    if errors:
        return await _agreement_page(request, principal, agreement, values=values, errors=errors, status_code=422)
    try:
        await planning.change_agreement(
            str(agreement["id"]), checked.payload, int(values["version"]), principal.username
        )
    except Rejected as refused:
        fresh = await planning.agreement(str(agreement["id"]))
        name, message = _refused_field(refused)
        if refused.status_code == 422 and name is not None and name != "version":
            return await _agreement_page(
                request, principal, fresh, values=values, errors={name: message}, status_code=422
            )
        stale = name == "version" or str(fresh.get("version")) != values["version"]
        values["version"] = str(fresh.get("version") or values["version"])
        return await _agreement_page(
            request, principal, fresh, values=values, refusal=refused.detail, stale=stale, status_code=409
        )
    return RedirectResponse(f"/zielvereinbarungen/{agreement['id']}?gespeichert=geaendert", status_code=303)


@router.post("/zielvereinbarungen/{agreement_id}/bericht")
async def report_submit(request: Request, principal: Reader, planning: Planning, agreement_id: str) -> Response:
    """The provider's staff enter THEIR OWN provider's report; anyone else is refused (403)."""
    principal, agreement = await _readable(request, principal, agreement_id)
    if not may_report(principal, agreement):
        raise Forbidden()
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    checked = check_report_form(fields, agreement, dt.date.today())
    errors = dict(checked.errors)
    if not errors:
        try:
            await planning.submit_report(str(agreement["id"]), checked.payload, principal.username)
        except Rejected as refused:
            name, message = split_refusal(refused.field, refused.message, REPORT_FIELDS)
            if refused.status_code == 422 and name is not None:
                errors[name] = message
            else:
                return await _agreement_page(
                    request,
                    principal,
                    agreement,
                    report_values=checked.values,
                    refusal=refused.detail,
                    status_code=refused.status_code,
                )
        else:
            return RedirectResponse(f"/zielvereinbarungen/{agreement['id']}?gespeichert=bericht", status_code=303)
    return await _agreement_page(
        request, principal, agreement, report_values=checked.values, report_errors=errors, status_code=422
    )
