"""CloudEvents 1.0 in Kafka binary mode around a versioned pydantic payload.

Attributes travel as ``ce_``-prefixed headers, the payload JSON is the record value, and the record key
is the aggregate's partition key so that one aggregate's events stay in order.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

SPECVERSION = "1.0"
CONTENT_TYPE = "application/json"

EVENT_TYPES: dict[str, type[EventPayload]] = {}


class EventPayload(BaseModel):
    """Base of every event payload.

    ``event_type`` carries the version (``...v1``): an incompatible change is a new class with a new
    type, never an edit of a published one.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_type: ClassVar[str]
    topic: ClassVar[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        event_type = cls.__dict__.get("event_type")
        if event_type:
            if event_type in EVENT_TYPES and EVENT_TYPES[event_type] is not cls:
                raise TypeError(f"event type {event_type} defined twice")
            EVENT_TYPES[event_type] = cls

    def partition_key(self) -> str:
        """The aggregate this event belongs to; events of one aggregate keep their order."""
        raise NotImplementedError

    def subject(self) -> str:
        return self.partition_key()


class CloudEvent(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: uuid.UUID
    source: str
    type: str
    specversion: str = SPECVERSION
    time: datetime
    subject: str | None = None
    datacontenttype: str = CONTENT_TYPE
    correlationid: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)

    def payload(self) -> EventPayload:
        """The typed payload; raises ``PoisonEvent`` for an unknown type or invalid data."""
        cls = EVENT_TYPES.get(self.type)
        if cls is None:
            raise PoisonEvent(f"unknown event type {self.type!r}")
        try:
            return cls.model_validate(self.data)
        except ValidationError as exc:
            raise PoisonEvent(f"invalid payload for {self.type}: {exc.errors(include_url=False)}") from exc

    def kafka_headers(self) -> list[tuple[str, bytes]]:
        headers = [
            ("ce_id", str(self.id)),
            ("ce_source", self.source),
            ("ce_type", self.type),
            ("ce_specversion", self.specversion),
            ("ce_time", self.time.isoformat()),
            ("content-type", self.datacontenttype),
        ]
        if self.subject:
            headers.append(("ce_subject", self.subject))
        if self.correlationid:
            headers.append(("ce_correlationid", self.correlationid))
        return [(k, v.encode()) for k, v in headers]

    def kafka_value(self) -> bytes:
        return json.dumps(self.data, ensure_ascii=False, separators=(",", ":")).encode()


class PoisonEvent(Exception):
    """A record that can never be processed: it goes to the dead-letter topic."""


def new_event(payload: EventPayload, *, source: str, correlation_id: str | None = None) -> CloudEvent:
    return CloudEvent(
        id=uuid.uuid4(),
        source=source,
        type=payload.event_type,
        time=datetime.now(UTC),
        subject=payload.subject(),
        correlationid=correlation_id,
        data=payload.model_dump(mode="json"),
    )


def _headers_dict(headers: Sequence[tuple[str, bytes]] | Mapping[str, Any]) -> dict[str, str]:
    items = headers.items() if isinstance(headers, Mapping) else headers
    out: dict[str, str] = {}
    for key, value in items:
        out[key] = value.decode() if isinstance(value, bytes | bytearray) else str(value)
    return out


def decode_record(headers: Sequence[tuple[str, bytes]] | Mapping[str, Any], value: bytes | None) -> CloudEvent:
    """Reads a Kafka record in CloudEvents binary mode; raises ``PoisonEvent`` when it is not one."""
    try:
        h = _headers_dict(headers)
    except UnicodeDecodeError as exc:
        raise PoisonEvent("headers are not UTF-8") from exc
    missing = [name for name in ("ce_id", "ce_source", "ce_type", "ce_specversion") if name not in h]
    if missing:
        raise PoisonEvent(f"missing CloudEvents headers: {', '.join(missing)}")
    if h["ce_specversion"] != SPECVERSION:
        raise PoisonEvent(f"unsupported CloudEvents specversion {h['ce_specversion']!r}")
    try:
        data = json.loads(value or b"")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise PoisonEvent(f"value is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise PoisonEvent("value is not a JSON object")
    try:
        return CloudEvent(
            id=uuid.UUID(h["ce_id"]),
            source=h["ce_source"],
            type=h["ce_type"],
            specversion=h["ce_specversion"],
            time=datetime.fromisoformat(h["ce_time"]) if "ce_time" in h else datetime.now(UTC),
            subject=h.get("ce_subject"),
            datacontenttype=h.get("content-type", CONTENT_TYPE),
            correlationid=h.get("ce_correlationid"),
            data=data,
        )
    except (ValueError, ValidationError) as exc:
        raise PoisonEvent(f"invalid CloudEvents attributes: {exc}") from exc
