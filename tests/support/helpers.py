"""Helpers for cross-service tests."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import asyncpg

from tests.support.stack import db_password

T = TypeVar("T")


async def connect_as(env: dict[str, str], service: str) -> asyncpg.Connection:
    """A connection with a service's own role, over TCP with its password, as the service connects."""
    return await asyncpg.connect(
        host=env["QUARTIER_DB_HOST"],
        port=int(env["QUARTIER_DB_PORT"]),
        database=env["QUARTIER_DB_NAME"],
        user=f"quartier_{service}",
        password=db_password(env, service),
        server_settings={"search_path": service},
    )


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
