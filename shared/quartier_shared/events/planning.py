"""Events of the Jahresplan cycle (planning service).

Key: ``plan/<social area>/<year>`` — every event of one plan stays in order; ``need/<id>`` for standalone
needs; ``goal/<id>`` for the steering committee's goals (topic ``quartier.planning.goals``). No personal
data: plans, measures, needs and actors travel as ids, districts and social areas as keys.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import ClassVar

from pydantic import BaseModel, Field

from quartier_shared.events.envelope import EventPayload
from quartier_shared.events.topics import PLANNING_GOALS, PLANNING_PLANS


class MeasureFactsV1(BaseModel):
    """What a measure is, as announced (no personal data: actors by id). ``carried_from_measure_id`` names the
    measure of last year's plan a carried-over copy came from."""

    measure_id: uuid.UUID
    title: str = ""
    field_of_action: str
    responsible_actor_id: uuid.UUID
    cross_cutting_themes: list[str] = Field(default_factory=list)
    strategic_goals: list[str] = Field(default_factory=list)
    steering_goal_ids: list[uuid.UUID] = Field(default_factory=list)
    target_groups: list[str] = Field(default_factory=list)
    residential_area_number: int | None = None
    at_community_centre: bool = False
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    offer_ids: list[uuid.UUID] = Field(default_factory=list)
    agreement_id: uuid.UUID | None = None  # the target agreement (Zielvereinbarung) the measure fulfils
    carried_from_measure_id: uuid.UUID | None = None


class CouncilNeedV1(BaseModel):
    """A need a district council recorded in a hearing: its text as the council wrote it (no personal data)."""

    need_id: uuid.UUID
    text: str
    field_of_action: str | None = None


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


class _MeasureFactsEvent(_PlanEvent):
    """A measure announced with its facts (``MeasureAdded``, ``MeasureChanged``)."""

    measure_id: uuid.UUID
    field_of_action: str
    responsible_actor_id: uuid.UUID
    # Added compatibly (defaults): the measure's facts, so that read models need no call to planning.
    title: str = ""
    cross_cutting_themes: list[str] = Field(default_factory=list)
    strategic_goals: list[str] = Field(default_factory=list)
    steering_goal_ids: list[uuid.UUID] = Field(default_factory=list)
    target_groups: list[str] = Field(default_factory=list)
    residential_area_number: int | None = None
    at_community_centre: bool = False
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    offer_ids: list[uuid.UUID] = Field(default_factory=list)
    agreement_id: uuid.UUID | None = None  # the target agreement (Zielvereinbarung) the measure fulfils


class MeasureAdded(_MeasureFactsEvent):
    event_type: ClassVar[str] = "quartier.planning.MeasureAdded.v1"


class MeasureChanged(_MeasureFactsEvent):
    event_type: ClassVar[str] = "quartier.planning.MeasureChanged.v1"


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
    needs: list[CouncilNeedV1] = Field(default_factory=list)  # the recorded needs with their texts


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
    # Added compatibly: the facts of the changed and added measures, and the reason of every decision
    # (measure id as text → reason).
    measures: list[MeasureFactsV1] = Field(default_factory=list)
    reasons: dict[str, str] = Field(default_factory=dict)


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
    measures: list[MeasureFactsV1] = Field(default_factory=list)  # the copies' facts (added compatibly)


# ---------------------------------------------------------------- standalone needs (Bedarfe)


class _NeedEvent(EventPayload):
    """A need raised outside a council hearing. Key ``need/<id>``: every event of one need stays in order."""

    topic: ClassVar[str] = PLANNING_PLANS.name
    need_id: uuid.UUID
    social_area_key: str

    def partition_key(self) -> str:
        return f"need/{self.need_id}"


class NeedRaised(_NeedEvent):
    """``source``: neighbourhood_conference, district_council, service or resident."""

    event_type: ClassVar[str] = "quartier.planning.NeedRaised.v1"
    source: str
    field_of_action: str
    residential_area_number: int | None = None
    # Added compatibly: the day it was raised and the Stadtteilkonferenz it was raised at (invitations'
    # meeting id). The title stays in planning (free text of residents; the event carries facts and ids).
    raised_on: dt.date | None = None
    meeting_id: uuid.UUID | None = None


class NeedTakenIntoPlan(_NeedEvent):
    event_type: ClassVar[str] = "quartier.planning.NeedTakenIntoPlan.v1"
    plan_id: uuid.UUID
    measure_id: uuid.UUID


class NeedForwarded(_NeedEvent):
    """``forwarded_to_actor_id`` when forwarded to a known actor; free text recipients stay in planning."""

    event_type: ClassVar[str] = "quartier.planning.NeedForwarded.v1"
    forwarded_to_actor_id: uuid.UUID | None = None


class NeedDeclined(_NeedEvent):
    event_type: ClassVar[str] = "quartier.planning.NeedDeclined.v1"


class NeedReopened(_NeedEvent):
    """A resolved need is open again; ``previous_status`` is what it was."""

    event_type: ClassVar[str] = "quartier.planning.NeedReopened.v1"
    previous_status: str


# ---------------------------------------------------------------- deadlines of the cycle


class DeadlineApproaching(_PlanEvent):
    """A step of the plan is due within the warning lead time, so that the invitations service can remind.

    ``step``: draft, hearings, final, mid_year_review or evaluation; announced once per plan, step and due date.
    """

    event_type: ClassVar[str] = "quartier.planning.DeadlineApproaching.v1"
    step: str
    due_on: dt.date
    days_left: int


class DeadlineMissed(_PlanEvent):
    """A step of the plan is overdue (``due_on`` passed, step not done); announced once per plan, step and date."""

    event_type: ClassVar[str] = "quartier.planning.DeadlineMissed.v1"
    step: str
    due_on: dt.date
    days_overdue: int


# ---------------------------------------------------------------- steering goals (Steuerungsziele)


class _GoalEvent(EventPayload):
    """A city-wide goal of the steering committee (Lenkungskreis), derived from a council decision.

    Key ``goal/<id>``: every event of one goal stays in order. ``council_decision`` is the reference to the
    decision (e.g. "Ratsbeschluss vom 12.03.2024, Vorlage 0123/24"); ``valid_until_year`` null = open-ended.
    """

    topic: ClassVar[str] = PLANNING_GOALS.name
    goal_id: uuid.UUID
    title: str
    council_decision: str
    valid_from_year: int
    valid_until_year: int | None = None

    def partition_key(self) -> str:
        return f"goal/{self.goal_id}"


class GoalDefined(_GoalEvent):
    """The steering committee defined a new goal; measures of the plans may link to it."""

    event_type: ClassVar[str] = "quartier.planning.GoalDefined.v1"


class GoalChanged(_GoalEvent):
    """A goal's title, description, council decision or validity changed; the payload is the goal as it is now."""

    event_type: ClassVar[str] = "quartier.planning.GoalChanged.v1"


class GoalRetired(_GoalEvent):
    """The goal no longer applies; new links are refused, existing measures keep theirs."""

    event_type: ClassVar[str] = "quartier.planning.GoalRetired.v1"
    reason: str
