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
from hypothesis import settings

ROOT = Path(__file__).resolve().parent
TIERS = ("unit", "db", "stack", "browser")
# Examples per property in a quick run (``make unit``); ``make test`` runs the number each test asks for.
QUICK_EXAMPLES = 15


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--quick",
        action="store_true",
        help=f"property-based tests try at most {QUICK_EXAMPLES} examples (the quick loop of make unit)",
    )


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
    quick = bool(config.getoption("--quick"))
    for item in items:
        tier = tier_of(item)
        if item.get_closest_marker(tier) is None:
            item.add_marker(getattr(pytest.mark, tier))
        if quick:
            _fewer_examples(item)


def _fewer_examples(item: pytest.Item) -> None:
    """Caps the examples of a property-based test for this run. A test's own ``@settings(max_examples=…)``
    outranks any Hypothesis profile, so the cap goes onto the settings Hypothesis reads when the test runs
    (on the test function, or on a state machine's ``TestCase``)."""
    holder = getattr(item, "obj", None)
    holder = getattr(holder, "__func__", holder)  # a test method: the function behind it
    if getattr(holder, "is_hypothesis_test", False):
        current = getattr(holder, "_hypothesis_internal_use_settings", None) or settings.default
        holder._hypothesis_internal_use_settings = _capped(current)  # type: ignore[union-attr]
        return
    case = getattr(item, "cls", None)
    if case is not None and isinstance(getattr(case, "settings", None), settings):
        case.settings = _capped(case.settings)


def _capped(current: settings) -> settings:
    return settings(current, max_examples=min(current.max_examples, QUICK_EXAMPLES))
