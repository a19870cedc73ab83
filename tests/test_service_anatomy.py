"""Every service starts, migrates its own schema, and answers /health, /ready and /metrics."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import asyncpg
import httpx
import pytest

from tests.support.helpers import connect_as, eventually
from tests.support.stack import ROOT, Stack


@pytest.mark.parametrize("name", ["planning", "invitations"])
async def test_the_shell_services_start_migrate_and_answer(stack: Stack, env: dict[str, str], name: str) -> None:
    started_here = name not in stack.services
    service = stack.start(name)
    assert httpx.get(f"{service.url}/health").json() == {"status": "ok", "service": name}
    ready = httpx.get(f"{service.url}/ready")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": True, "broker": True}
    conn: asyncpg.Connection = await connect_as(env, name)
    try:
        tables = {
            r["tablename"] for r in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = $1", name)
        }
    finally:
        await conn.close()
    assert {"outbox", "inbox", "schema_migrations"} <= tables
    if started_here:
        stack.stop(name)


async def test_metrics_of_the_backbone_are_exposed(stack: Stack) -> None:
    registry = httpx.get(f"{stack.url('registry')}/metrics").text
    for name in (
        "quartier_http_requests_total",
        "quartier_http_request_duration_seconds_bucket",
        "quartier_outbox_backlog_events",
        "quartier_outbox_oldest_unpublished_age_seconds",
        "quartier_outbox_published_events_total",
        "quartier_db_pool_connections",
        "process_resident_memory_bytes",
    ):
        assert name in registry, name

    async def lag_reported() -> str | None:
        text = httpx.get(f"{stack.url('reporting')}/metrics").text
        return text if "quartier_consumer_lag_messages{" in text else None

    reporting = await eventually(lag_reported)
    assert 'group="' + stack.topic_prefix + 'reporting.territory"' in reporting
    assert "faststream_received_messages_total" in reporting
    assert "quartier_events_processed_total" in reporting


async def test_each_service_documents_its_events_in_asyncapi(stack: Stack) -> None:
    registry = httpx.get(f"{stack.url('registry')}/asyncapi.json").json()
    assert registry["asyncapi"] == "3.0.0"
    sent = {op["channel"]["$ref"].rsplit("/", 1)[1] for op in registry["operations"].values() if op["action"] == "send"}
    assert sent == {
        "quartier_registry_territory",
        "quartier_registry_directory",
        "quartier_registry_offers",
        "quartier_registry_contacts",
        "quartier_registry_social-data",
    }
    names = {m["name"] for m in registry["components"]["messages"].values()}
    assert {"quartier.registry.PersonErased.v1", "quartier.registry.DuplicateSuspected.v1"} <= names
    reporting = httpx.get(f"{stack.url('reporting')}/asyncapi.json").json()
    # reporting reads territory, offers, plans, goals, meetings, agreements and social data; it announces on its
    # reports topic
    assert sorted(op["action"] for op in reporting["operations"].values()) == ["receive"] * 7 + ["send"]
    reporting_names = {m["name"] for m in reporting["components"]["messages"].values()}
    controlling = {"quartier.planning.ActivityReportSubmitted.v1", "quartier.registry.SocialDataImported.v1"}
    assert controlling <= reporting_names
    assert "quartier.reporting.EvaluationDistributed.v1" in reporting_names


# ---------------------------------------------------------------- the layout every service shares (no stack)

SERVICES_WITH_SETTINGS = ("registry", "planning", "invitations", "reporting")


@pytest.mark.parametrize("name", SERVICES_WITH_SETTINGS)
def test_settings_and_the_event_source_are_defined_once_in_the_settings_module(name: str) -> None:
    package = ROOT / "services" / name / f"quartier_{name}"
    assert (package / "settings.py").is_file()
    defined = [
        path.relative_to(package).as_posix()
        for path in package.rglob("*.py")
        if re.search(r"^SOURCE = ", path.read_text(encoding="utf-8"), re.MULTILINE)
        or re.search(r"^class \w+Settings\(", path.read_text(encoding="utf-8"), re.MULTILINE)
    ]
    assert defined == ["settings.py"]


@pytest.mark.parametrize("name", ["planning", "invitations", "reporting"])
def test_consumers_are_a_package_and_nothing_imports_the_app(name: str) -> None:
    package = ROOT / "services" / name / f"quartier_{name}"
    assert (package / "consumers" / "__init__.py").is_file()
    assert sorted(p.name for p in package.glob("*consumers*.py")) == []
    for path in package.rglob("*.py"):
        if path.name not in ("app.py", "__main__.py"):
            assert f"quartier_{name}.app" not in path.read_text(encoding="utf-8"), path


# SQL lives in a service's db/ package only, so that a newcomer finds every statement of a family in
# db/<family>.py. An exception would be listed here with its reason; there is none.
SQL_OUTSIDE_DB_ALLOWED: set[str] = set()
SQL_CALLS = {"fetch", "fetchrow", "fetchval", "execute", "executemany"}


def _sql_calls(path: Path, root: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        name = node.func.attr
        if name in SQL_CALLS or (name.startswith("copy_") and any(_is_text(a) for a in node.args)):
            found.append(f"{path.relative_to(root)}:{node.lineno}: .{name}(…)")
    return found


def _is_text(node: ast.expr) -> bool:
    return isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str))


def test_sql_is_only_in_the_db_packages_of_the_services() -> None:
    root = Path(__file__).resolve().parents[1]
    modules = sorted(root.glob("services/*/quartier_*/**/*.py"))
    assert modules, "no service modules found"
    offending = [
        call
        for path in modules
        if "db" not in path.relative_to(root).parts[3:-1] and str(path.relative_to(root)) not in SQL_OUTSIDE_DB_ALLOWED
        for call in _sql_calls(path, root)
    ]
    assert offending == [], "SQL outside db/ (move it into db/<family>.py):\n" + "\n".join(offending)


def test_the_unit_tests_beside_the_services_need_nothing_running() -> None:
    """``make unit`` runs the tests beside each service without Postgres, Kafka or services: one that needs
    them belongs in tests/integration/<service>/ (the root conftest.py marks by place)."""
    needs_infrastructure = re.compile(r"\b(base_env|pool_as|connect_as|Stack)\(")
    beside = [*ROOT.glob("services/*/tests/**/*.py"), *ROOT.glob("shared/tests/**/*.py")]
    assert beside, "no unit tests found"
    offending = [
        str(path.relative_to(ROOT)) for path in beside if needs_infrastructure.search(path.read_text(encoding="utf-8"))
    ]
    assert offending == [], "move these to tests/integration/<service>/:\n" + "\n".join(offending)
