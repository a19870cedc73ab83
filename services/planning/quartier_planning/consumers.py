"""Planning's subscribers: the registry's events into planning's local copy (filled in by issue 4)."""

from __future__ import annotations

from quartier_shared.consumer import EventConsumer


def consumers() -> list[EventConsumer]:
    return []
