"""The CloudEvents envelope in Kafka binary mode, and what makes a record poison."""

from __future__ import annotations

import json
import uuid

import pytest

from quartier_shared.events import EVENT_TYPES, PoisonEvent, decode_record, new_event
from quartier_shared.events.territory import CommunityCentreRenamed, ResidentialAreaMoved


def test_round_trip_through_kafka_headers_and_value() -> None:
    payload = ResidentialAreaMoved(city="Hamm", number=42, from_social_area_key="westen", to_social_area_key="pelkum")
    event = new_event(payload, source="/quartier/registry", correlation_id="req-1")
    headers = dict(event.kafka_headers())
    assert headers["ce_specversion"] == b"1.0"
    assert headers["ce_type"] == b"quartier.registry.ResidentialAreaMoved.v1"
    assert headers["ce_subject"] == b"residential-area/42"
    assert headers["ce_correlationid"] == b"req-1"

    decoded = decode_record(event.kafka_headers(), event.kafka_value())
    assert decoded.id == event.id
    assert decoded.time == event.time
    assert decoded.payload() == payload


def test_payloads_carry_their_version_and_are_registered_once() -> None:
    assert all(t.rsplit(".", 1)[-1].startswith("v") for t in EVENT_TYPES)
    assert EVENT_TYPES["quartier.registry.CommunityCentreRenamed.v1"] is CommunityCentreRenamed
    with pytest.raises(TypeError, match="defined twice"):

        class Again(CommunityCentreRenamed):
            event_type = "quartier.registry.ResidentialAreaMoved.v1"


def _headers(**overrides: str) -> list[tuple[str, bytes]]:
    base = {
        "ce_id": str(uuid.uuid4()),
        "ce_source": "/test",
        "ce_type": "quartier.registry.CommunityCentreRenamed.v1",
        "ce_specversion": "1.0",
    }
    base.update(overrides)
    return [(k, v.encode()) for k, v in base.items() if v]


VALID = json.dumps({"city": "Hamm", "social_area_key": "pelkum", "old_name": "A", "new_name": "B"}).encode()


@pytest.mark.parametrize(
    ("headers", "value", "reason"),
    [
        (_headers(), b"{broken", "value is not JSON"),
        (_headers(), b"[1, 2]", "not a JSON object"),
        (_headers(ce_id=""), VALID, "missing CloudEvents headers: ce_id"),
        (_headers(ce_specversion="0.3"), VALID, "unsupported CloudEvents specversion"),
        (_headers(ce_id="not-a-uuid"), VALID, "invalid CloudEvents attributes"),
    ],
)
def test_records_that_are_not_cloud_events_are_poison(headers: list, value: bytes, reason: str) -> None:
    with pytest.raises(PoisonEvent, match=reason):
        decode_record(headers, value)


def test_unknown_types_and_invalid_payloads_are_poison() -> None:
    with pytest.raises(PoisonEvent, match="unknown event type"):
        decode_record(_headers(ce_type="quartier.unknown.Thing.v1"), VALID).payload()
    with pytest.raises(PoisonEvent, match="invalid payload"):
        decode_record(_headers(), json.dumps({"city": "Hamm"}).encode()).payload()
    with pytest.raises(PoisonEvent, match="invalid payload"):
        extra = json.dumps({**json.loads(VALID), "email": "x@example.org"}).encode()
        decode_record(_headers(), extra).payload()
