"""The AsyncAPI document names every event type of a service's topics, with a usable payload schema."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator

from quartier_shared.asyncapi import asyncapi_document, events_on
from quartier_shared.events.envelope import EVENT_TYPES, new_event
from quartier_shared.events.territory import ResidentialAreaMoved
from quartier_shared.events.topics import REGISTRY_TERRITORY, TOPICS


def _resolve(doc: dict[str, Any], ref: str) -> Any:
    node: Any = doc
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def test_every_event_type_belongs_to_a_topic_and_is_documented() -> None:
    doc = asyncapi_document(service="registry", title="Register", bootstrap="kafka:9092", publishes=TOPICS, receives=[])
    documented = {m["name"] for m in doc["components"]["messages"].values()}
    on_topics = {cls.event_type for t in TOPICS for cls in events_on(t)}
    assert on_topics == documented
    assert set(EVENT_TYPES) == on_topics, "an event type without a topic of the platform"
    for operation in doc["operations"].values():
        assert operation["action"] == "send"
        channel = _resolve(doc, operation["channel"]["$ref"])
        for message_ref in operation["messages"]:
            assert _resolve(doc, message_ref["$ref"]) is not None
        for message in channel["messages"].values():
            schema = _resolve(doc, message["$ref"])["payload"]
            Draft202012Validator.check_schema(schema)


def test_a_real_event_validates_against_its_documented_payload() -> None:
    doc = asyncapi_document(
        service="reporting", title="Berichte", bootstrap="kafka:9092", publishes=[], receives=[REGISTRY_TERRITORY]
    )
    event = new_event(
        ResidentialAreaMoved(city="Hamm", number=42, from_social_area_key="westen", to_social_area_key="pelkum"),
        source="/quartier/registry",
    )
    message = doc["components"]["messages"][event.type.replace(".", "_")]
    Draft202012Validator(message["payload"]).validate(event.data)
    headers = {k: v.decode() for k, v in event.kafka_headers()}
    Draft202012Validator(message["headers"]).validate(headers)
    assert doc["operations"]["receive_quartier_registry_territory"]["action"] == "receive"
