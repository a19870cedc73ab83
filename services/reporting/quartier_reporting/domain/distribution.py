"""What reporting delivers to the steering committee and the district councils after a plan's mid-year
review and after its evaluation: the measures by decision (or outcome), each with its title.

Pure rules, no I/O.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

KINDS = ("mid_year_review", "evaluation")
GROUPS: dict[str, tuple[str, ...]] = {
    "mid_year_review": ("continued", "changed", "dropped", "added"),
    "evaluation": ("done", "partly", "not_done"),
}
GROUP_NAMES: dict[str, str] = {
    "continued": "fortgeführt",
    "changed": "geändert",
    "dropped": "gestrichen",
    "added": "neu aufgenommen",
    "done": "umgesetzt",
    "partly": "teilweise umgesetzt",
    "not_done": "nicht umgesetzt",
}


def summary(
    kind: str,
    groups: Mapping[str, Sequence[uuid.UUID]],
    titles: Mapping[uuid.UUID, str],
    reasons: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """``{"kind", "counts": {group: n}, "measures": {group: [{measure_id, title, reason?}]}}`` in the order of
    ``GROUPS[kind]``; a measure whose title reporting has not seen is listed with an empty title."""
    if kind not in GROUPS:
        raise ValueError(f"unknown distribution kind {kind!r}")
    reasons = reasons or {}
    measures: dict[str, list[dict[str, Any]]] = {}
    for group in GROUPS[kind]:
        entries = []
        for measure_id in groups.get(group, ()):
            entry: dict[str, Any] = {"measure_id": str(measure_id), "title": titles.get(measure_id, "")}
            reason = reasons.get(str(measure_id))
            if reason is not None:
                entry["reason"] = reason
            entries.append(entry)
        measures[group] = entries
    return {"kind": kind, "counts": {g: len(v) for g, v in measures.items()}, "measures": measures}
