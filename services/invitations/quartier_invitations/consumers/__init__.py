"""The invitations service's subscribers, one module per family: the registry replica (``replica``: territory
and directory), the contact details (``contacts``) and the notices other services' announcements cause
(``notices``). ``consumers(settings)`` is the list the service runs; the consumer group names are those the
deployed groups keep their offsets under."""

from __future__ import annotations

from quartier_invitations.consumers.contacts import contacts_consumer
from quartier_invitations.consumers.notices import notice_consumers
from quartier_invitations.consumers.replica import directory_consumer, territory_consumer
from quartier_invitations.service.notices import NoticeConfig
from quartier_invitations.settings import InvitationsSettings
from quartier_shared.consumer import EventConsumer

__all__ = ["consumers", "contacts_consumer", "directory_consumer", "notice_consumers", "territory_consumer"]


def consumers(settings: InvitationsSettings) -> list[EventConsumer]:
    return [
        territory_consumer(),
        directory_consumer(),
        contacts_consumer(),
        *notice_consumers(NoticeConfig.of(settings)),
    ]
