"""Controlling of the target agreements (Zielvereinbarungen) as the status board shows it: which activity
reports are overdue. The figures of the Gesamtbericht are computed in ``domain.reports``."""

from __future__ import annotations

import datetime as dt
from typing import Any

import asyncpg

from quartier_reporting.db import controlling as db
from quartier_reporting.domain import controlling as domain


async def overdue_agreement_reports(
    conn: asyncpg.Connection, year: int, today: dt.date
) -> dict[str, list[dict[str, Any]]]:
    """Per Sozialraum: the activity reports of the year's target agreements not delivered by their due date."""
    out: dict[str, list[dict[str, Any]]] = {}
    for agreement in await db.agreement_infos_of_year(conn, year):
        for period in domain.PERIODS:
            status = domain.report_status(agreement, period, today)
            if status is None or status.status != "overdue":
                continue
            for key in agreement.social_area_keys:
                out.setdefault(key, []).append(
                    {
                        "agreement_id": str(agreement.agreement_id),
                        "title": agreement.title,
                        "provider_actor_id": str(agreement.provider_actor_id),
                        "period": period,
                        "period_name": domain.PERIODS[period],
                        "due_on": dt.date.fromisoformat(status.due_on),
                    }
                )
    for items in out.values():
        items.sort(key=lambda o: (o["due_on"], o["title"], o["agreement_id"]))
    return out
