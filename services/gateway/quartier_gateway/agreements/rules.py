"""Pure rules of the Zielvereinbarungen pages: who may read, conclude and change target agreements and who may
enter an activity report (Sachbericht); the checks of the agreement and report forms; German texts.

No I/O here. City staff read every agreement; the steering committee (Lenkungskreis) and administrators
conclude and change them. The staff of a commissioned provider (role ``provider``) read their own
organisation's agreements and enter their own organisation's reports, nothing else. Administrators may enter
a report received on paper. Anything else is refused.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from quartier_gateway.auth.domain import Principal, Role, can_view_staff_pages
from quartier_gateway.needs.rules import parse_date, short_event
from quartier_gateway.web.format import german_date

FIRST_YEAR, LAST_YEAR = 2000, 2100
THOUSANDS = re.compile(r"\d{1,3}(\.\d{3})+")
TARGET_ROWS = 5  # empty target rows the form offers (besides those the agreement has)
PERIOD_NAMES: dict[str, str] = {"mid_year": "Halbjahresbericht", "year_end": "Jahresbericht"}
STATE_NAMES: dict[str, str] = {"concluded": "abgeschlossen", "changed": "geändert"}
EVENT_NAMES: dict[str, str] = {
    "AgreementConcluded": "Zielvereinbarung abgeschlossen",
    "AgreementChanged": "Zielvereinbarung geändert",
    "ActivityReportSubmitted": "Sachbericht eingereicht",
}
FIELD_LABELS: dict[str, str] = {
    "title": "Titel",
    "provider_actor_id": "Träger",
    "year": "Jahr",
    "social_area_keys": "Sozialräume",
    "field_of_action": "Handlungsfeld",
    "responsible_department": "Zuständiges Amt",
    "strategic_goals": "Leitziele",
    "steering_goal_ids": "Steuerungsziele",
    "mid_year_report_due": "Halbjahresbericht fällig am",
    "year_end_report_due": "Jahresbericht fällig am",
    "targets": "Ziele",
    "period": "Zeitraum",
    "delivered_on": "Geliefert am",
    "narrative": "Sachbericht",
    "values": "Erreichte Werte",
    "version": "Fassung",
}


# --- who may ---------------------------------------------------------------------------------------------


def _provider_actor(principal: Principal | None) -> uuid.UUID | None:
    if principal is None or principal.role is not Role.PROVIDER:
        return None
    return principal.actor_id


def may_read_agreements(principal: Principal | None) -> bool:
    """City staff read the agreements; a provider's staff read (their own) too."""
    return can_view_staff_pages(principal) or _provider_actor(principal) is not None


def only_provider(principal: Principal | None) -> uuid.UUID | None:
    """The provider whose agreements alone the principal sees (None: every agreement)."""
    return _provider_actor(principal)


def may_read_agreement(principal: Principal | None, agreement: Mapping[str, Any]) -> bool:
    if can_view_staff_pages(principal):
        return True
    own = _provider_actor(principal)
    return own is not None and str(own) == str(agreement.get("provider_actor_id"))


def may_manage_agreements(principal: Principal | None) -> bool:
    """Conclude and change agreements: the steering committee and administrators."""
    return principal is not None and principal.role in (Role.STEERING_COMMITTEE, Role.ADMIN)


def may_report(principal: Principal | None, agreement: Mapping[str, Any]) -> bool:
    """Enter the activity report of an agreement: the staff of THIS agreement's provider, and administrators
    (a report received on paper). Another provider's staff, the steering committee, coordinators: no."""
    if principal is None:
        return False
    if principal.role is Role.ADMIN:
        return True
    own = _provider_actor(principal)
    return own is not None and str(own) == str(agreement.get("provider_actor_id"))


# --- German texts ------------------------------------------------------------------------------------------


def number_text(value: Any) -> str:
    """``1.234`` or ``12,5`` (German); empty for none."""
    if value is None or value == "":
        return ""
    number = float(value)
    if number.is_integer():
        return f"{int(number):,}".replace(",", ".")
    whole, _, frac = f"{number:,.2f}".rstrip("0").partition(".")
    return whole.replace(",", ".") + ("," + frac if frac else "")


def share_text(reached: Any, target: Any) -> str:
    """Reached against target in percent (``55 %``); empty when there is nothing to compare."""
    if reached is None or not target:
        return ""
    return f"{round(100 * float(reached) / float(target))} %"


def overdue_text(overdue: Mapping[str, Any]) -> str:
    """``Halbjahresbericht überfällig seit 31.08.2026 (86 Tage)``."""
    days = int(overdue.get("days_overdue") or 0)
    name = PERIOD_NAMES.get(str(overdue.get("period")), str(overdue.get("period")))
    count = "1 Tag" if days == 1 else f"{days} Tage"
    return f"{name} überfällig seit {german_date(overdue.get('due_on'))} ({count})"


def agreement_event_name(event_type: str) -> str:
    short = short_event(event_type)
    return EVENT_NAMES.get(short, short)


# --- the agreement form ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckedForm:
    values: dict[str, Any]
    errors: dict[str, str]
    payload: dict[str, Any]


