"""Marks every test by what it needs, so that a run can pick its tier:

- ``unit``: pure, nothing running (``make unit``): the tests beside each service and shared/;
- ``db``: Postgres (and for some Kafka) from ``make infra-up``, no service processes: tests/integration/;
- ``stack``: the services as processes on the real broker and database (the ``stack`` fixture);
- ``browser``: Chromium driving the gateway of the stack: tests/browser/.

The tier follows from where a test lives and the fixtures it uses, so a new test is marked without thinking;
a module that lives elsewhere but needs more than ``unit`` (the registry replica's own suite, which runs
against Postgres) says so with ``pytestmark = pytest.mark.db``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent
TIERS = ("unit", "db", "stack", "browser")


def tier_of(item: pytest.Item) -> str:
    parts = Path(str(item.path)).resolve().relative_to(ROOT).parts
    fixtures = set(getattr(item, "fixturenames", ()))
    if "browser" in fixtures or parts[:2] == ("tests", "browser"):
        return "browser"
    if "stack" in fixtures:
        return "stack"
    declared = [tier for tier in TIERS if item.get_closest_marker(tier) is not None]
    if declared:
        return declared[0]
    if parts[:2] == ("tests", "integration"):
        return "db"
    return "unit"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        tier = tier_of(item)
        if item.get_closest_marker(tier) is None:
            item.add_marker(getattr(pytest.mark, tier))
