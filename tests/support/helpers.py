"""Helpers for cross-service tests."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any, TypeVar

import asyncpg

from tests.support.stack import db_password

T = TypeVar("T")


def _connect_args(env: dict[str, str], service: str) -> dict[str, object]:
    return {
        "host": env["QUARTIER_DB_HOST"],
        "port": int(env["QUARTIER_DB_PORT"]),
        "database": env["QUARTIER_DB_NAME"],
        "user": f"quartier_{service}",
        "password": db_password(env, service),
        "server_settings": {"search_path": f"{service}, extensions"},
    }


async def connect_as(env: dict[str, str], service: str) -> asyncpg.Connection:
    """A connection with a service's own role, over TCP with its password, as the service connects."""
    return await asyncpg.connect(**_connect_args(env, service))


async def pool_as(env: dict[str, str], service: str, **options: int) -> asyncpg.Pool:
    """A pool with a service's own role, for calling a service's use cases in-process."""
    return await asyncpg.create_pool(**_connect_args(env, service), **options)


async def eventually(check: Callable[[], Awaitable[T]], *, timeout: float = 20, interval: float = 0.2) -> T:
    """Polls ``check`` until it returns a truthy value; the last value otherwise fails the test."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s (last value: {last!r})")


def urls_in(value: Any) -> list[str]:
    """Every absolute http(s) URL among the strings of a JSON value, depth first."""
    if isinstance(value, dict):
        return [u for v in value.values() for u in urls_in(v)]
    if isinstance(value, list):
        return [u for v in value for u in urls_in(v)]
    return [value] if isinstance(value, str) and value.startswith(("http://", "https://")) else []


@contextlib.asynccontextmanager
async def rolled_back(pool: asyncpg.Pool, emptied: Sequence[str] = ()) -> AsyncIterator[asyncpg.Connection]:
    """A connection inside a transaction that is rolled back at the end, with the tables ``emptied``
    cleared inside it: a test starts from nothing, whatever the shared test database holds."""
    async with pool.acquire() as conn:
        tx = conn.transaction()
        await tx.start()
        for table in emptied:
            await conn.execute(f"DELETE FROM {table}")
        try:
            yield conn
        finally:
            await tx.rollback()
