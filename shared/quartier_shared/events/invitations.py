"""Events of the invitations service: meetings of the bodies, invitations, answers, attendance, and the
needs residents raise at a Stadtteilkonferenz.

Key: ``meeting/<id>`` — every event of one meeting stays in order. No personal data: people travel as ids.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import ClassVar

from pydantic import Field

from quartier_shared.events.envelope import EventPayload
from quartier_shared.events.topics import INVITATIONS_MEETINGS


class _MeetingEvent(EventPayload):
    topic: ClassVar[str] = INVITATIONS_MEETINGS.name
    meeting_id: uuid.UUID

    def partition_key(self) -> str:
        return f"meeting/{self.meeting_id}"


class NeedRaised(_MeetingEvent):
    """Residents raised a need at a Stadtteilkonferenz; planning takes it in as a need of the Sozialraum
    (source ``neighbourhood_conference``) under the same ``need_id``. ``text`` is the need in the minutes'
    words, never a resident's name."""

    event_type: ClassVar[str] = "quartier.invitations.NeedRaised.v1"
    need_id: uuid.UUID
    social_area_key: str
    text: str
    field_of_action: str
    residential_area_number: int | None = None
    raised_on: dt.date


# ---------------------------------------------------------------- meetings (scheduled, changed, cancelled)


class MeetingScheduled(_MeetingEvent):
    """A meeting of one or several bodies is planned. Times are UTC; ``timezone`` is the one it is shown in.
    ``override_reason`` is set when a date conflict with a political body was overridden."""

    event_type: ClassVar[str] = "quartier.invitations.MeetingScheduled.v1"
    kind: str
    body_ids: list[uuid.UUID]
    social_area_key: str | None = None
    title: str
    purposes: list[str] = Field(default_factory=list)
    format: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    timezone: str
    public: bool
    sequence: int = 0
    override_reason: str | None = None


class ConferenceScheduled(_MeetingEvent):
    """A Stadtteilkonferenz is planned (announced in addition to ``MeetingScheduled``)."""

    event_type: ClassVar[str] = "quartier.invitations.ConferenceScheduled.v1"
    social_area_key: str
    display_title: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    public: bool


class MeetingRescheduled(_MeetingEvent):
    """A meeting moved to another time; ``sequence`` (iCalendar SEQUENCE) rose."""

    event_type: ClassVar[str] = "quartier.invitations.MeetingRescheduled.v1"
    starts_at: dt.datetime
    ends_at: dt.datetime
    timezone: str
    previous_starts_at: dt.datetime
    previous_ends_at: dt.datetime
    sequence: int
    override_reason: str | None = None


class MeetingChanged(_MeetingEvent):
    """Title, agenda, place, format, description or publicity of a meeting changed; ``fields`` names them."""

    event_type: ClassVar[str] = "quartier.invitations.MeetingChanged.v1"
    fields: list[str]
    sequence: int


class MeetingCancelled(_MeetingEvent):
    """A meeting is cancelled; ``sequence`` rose (the iCalendar CANCEL carries it)."""

    event_type: ClassVar[str] = "quartier.invitations.MeetingCancelled.v1"
    reason: str
    sequence: int


class AttendanceRecorded(_MeetingEvent):
    """Who attended (people by id) and how many guests without a record."""

    event_type: ClassVar[str] = "quartier.invitations.AttendanceRecorded.v1"
    person_ids: list[uuid.UUID]
    guests: int


class MinutesRecorded(_MeetingEvent):
    """The minutes of a meeting were written or changed (their text stays in the service)."""

    event_type: ClassVar[str] = "quartier.invitations.MinutesRecorded.v1"
    version: int


class InvitationSent(_MeetingEvent):
    """The SMTP server accepted one mail about a meeting (``kind``: invitation, update, cancellation,
    reminder) for one person; ``sequence`` is the meeting's iCalendar SEQUENCE the mail carried."""

    event_type: ClassVar[str] = "quartier.invitations.InvitationSent.v1"
    delivery_id: uuid.UUID
    person_id: uuid.UUID
    kind: str
    sequence: int
    sent_at: dt.datetime


class InvitationBounced(_MeetingEvent):
    """The SMTP server refused one mail for good (a 5xx answer); it is not sent again."""

    event_type: ClassVar[str] = "quartier.invitations.InvitationBounced.v1"
    delivery_id: uuid.UUID
    person_id: uuid.UUID
    kind: str
    sequence: int
    smtp_code: int
    bounced_at: dt.datetime


class InvitationAnswered(_MeetingEvent):
    """An invited person accepted or declined through the signed link of a mail (``delivery_id``)."""

    event_type: ClassVar[str] = "quartier.invitations.InvitationAnswered.v1"
    delivery_id: uuid.UUID
    person_id: uuid.UUID
    answer: str
    answered_at: dt.datetime