def parse_number(text: str) -> float | None:
    """``1.234,5`` / ``1.000`` (German) / ``12.5`` / ``12`` → a number from 0; None when it is none."""
    raw = text.strip().replace(" ", "")
    if not raw:
        return None
    if "," in raw:
        raw = raw.replace(".", "").replace(",", ".")
    elif THOUSANDS.fullmatch(raw):
        raw = raw.replace(".", "")  # German thousands: 1.000 is a thousand
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if math.isfinite(value) and value >= 0 else None


def _year(text: str) -> tuple[int | None, str | None]:
    if not text.isdigit() or not FIRST_YEAR <= int(text) <= LAST_YEAR:
        return None, "Bitte geben Sie das Jahr als vierstellige Zahl an, zum Beispiel 2026."
    return int(text), None


def _uuid(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


def check_agreement_form(form: Mapping[str, Sequence[str]], today: dt.date) -> CheckedForm:
    """The agreement form (new or changed): single fields and lists (Sozialräume, goals) and the target rows
    ``target_id-N``, ``indicator-N``, ``target_value-N``, ``unit-N`` (an empty row is skipped). German errors
    keyed by the field id; ``payload`` is planning's body."""

    def one(name: str) -> str:
        items = form.get(name) or [""]
        return str(items[0]).strip()

    def many(name: str) -> list[str]:
        return [str(v).strip() for v in form.get(name) or [] if str(v).strip()]

    errors: dict[str, str] = {}
    values: dict[str, Any] = {
        k: one(k)
        for k in (
            "title",
            "provider_actor_id",
            "year",
            "field_of_action",
            "responsible_department",
            "mid_year_report_due",
            "year_end_report_due",
        )
    }
    values["social_area_keys"] = many("social_area_keys")
    values["strategic_goals"] = many("strategic_goals")
    values["steering_goal_ids"] = many("steering_goal_ids")
    if len(values["title"]) > 200:
        errors["title"] = "Der Titel ist zu lang (höchstens 200 Zeichen)."
    provider = _uuid(values["provider_actor_id"])
    if provider is None:
        errors["provider_actor_id"] = "Bitte wählen Sie den Träger aus."
    year, problem = _year(values["year"])
    if problem:
        errors["year"] = problem
    if not values["social_area_keys"]:
        errors["social_area_keys"] = "Bitte wählen Sie mindestens einen Sozialraum aus."
    if not values["field_of_action"]:
        errors["field_of_action"] = "Bitte wählen Sie das beauftragte Handlungsfeld aus."
    if not values["responsible_department"]:
        errors["responsible_department"] = "Bitte nennen Sie das zuständige Amt."
    elif len(values["responsible_department"]) > 200:
        errors["responsible_department"] = "Das zuständige Amt ist zu lang (höchstens 200 Zeichen)."
    dues: dict[str, str | None] = {}
    for name in ("mid_year_report_due", "year_end_report_due"):
        day = parse_date(values[name]) if values[name] else None
        if values[name] and day is None:
            errors[name] = "Bitte geben Sie das Datum als TT.MM.JJJJ an (oder lassen Sie das Feld leer)."
        dues[name] = day.isoformat() if day else None
    targets: list[dict[str, Any]] = []
    rows: list[dict[str, str]] = []
    indices = sorted({int(k.split("-", 1)[1]) for k in form if k.startswith("indicator-") and k[10:].isdigit()})
    for i in indices:
        row = {
            "target_id": one(f"target_id-{i}"),
            "indicator": one(f"indicator-{i}"),
            "target_value": one(f"target_value-{i}"),
            "unit": one(f"unit-{i}"),
        }
        rows.append(row)
        if not row["indicator"] and not row["target_value"] and not row["unit"]:
            continue
        if not row["indicator"]:
            errors[f"indicator-{i}"] = "Bitte beschreiben Sie den Indikator."
        elif len(row["indicator"]) > 500:
            errors[f"indicator-{i}"] = "Der Indikator ist zu lang (höchstens 500 Zeichen)."
        value = parse_number(row["target_value"])
        if value is None:
            errors[f"target_value-{i}"] = "Bitte geben Sie den Zielwert als Zahl ab 0 an, zum Beispiel 120."
        if len(row["unit"]) > 100:
            errors[f"unit-{i}"] = "Die Einheit ist zu lang (höchstens 100 Zeichen)."
        targets.append(
            {
                "id": str(_uuid(row["target_id"])) if _uuid(row["target_id"]) else None,
                "indicator": row["indicator"],
                "target_value": value,
                "unit": row["unit"],
            }
        )
    values["targets"] = rows
    if not targets and not any(k.startswith(("indicator-", "target_value-")) for k in errors):
        errors["indicator-0"] = "Bitte vereinbaren Sie mindestens ein Ziel mit Indikator und Zielwert."
    payload: dict[str, Any] = {
        "title": values["title"],
        "provider_actor_id": str(provider) if provider else None,
        "year": year,
        "social_area_keys": values["social_area_keys"],
        "field_of_action": values["field_of_action"],
        "responsible_department": values["responsible_department"],
        "strategic_goals": values["strategic_goals"],
        "steering_goal_ids": values["steering_goal_ids"],
        "targets": targets,
        **dues,
    }
    return CheckedForm(values, errors, payload)


def form_values(agreement: Mapping[str, Any]) -> dict[str, Any]:
    """An agreement as the values of its edit form."""
    return {
        "title": str(agreement.get("title") or ""),
        "provider_actor_id": str(agreement.get("provider_actor_id") or ""),
        "year": str(agreement.get("year") or ""),
        "field_of_action": str(agreement.get("field_of_action") or ""),
        "responsible_department": str(agreement.get("responsible_department") or ""),
        "mid_year_report_due": str(agreement.get("mid_year_report_due") or ""),
        "year_end_report_due": str(agreement.get("year_end_report_due") or ""),
        "social_area_keys": list(agreement.get("social_area_keys") or []),
        "strategic_goals": list(agreement.get("strategic_goals") or []),
        "steering_goal_ids": [str(g) for g in agreement.get("steering_goal_ids") or []],
        "targets": [
            {
                "target_id": str(t.get("id") or ""),
                "indicator": str(t.get("indicator") or ""),
                "target_value": number_text(t.get("target_value")),
                "unit": str(t.get("unit") or ""),
            }
            for t in agreement.get("targets") or []
        ],
        "version": str(agreement.get("version") or ""),
    }


def padded_targets(rows: Sequence[Mapping[str, str]], empty: int = TARGET_ROWS) -> list[Mapping[str, str]]:
    """The target rows of the form: those given and ``empty`` blank ones (at least two in all)."""
    blank = {"target_id": "", "indicator": "", "target_value": "", "unit": ""}
    filled = [r for r in rows if any(r.get(k) for k in ("indicator", "target_value", "unit"))]
    return [*filled, *([blank] * max(empty - len(filled), 2))]


# --- the report form ---------------------------------------------------------------------------------------


def check_report_form(form: Mapping[str, str], agreement: Mapping[str, Any], today: dt.date) -> CheckedForm:
    """The report form: ``period``, ``delivered_on``, ``narrative`` and ``value-<target id>`` for every target
    of the agreement. German errors keyed by the field id; ``payload`` is planning's body."""
    v = {k: str(form.get(k, "")).strip() for k in ("period", "delivered_on", "narrative")}
    errors: dict[str, str] = {}
    if v["period"] not in PERIOD_NAMES:
        errors["period"] = "Bitte wählen Sie, ob es der Halbjahres- oder der Jahresbericht ist."
    delivered = parse_date(v["delivered_on"]) if v["delivered_on"] else None
    if not v["delivered_on"]:
        errors["delivered_on"] = "Bitte geben Sie an, wann der Bericht geliefert wurde (TT.MM.JJJJ)."
    elif delivered is None:
        errors["delivered_on"] = "Bitte geben Sie das Datum als TT.MM.JJJJ an."
    elif delivered > today:
        errors["delivered_on"] = "Das Lieferdatum darf nicht in der Zukunft liegen."
    if not v["narrative"]:
        errors["narrative"] = "Bitte fassen Sie in wenigen Sätzen zusammen, wie das Jahr verlaufen ist."
    elif len(v["narrative"]) > 5000:
        errors["narrative"] = "Der Sachbericht ist zu lang (höchstens 5000 Zeichen)."
    values_out: list[dict[str, Any]] = []
    values: dict[str, Any] = dict(v)
    for t in agreement.get("targets") or []:
        key = f"value-{t['id']}"
        text = str(form.get(key, "")).strip()
        values[key] = text
        number = parse_number(text)
        if number is None:
            errors[key] = f"Bitte geben Sie den erreichten Wert zu „{t.get('indicator')}“ als Zahl ab 0 an."
        else:
            values_out.append({"target_id": str(t["id"]), "value": number})
    payload = {
        "period": v["period"],
        "delivered_on": delivered.isoformat() if delivered else None,
        "narrative": v["narrative"],
        "values": values_out,
    }
    return CheckedForm(values, errors, payload)


def reached_rows(agreement: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Per target: indicator, unit, target value and the values reached mid-year and at year end, as text."""
    out = []
    for row in agreement.get("reached") or []:
        out.append(
            {
                "indicator": row.get("indicator"),
                "unit": row.get("unit") or "",
                "target": number_text(row.get("target_value")),
                "mid_year": number_text(row.get("mid_year")) or "–",
                "year_end": number_text(row.get("year_end")) or "–",
                "share": share_text(
                    row.get("year_end") if row.get("year_end") is not None else row.get("mid_year"),
                    row.get("target_value"),
                ),
            }
        )
    return out


def agreement_label(agreement: Mapping[str, Any]) -> str:
    """How a measure's form offers an agreement: ``Titel (Träger, Jahr)``."""
    title = str(agreement.get("title") or "") or f"Zielvereinbarung {agreement.get('field_of_action', '')}".strip()
    provider = agreement.get("provider_name")
    return f"{title} ({provider}, {agreement.get('year')})" if provider else f"{title} ({agreement.get('year')})"
