"""A measure of a Jahresplan as its forms show it: field names, reading the measure form, the mid-year
review and the evaluation, and a refusal of planning at its field. Pure."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

MEASURE_LABELS: dict[str, str] = {
    "title": "Titel",
    "description": "Beschreibung",
    "field_of_action": "Handlungsfeld",
    "cross_cutting_themes": "Querschnittsthemen",
    "target_groups": "Zielgruppen",
    "strategic_goals": "Leitziele",
    "steering_goal_ids": "Steuerungsziele",
    "responsible_actor_id": "Verantwortlich",
    "partner_actor_ids": "Partner:innen",
    "place": "Ort",
    "starts_on": "Beginn",
    "ends_on": "Ende",
    "planned_indicators": "Geplante Indikatoren",
    "offer_ids": "Angebote",
}


# German names of every field planning may name in a refusal or a comparison.
FIELD_NAMES: dict[str, str] = {
    **MEASURE_LABELS,
    "residential_area_number": "Wohnbereich",
    "at_community_centre": "Im Stadtteilzentrum",
    "review": "Entscheidung der Halbjahresbilanz",
    "review_reason": "Begründung der Halbjahresbilanz",
    "outcome": "Ergebnis der Auswertung",
    "indicators_reached": "Erreichte Indikatoren",
    "lessons": "Erkenntnisse",
    "carried_from": "Übertragen aus",
}


MULTI_FIELDS = ("cross_cutting_themes", "strategic_goals", "steering_goal_ids", "partner_actor_ids", "offer_ids")


LINE_FIELDS = ("target_groups", "planned_indicators")


ID_FIELDS = ("steering_goal_ids", "partner_actor_ids", "offer_ids")


REVIEW_DECISIONS: dict[str, str] = {"continued": "fortgeführt", "changed": "geändert", "dropped": "gestrichen"}


REVIEW_NAMES: dict[str, str] = {**REVIEW_DECISIONS, "added": "neu aufgenommen"}


OUTCOMES: dict[str, str] = {"done": "umgesetzt", "partly": "teilweise umgesetzt", "not_done": "nicht umgesetzt"}


def lines(text: str) -> list[str]:
    """The non-empty lines of a textarea, stripped ("one per line")."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def _first(data: Mapping[str, Sequence[str]], name: str) -> str:
    values = data.get(name) or []
    return values[0].strip() if values else ""


def _all(data: Mapping[str, Sequence[str]], name: str) -> list[str]:
    return list(dict.fromkeys(v.strip() for v in data.get(name) or [] if v.strip()))


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


@dataclass
class MeasureForm:
    """A parsed measure form: what was entered (to show it again), German errors by field id, and the body
    for planning (only meaningful without errors)."""

    values: dict[str, Any]
    errors: dict[str, str] = field(default_factory=dict)
    payload: dict[str, Any] = field(default_factory=dict)


