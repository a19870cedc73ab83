"""Dates, times and numbers as the pages show them (German, Europe/Berlin): the one place for it.

An instant (a timestamp with its offset, as the services send them) is shown in Europe/Berlin, so an
instant shortly before midnight UTC lands on the Berlin date everywhere. A plain date (``2027-02-01``)
is a calendar date and stays what it is. A timestamp without offset is taken as a Berlin wall time.
Anything that is no date at all is shown unchanged. Pure: no web framework here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")
BERLIN_NAME = "Europe/Berlin"

DATE = "%d.%m.%Y"
DATE_TIME = "%d.%m.%Y, %H:%M Uhr"


def instant(value: Any) -> dt.datetime | None:
    """A timestamp (``datetime`` or ISO text with a time) in Europe/Berlin; None for a plain date or no date."""
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, str) and len(value.strip()) > 10 and value.strip()[10] in "T ":
        try:
            moment = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    return moment.astimezone(BERLIN) if moment.tzinfo is not None else moment.replace(tzinfo=BERLIN)


def plain_date(value: Any) -> dt.date | None:
    """A calendar date (``date`` or ``JJJJ-MM-TT``); None for anything else."""
    if isinstance(value, dt.datetime):
        return None
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip()
    if len(text) != 10:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def german_date(value: Any) -> str:
    """``2027-02-01`` → ``01.02.2027``; an instant → its date in Europe/Berlin; empty → ""; else unchanged."""
    if value is None or value == "":
        return ""
    moment = instant(value)
    if moment is not None:
        return moment.strftime(DATE)
    day = plain_date(value)
    if day is not None:
        return day.strftime(DATE)
    text = str(value).strip()
    # an unreadable timestamp still shows its date part
    day = plain_date(text[:10]) if len(text) > 10 else None
    return day.strftime(DATE) if day is not None else text


def german_datetime(value: Any) -> str:
    """An instant → ``12.03.2027, 17:00 Uhr`` in Europe/Berlin; a plain date → ``12.03.2027``; else unchanged."""
    moment = instant(value)
    if moment is not None:
        return moment.strftime(DATE_TIME)
    return german_date(value)


def berlin_time(value: dt.datetime | None, fmt: str = DATE_TIME) -> str:
    """The template filter ``berlin``: a ``datetime`` in Europe/Berlin with ``fmt``."""
    if value is None:
        return ""
    return value.astimezone(BERLIN).strftime(fmt)


def german_number(value: float, unit: str = "") -> str:
    """``38327`` → ``38.327``; ``18.8`` with unit ``%`` → ``18,8 %``."""
    if unit == "%":
        return f"{value:.1f}".replace(".", ",") + " %"
    if float(value).is_integer():
        return f"{int(value):,}".replace(",", ".")
    return f"{value:,.1f}".replace(",", "_").replace(".", ",").replace("_", ".")
