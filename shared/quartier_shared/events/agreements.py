"""Events of the target agreements (Zielvereinbarungen) between the city and its commissioned providers, and
of the providers' activity reports (Sachberichte) against them (planning service).

Key ``agreement/<id>``: every event of one agreement stays in order. Providers are organisations and travel
by their registry actor id; the figures (target and reached values) are not personal data.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import ClassVar

from pydantic import BaseModel, Field

from quartier_shared.events.envelope import EventPayload
from quartier_shared.events.topics import PLANNING_AGREEMENTS


class AgreementTargetV1(BaseModel):
    """One target of an agreement: an indicator with its target value and unit (e.g. "Teilnehmende", 120)."""

    target_id: uuid.UUID
    indicator: str
    target_value: float
    unit: str = ""


class ReachedValueV1(BaseModel):
    """The value a report gives for one target, with the target value it is measured against."""

    target_id: uuid.UUID
    indicator: str = ""
    target_value: float
    value: float
    unit: str = ""


class _AgreementEvent(EventPayload):
    """What every agreement event names: the agreement, its year and Sozialräume, the provider and the field
    of action commissioned."""

    topic: ClassVar[str] = PLANNING_AGREEMENTS.name
    agreement_id: uuid.UUID
    year: int
    social_area_keys: list[str]
    provider_actor_id: uuid.UUID
    field_of_action: str

    def partition_key(self) -> str:
        return f"agreement/{self.agreement_id}"


class _AgreementTerms(_AgreementEvent):
    title: str = ""
    targets: list[AgreementTargetV1] = Field(default_factory=list)
    strategic_goals: list[str] = Field(default_factory=list)
    steering_goal_ids: list[uuid.UUID] = Field(default_factory=list)
    responsible_department: str = ""
    mid_year_report_due: dt.date
    year_end_report_due: dt.date
    version: int = 1


class AgreementConcluded(_AgreementTerms):
    """The city concluded a target agreement with a commissioned provider."""

    event_type: ClassVar[str] = "quartier.planning.AgreementConcluded.v1"


class AgreementChanged(_AgreementTerms):
    """The agreement's terms changed; the payload is the agreement as it is now."""

    event_type: ClassVar[str] = "quartier.planning.AgreementChanged.v1"


class ActivityReportSubmitted(_AgreementEvent):
    """The provider delivered its activity report (Sachbericht) for a period: ``mid_year`` or ``year_end``.

    ``values`` are the reached values per target; ``late`` when delivered after ``due_on``;
    ``replaces_earlier`` when it corrects a report already given for the period.
    """

    event_type: ClassVar[str] = "quartier.planning.ActivityReportSubmitted.v1"
    period: str
    delivered_on: dt.date
    due_on: dt.date
    late: bool = False
    values: list[ReachedValueV1] = Field(default_factory=list)
    narrative: str = ""
    replaces_earlier: bool = False
