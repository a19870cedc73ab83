"""Two stored versions of a plan compared: what changed between them.

Pure, no I/O. Works on the plan documents as stored in the plan's history (``db.plans.to_document``), so
any two versions compare, in either order, also versions written before a field existed (a missing list
field counts as empty). The result names the state change, the measures added, removed and changed (with
exactly the fields that differ), the hearings whose status changed, and the council needs added or answered.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

# Fields added to the measure document after the first versions were stored, with their value when missing.
_MISSING_DEFAULTS: dict[str, Any] = {"steering_goal_ids": [], "offer_ids": []}
# Fields of a measure outside its ``spec`` that a comparison reports.
MEASURE_FIELDS = ("review", "review_reason", "outcome", "indicators_reached", "lessons", "carried_from")
HEARING_STATUS = {False: "offen", True: "geschlossen"}


def _by_id(items: Sequence[Mapping[str, Any]], key: str = "id") -> dict[Any, Mapping[str, Any]]:
    return {item[key]: item for item in items}


def _flat(measure: Mapping[str, Any]) -> dict[str, Any]:
    """A measure's comparable fields: those of its spec, then those of its review and evaluation."""
    out = dict(measure.get("spec") or {})
    for name in MEASURE_FIELDS:
        out[name] = measure.get(name)
    return out


def _value(fields: Mapping[str, Any], name: str) -> Any:
    return fields[name] if name in fields else _MISSING_DEFAULTS.get(name)


def measure_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[dict[str, Any]]:
    """``[{field, before, after}]`` for exactly the fields that differ, in the measure's field order."""
    old, new = _flat(before), _flat(after)
    names = list(new) + [n for n in old if n not in new]
    return [
        {"field": name, "before": _value(old, name), "after": _value(new, name)}
        for name in names
        if _value(old, name) != _value(new, name)
    ]


def _title(measure: Mapping[str, Any]) -> Any:
    return (measure.get("spec") or {}).get("title")


def compare(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """What changed from ``before`` to ``after`` (two plan documents of the same plan)."""
    old_measures = _by_id(before.get("measures") or [])
    new_measures = _by_id(after.get("measures") or [])
    changed = []
    for measure_id, new in new_measures.items():
        old = old_measures.get(measure_id)
        if old is not None:
            fields = measure_changes(old, new)
            if fields:
                changed.append({"id": measure_id, "title": _title(new), "fields": fields})

    old_hearings = _by_id(before.get("hearings") or [], "district_key")
    new_hearings = _by_id(after.get("hearings") or [], "district_key")
    hearings = []
    for key in [*new_hearings, *(k for k in old_hearings if k not in new_hearings)]:
        old_h, new_h = old_hearings.get(key), new_hearings.get(key)
        was = HEARING_STATUS[bool(old_h["closed"])] if old_h else None
        now = HEARING_STATUS[bool(new_h["closed"])] if new_h else None
        if was != now:
            name = (new_h or old_h or {}).get("district_name")
            hearings.append({"district_key": key, "district_name": name, "before": was, "after": now})

    old_needs = _by_id(before.get("needs") or [])
    new_needs = _by_id(after.get("needs") or [])
    added_needs = [
        {"id": need_id, "district_key": n.get("district_key"), "text": n.get("text")}
        for need_id, n in new_needs.items()
        if need_id not in old_needs
    ]
    answered = [
        {"id": need_id, "text": n.get("text"), "kind": n["answer"].get("kind")}
        for need_id, n in new_needs.items()
        if n.get("answer") and n.get("answer") != (old_needs.get(need_id) or {}).get("answer")
    ]

    state_before, state_after = before.get("state"), after.get("state")
    return {
        "state": None if state_before == state_after else {"from": state_before, "to": state_after},
        "measures": {
            "added": [{"id": i, "title": _title(m)} for i, m in new_measures.items() if i not in old_measures],
            "removed": [{"id": i, "title": _title(m)} for i, m in old_measures.items() if i not in new_measures],
            "changed": changed,
        },
        "hearings": hearings,
        "needs": {"added": added_needs, "answered": answered},
    }


def is_empty(diff: Mapping[str, Any]) -> bool:
    """True if the comparison found no difference at all."""
    return (
        diff["state"] is None
        and not any(diff["measures"].values())
        and not diff["hearings"]
        and not any(diff["needs"].values())
    )