def parse_measure_form(
    data: Mapping[str, Sequence[str]], year: int, *, prefix: str = "", actor_id: str | None = None
) -> MeasureForm:
    """Reads the measure fields (names ``prefix + field``) of a submitted form.

    ``actor_id`` (a member of the Koordinierungsrunde): the responsible actor is fixed to it, whatever the form
    says. Errors are keyed by the field's id (``prefix + field``); nothing is sent to planning with errors.
    """
    values: dict[str, Any] = {}
    for name in MEASURE_LABELS:
        key = prefix + name
        values[name] = _all(data, key) if name in MULTI_FIELDS else _first(data, key)
        if name in LINE_FIELDS:
            values[name] = "\n".join(lines("\n".join(data.get(key) or [])))
    if actor_id is not None:
        values["responsible_actor_id"] = actor_id
    errors: dict[str, str] = {}

    def error(name: str, message: str) -> None:
        errors.setdefault(prefix + name, message)

    if not values["title"]:
        error("title", "Bitte geben Sie einen Titel an.")
    elif len(values["title"]) > 200:
        error("title", "Der Titel ist zu lang (höchstens 200 Zeichen).")
    if not values["field_of_action"]:
        error("field_of_action", "Bitte wählen Sie ein Handlungsfeld.")
    if not values["responsible_actor_id"]:
        error("responsible_actor_id", "Bitte wählen Sie, wer verantwortlich ist.")
    elif not _is_uuid(values["responsible_actor_id"]):
        error("responsible_actor_id", "Bitte wählen Sie eine Akteur:in aus der Liste.")
    for name in ID_FIELDS:
        if any(not _is_uuid(v) for v in values[name]):
            error(name, "Bitte wählen Sie nur Einträge aus der Liste.")
    place = values["place"]
    if not place:
        error("place", "Bitte wählen Sie als Ort einen Wohnbereich oder das Stadtteilzentrum.")
    elif place != "zentrum" and not place.isdigit():
        error("place", "Bitte wählen Sie einen Ort aus der Liste.")
    dates: dict[str, dt.date] = {}
    for name in ("starts_on", "ends_on"):
        try:
            dates[name] = dt.date.fromisoformat(values[name])
        except ValueError:
            error(name, f"Bitte geben Sie das Datum als TT.MM.JJJJ im Jahr {year} an.")
    if len(dates) == 2 and dates["ends_on"] < dates["starts_on"]:
        error("ends_on", "Das Ende darf nicht vor dem Beginn liegen.")
    payload: dict[str, Any] = {
        "title": values["title"],
        "description": values["description"],
        "field_of_action": values["field_of_action"],
        "responsible_actor_id": values["responsible_actor_id"],
        "starts_on": values["starts_on"],
        "ends_on": values["ends_on"],
        "cross_cutting_themes": values["cross_cutting_themes"],
        "target_groups": lines(values["target_groups"]),
        "strategic_goals": values["strategic_goals"],
        "steering_goal_ids": values["steering_goal_ids"],
        "partner_actor_ids": values["partner_actor_ids"],
        "at_community_centre": place == "zentrum",
        "residential_area_number": int(place) if place.isdigit() else None,
        "planned_indicators": lines(values["planned_indicators"]),
        "offer_ids": values["offer_ids"],
    }
    return MeasureForm(values, errors, payload)


def measure_values(spec: Mapping[str, Any]) -> dict[str, Any]:
    """The form values of a stored measure (``measures[].spec`` of the plan document)."""
    place = "zentrum" if spec.get("at_community_centre") else str(spec.get("residential_area_number") or "")
    return {
        "title": spec.get("title") or "",
        "description": spec.get("description") or "",
        "field_of_action": spec.get("field_of_action") or "",
        "cross_cutting_themes": [str(v) for v in spec.get("cross_cutting_themes") or []],
        "target_groups": "\n".join(spec.get("target_groups") or []),
        "strategic_goals": [str(v) for v in spec.get("strategic_goals") or []],
        "steering_goal_ids": [str(v) for v in spec.get("steering_goal_ids") or []],
        "responsible_actor_id": str(spec.get("responsible_actor_id") or ""),
        "partner_actor_ids": [str(v) for v in spec.get("partner_actor_ids") or []],
        "place": place,
        "starts_on": str(spec.get("starts_on") or ""),
        "ends_on": str(spec.get("ends_on") or ""),
        "planned_indicators": "\n".join(spec.get("planned_indicators") or []),
        "offer_ids": [str(v) for v in spec.get("offer_ids") or []],
    }


def refusal_field(field: str | None, message: str, prefix: str = "") -> tuple[str | None, str]:
    """Planning's field error → (the form field's id, the message); (None, message) if the field is not one of
    the form's."""
    if field is None:
        return None, message
    name = field
    if name in ("residential_area_number", "at_community_centre"):
        name = "place"
    if name == "period":
        name = "starts_on"
    if name in MEASURE_LABELS:
        return prefix + name, message
    return None, message


