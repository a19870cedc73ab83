"""Events of the Jahresplan cycle (planning service).

Key: ``plan/<social area>/<year>`` — every event of one plan stays in order. No personal data: plans,
measures, needs and actors travel as ids, districts and social areas as keys.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from quartier_shared.events.envelope import EventPayload
from quartier_shared.events.topics import PLANNING_PLANS


class _PlanEvent(EventPayload):
    topic: ClassVar[str] = PLANNING_PLANS.name
    plan_id: uuid.UUID
    social_area_key: str
    year: int

    def partition_key(self) -> str:
        return f"plan/{self.social_area_key}/{self.year}"


class PlanDrafted(_PlanEvent):
    """A new plan exists as a draft (``carried_from_plan_id`` when created by a carry-over)."""

    event_type: ClassVar[str] = "quartier.planning.PlanDrafted.v1"
    carried_from_plan_id: uuid.UUID | None = None


class MeasureAdded(_PlanEvent):
    event_type: ClassVar[str] = "quartier.planning.MeasureAdded.v1"
    measure_id: uuid.UUID
    field_of_action: str
    responsible_actor_id: uuid.UUID


class MeasureChanged(_PlanEvent):
    event_type: ClassVar[str] = "quartier.planning.MeasureChanged.v1"
    measure_id: uuid.UUID
    field_of_action: str
    responsible_actor_id: uuid.UUID


class MeasureRemoved(_PlanEvent):
    event_type: ClassVar[str] = "quartier.planning.MeasureRemoved.v1"
    measure_id: uuid.UUID


class PlanSubmitted(_PlanEvent):
    """The plan is presented; one council hearing per district of the social area is open."""

    event_type: ClassVar[str] = "quartier.planning.PlanSubmitted.v1"
    hearing_district_keys: list[str]


class CouncilNeedsRecorded(_PlanEvent):
    event_type: ClassVar[str] = "quartier.planning.CouncilNeedsRecorded.v1"
    district_key: str
    need_ids: list[uuid.UUID]


class NeedAnswered(_PlanEvent):
    """``answer``: taken_into_plan (``measure_id``), forwarded or not_possible."""

    event_type: ClassVar[str] = "quartier.planning.NeedAnswered.v1"
    need_id: uuid.UUID
    district_key: str
    answer: str
    measure_id: uuid.UUID | None = None


class HearingClosed(_PlanEvent):
    event_type: ClassVar[str] = "quartier.planning.HearingClosed.v1"
    district_key: str


class PlanFinalized(_PlanEvent):
    event_type: ClassVar[str] = "quartier.planning.PlanFinalized.v1"
    measure_ids: list[uuid.UUID]


class PlanStarted(_PlanEvent):
    event_type: ClassVar[str] = "quartier.planning.PlanStarted.v1"


class MidYearReviewCompleted(_PlanEvent):
    """Result of the mid-year review for the steering committee and the councils."""

    event_type: ClassVar[str] = "quartier.planning.MidYearReviewCompleted.v1"
    continued: list[uuid.UUID]
    changed: list[uuid.UUID]
    dropped: list[uuid.UUID]
    added: list[uuid.UUID]
    district_keys: list[str]


class PlanEvaluated(_PlanEvent):
    event_type: ClassVar[str] = "quartier.planning.PlanEvaluated.v1"
    done: list[uuid.UUID]
    partly: list[uuid.UUID]
    not_done: list[uuid.UUID]


class MeasuresCarriedOver(_PlanEvent):
    """Unfinished measures of ``from_plan_id`` proposed in this (next year's) draft."""

    event_type: ClassVar[str] = "quartier.planning.MeasuresCarriedOver.v1"
    from_plan_id: uuid.UUID
    from_measure_ids: list[uuid.UUID]
    measure_ids: list[uuid.UUID]
