"""Cross-service tests: the real services as processes on the real Kafka broker and Postgres."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator, Iterator

import asyncpg
import pytest

from quartier_shared.kafka_admin import delete_topics
from tests.support.browser import base_url, browser, context  # noqa: F401 (fixtures of the browser tests)
from tests.support.helpers import connect_as
from tests.support.planning_cycle import planning, planning_db, ready  # noqa: F401 (planning in the stack)
from tests.support.prometheus import prometheus  # noqa: F401 (one Prometheus per session, operations tests)
from tests.support.stack import Stack, base_env


@pytest.fixture(scope="session")
def topic_prefix() -> str:
    return f"test{int(time.time())}-{os.getpid()}-"


@pytest.fixture(scope="session")
def env() -> dict[str, str]:
    return base_env()


@pytest.fixture(scope="session")
def stack(topic_prefix: str) -> Iterator[Stack]:
    """registry, planning, invitations, reporting and gateway running with the Hamm territory and the demo data."""
    stack = Stack(topic_prefix)
    try:
        for name in ("registry", "planning", "invitations", "reporting", "gateway"):
            stack.start(name)
        yield stack
    finally:
        stack.stop_all()
        asyncio.run(_delete_test_topics(stack))


async def _delete_test_topics(stack: Stack) -> None:
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=stack.env["QUARTIER_KAFKA_BOOTSTRAP"])
    await admin.start()
    try:
        names = [t for t in await admin.list_topics() if t.startswith(stack.topic_prefix)]
    finally:
        await admin.close()
    await delete_topics(stack.env["QUARTIER_KAFKA_BOOTSTRAP"], names)


@pytest.fixture
async def registry_db(env: dict[str, str]) -> AsyncIterator[asyncpg.Connection]:
    conn = await connect_as(env, "registry")
    yield conn
    await conn.close()


@pytest.fixture
async def reporting_db(env: dict[str, str]) -> AsyncIterator[asyncpg.Connection]:
    conn = await connect_as(env, "reporting")
    yield conn
    await conn.close()