def field_label(field_id: str, prefix_labels: Mapping[str, str] | None = None) -> str:
    """German label of a form field id (``title``, ``m2-title`` with ``prefix_labels={"m2-": "Maßnahme 2"}``)."""
    for prefix, label in (prefix_labels or {}).items():
        if prefix and field_id.startswith(prefix):
            rest = field_id[len(prefix) :]
            return f"{label}: {FIELD_NAMES.get(rest, REVIEW_FIELD_NAMES.get(rest, rest))}"
    return FIELD_NAMES.get(field_id, REVIEW_FIELD_NAMES.get(field_id, field_id))


REVIEW_FIELD_NAMES = {"decision": "Entscheidung", "reason": "Begründung", "outcome": "Ergebnis"}


@dataclass
class EntriesForm:
    """A parsed review or evaluation form: entries for planning, what was entered, German errors by field id."""

    entries: list[dict[str, Any]]
    values: dict[str, Any]
    errors: dict[str, str] = field(default_factory=dict)


def parse_review_form(
    data: Mapping[str, Sequence[str]], measures: Sequence[Mapping[str, Any]], year: int, new_blocks: int
) -> EntriesForm:
    """The mid-year review: per measure (ids ``m{i}-``) a decision and a reason, "changed" with the measure's
    new fields; new measures (ids ``neu{i}-``) with a reason, taken only when their title is filled in."""
    entries: list[dict[str, Any]] = []
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for i, measure in enumerate(measures, start=1):
        prefix = f"m{i}-"
        decision = _first(data, prefix + "decision")
        reason = _first(data, prefix + "reason")
        values[prefix + "decision"], values[prefix + "reason"] = decision, reason
        if decision not in REVIEW_DECISIONS:
            errors[prefix + "decision"] = "Bitte entscheiden Sie: fortgeführt, geändert oder gestrichen."
        if not reason:
            errors[prefix + "reason"] = "Bitte begründen Sie die Entscheidung."
        entry: dict[str, Any] = {"decision": decision, "reason": reason, "measure_id": str(measure["id"])}
        if decision == "changed":
            form = parse_measure_form(data, year, prefix=prefix)
            values[prefix + "measure"] = form.values
            errors.update(form.errors)
            entry["measure"] = form.payload
        else:
            values[prefix + "measure"] = measure_values(measure.get("spec") or {})
        entries.append(entry)
    for i in range(1, new_blocks + 1):
        prefix = f"neu{i}-"
        form = parse_measure_form(data, year, prefix=prefix)
        reason = _first(data, prefix + "reason")
        values[prefix + "measure"], values[prefix + "reason"] = form.values, reason
        if not form.values["title"] and not reason:
            continue  # an empty block: no new measure
        errors.update(form.errors)
        if not reason:
            errors[prefix + "reason"] = "Bitte begründen Sie, warum die Maßnahme hinzukommt."
        entries.append({"decision": "added", "reason": reason, "measure": form.payload})
    return EntriesForm(entries, values, errors)


def parse_evaluation_form(data: Mapping[str, Sequence[str]], measures: Sequence[Mapping[str, Any]]) -> EntriesForm:
    """The evaluation: per active measure (ids ``m{i}-``) the outcome, the indicators reached (one per line)
    and the lessons learned."""
    entries: list[dict[str, Any]] = []
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for i, measure in enumerate(measures, start=1):
        prefix = f"m{i}-"
        outcome = _first(data, prefix + "outcome")
        reached = lines("\n".join(data.get(prefix + "indicators_reached") or []))
        lessons = _first(data, prefix + "lessons")
        values[prefix + "outcome"] = outcome
        values[prefix + "indicators_reached"] = "\n".join(reached)
        values[prefix + "lessons"] = lessons
        if outcome not in OUTCOMES:
            errors[prefix + "outcome"] = "Bitte wählen Sie: umgesetzt, teilweise umgesetzt oder nicht umgesetzt."
        entries.append(
            {"measure_id": str(measure["id"]), "outcome": outcome, "indicators_reached": reached, "lessons": lessons}
        )
    return EntriesForm(entries, values, errors)


def active_measures(plan: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The measures not dropped in the mid-year review (the ones to evaluate)."""
    return [m for m in plan.get("measures") or [] if m.get("review") != "dropped"]
