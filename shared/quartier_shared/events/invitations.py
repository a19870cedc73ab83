"""Events of the invitations service: meetings of the bodies, invitations, answers, attendance, and the
needs residents raise at a Stadtteilkonferenz.

Key: ``meeting/<id>`` — every event of one meeting stays in order. No personal data: people travel as ids.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import ClassVar

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
