"""The AsyncAPI 3.0 document of a service: the topics it publishes and reads, with every versioned
event type as a message (CloudEvents headers, the payload's JSON schema, the partition key)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from quartier_shared.events.envelope import EVENT_TYPES, EventPayload
from quartier_shared.events.topics import TopicSpec

CLOUDEVENTS_HEADERS: dict[str, Any] = {
    "type": "object",
    "description": "CloudEvents 1.0 attributes in Kafka binary mode.",
    "required": ["ce_id", "ce_source", "ce_type", "ce_specversion"],
    "properties": {
        "ce_id": {"type": "string", "format": "uuid", "description": "Unique per source; consumers deduplicate by it."},
        "ce_source": {"type": "string", "description": "The announcing service, e.g. /quartier/registry."},
        "ce_type": {"type": "string", "description": "The versioned event type."},
        "ce_specversion": {"type": "string", "const": "1.0"},
        "ce_time": {"type": "string", "format": "date-time"},
        "ce_subject": {"type": "string", "description": "The aggregate, equal to the record key."},
        "ce_correlationid": {"type": "string", "description": "Follows a user's request through its events."},
        "content-type": {"type": "string", "const": "application/json"},
    },
}


def events_on(topic: TopicSpec) -> list[type[EventPayload]]:
    return sorted(
        (cls for cls in EVENT_TYPES.values() if getattr(cls, "topic", None) == topic.name),
        key=lambda cls: cls.event_type,
    )


def _message_name(cls: type[EventPayload]) -> str:
    return cls.event_type.replace(".", "_")


def asyncapi_document(
    *,
    service: str,
    title: str,
    bootstrap: str,
    publishes: Sequence[TopicSpec],
    receives: Sequence[TopicSpec],
) -> dict[str, Any]:
    channels: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for action, topics in (("send", publishes), ("receive", receives)):
        for topic in topics:
            channel_id = topic.name.replace(".", "_")
            refs = {}
            for cls in events_on(topic):
                name = _message_name(cls)
                refs[name] = {"$ref": f"#/components/messages/{name}"}
                messages[name] = {
                    "name": cls.event_type,
                    "title": cls.__name__,
                    "summary": (cls.__doc__ or cls.__name__).strip().splitlines()[0],
                    "contentType": "application/json",
                    "headers": CLOUDEVENTS_HEADERS,
                    "payload": cls.model_json_schema(),
                    "bindings": {"kafka": {"key": {"type": "string", "description": "The aggregate."}}},
                }
            channels.setdefault(
                channel_id,
                {
                    "address": topic.name,
                    "description": f"{topic.partitions} partitions, retention "
                    + ("unlimited" if topic.retention_ms < 0 else f"{topic.retention_ms} ms"),
                    "messages": refs,
                },
            )
            operations[f"{action}_{channel_id}"] = {
                "action": action,
                "channel": {"$ref": f"#/channels/{channel_id}"},
                "messages": [{"$ref": f"#/channels/{channel_id}/messages/{name}"} for name in refs],
            }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": title,
            "version": "1",
            "description": f"Events of the Quartier {service} service. Payload changes that break readers get a "
            "new versioned type; published types are never edited. A topic's dead letters go to <topic>.dlq.",
            "license": {"name": "EUPL-1.2"},
        },
        "defaultContentType": "application/json",
        "servers": {"kafka": {"host": bootstrap, "protocol": "kafka"}},
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages},
    }
