"""The event contracts of the platform: the CloudEvents envelope and every versioned payload."""

from quartier_shared.events.envelope import (
    EVENT_TYPES,
    CloudEvent,
    EventPayload,
    PoisonEvent,
    decode_record,
    new_event,
)
from quartier_shared.events.topics import TOPICS, TopicSpec, topic_name

__all__ = [
    "EVENT_TYPES",
    "TOPICS",
    "CloudEvent",
    "EventPayload",
    "PoisonEvent",
    "TopicSpec",
    "decode_record",
    "new_event",
    "topic_name",
]
