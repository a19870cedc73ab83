"""``python -m quartier_reporting`` serves the reporting service; ``python -m quartier_reporting rebuild``
replays every topic into fresh read-model tables and swaps them in (the service may keep running)."""

import asyncio
import json
import sys

from quartier_reporting.app import SPEC
from quartier_reporting.settings import ReportingSettings
from quartier_shared.runtime import run


async def _rebuild(settings: ReportingSettings) -> None:
    from quartier_reporting.service.rebuild import rebuild
    from quartier_shared.db import create_pool, migrate

    pool = await create_pool(settings)
    try:
        await migrate(pool, settings.db_schema, SPEC.migrations, SPEC.library_migrations)
        result = await rebuild(
            pool, bootstrap=settings.kafka_bootstrap, topic_prefix=settings.topic_prefix, schema=settings.db_schema
        )
    finally:
        await pool.close()
    print(json.dumps({"events_applied": result.events_applied, "tables": result.tables, "seconds": result.seconds}))


if len(sys.argv) > 1 and sys.argv[1] == "rebuild":
    asyncio.run(_rebuild(ReportingSettings()))
else:
    run(SPEC, ReportingSettings())
