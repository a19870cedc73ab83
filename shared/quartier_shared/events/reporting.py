"""Events of the reporting service: the distribution of mid-year reviews and evaluations to the steering
committee and the district councils, and the published yearly reports (Gesamtbericht).

Key: ``plan/<social area>/<year>`` for a distribution (the plan's events and its distributions stay in
order), ``report/<year>`` for a report. No personal data: plans as ids, councils as district keys.
"""

from __future__ import annotations

import uuid
from typing import ClassVar, Literal

from quartier_shared.events.envelope import EventPayload
from quartier_shared.events.topics import REPORTING_REPORTS


class EvaluationDistributed(EventPayload):
    """A plan's mid-year review (``kind`` mid_year_review) or evaluation (``kind`` evaluation) is delivered to
    the steering committee (``steering_committee``) and the district councils of ``district_keys``, the
    districts of the Sozialraum. The invitations service can mail it; reporting shows it under
    ``GET /api/v1/distributions``."""

    event_type: ClassVar[str] = "quartier.reporting.EvaluationDistributed.v1"
    topic: ClassVar[str] = REPORTING_REPORTS.name
    plan_id: uuid.UUID
    social_area_key: str
    year: int
    kind: Literal["mid_year_review", "evaluation"]
    district_keys: list[str]
    steering_committee: bool = True

    def partition_key(self) -> str:
        return f"plan/{self.social_area_key}/{self.year}"


class AnnualReportPublished(EventPayload):
    """A version of the yearly Gesamtbericht was published and frozen (``version`` counts 1, 2, … per year).

    ``figures_hash`` is the sha256 of the report's canonical figures JSON, so that a reader can tell whether
    two versions differ; the documents are at ``GET /api/v1/reports/{year}.json|.csv|.pdf?version=``.
    """

    event_type: ClassVar[str] = "quartier.reporting.AnnualReportPublished.v1"
    topic: ClassVar[str] = REPORTING_REPORTS.name
    year: int
    version: int
    figures_hash: str

    def partition_key(self) -> str:
        return f"report/{self.year}"
