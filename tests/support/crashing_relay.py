"""An outbox relay that dies (SIGKILL) after the broker confirmed its batch and before marking it.

Run as a process by the tests: ``python -m tests.support.crashing_relay`` with the registry's
environment. It is the real relay; only the moment of death is chosen.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Sequence

import asyncpg

from quartier_shared.db import create_pool
from quartier_shared.outbox import OutboxRelay
from quartier_shared.settings import ServiceSettings


class CrashingRelay(OutboxRelay):
    async def _mark_published(self, conn: asyncpg.Connection, ids: Sequence[int]) -> None:
        print(f"published {len(ids)} events; dying before marking them", flush=True)
        os.kill(os.getpid(), signal.SIGKILL)


async def main() -> None:
    settings = ServiceSettings()
    pool = await create_pool(settings)
    relay = CrashingRelay(
        pool,
        schema=settings.db_schema,
        bootstrap_servers=settings.kafka_bootstrap,
        topic_prefix=settings.topic_prefix,
    )
    await relay.run()


if __name__ == "__main__":
    asyncio.run(main())
