"""The public iCalendar feed of a Sozialraum (``/ical/{key}.ics``): one ``VEVENT`` per public meeting.

Built with the icalendar library only (never by string concatenation). Each event carries the meeting's
stable UID and its SEQUENCE; a cancelled meeting stays in the feed with ``STATUS:CANCELLED`` so calendars
that subscribed drop it. Times are written in UTC.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from icalendar import Calendar, Event

from quartier_invitations.domain.meetings import Meeting

PRODID = "-//Quartier//Stadtteilarbeit//DE"


def feed(meetings: Sequence[Meeting], calendar_name: str, now: dt.datetime, public_url: str | None = None) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", calendar_name)
    calendar.add("x-wr-timezone", "Europe/Berlin")
    for meeting in meetings:
        event = Event()
        event.add("uid", meeting.uid)
        event.add("sequence", meeting.sequence)
        event.add("dtstamp", now.astimezone(dt.UTC))
        event.add("dtstart", meeting.starts_at.astimezone(dt.UTC))
        event.add("dtend", meeting.ends_at.astimezone(dt.UTC))
        event.add("summary", meeting.display_title)
        if meeting.location_text or meeting.online_url:
            event.add("location", ", ".join(p for p in (meeting.location_text, meeting.online_url) if p))
        details = [meeting.description] if meeting.description else []
        if meeting.agenda:
            details.append("Tagesordnung:\n" + "\n".join(f"- {item}" for item in meeting.agenda))
        if details:
            event.add("description", "\n\n".join(details))
        event.add("status", "CANCELLED" if meeting.cancelled else "CONFIRMED")
        if public_url:
            event.add("url", public_url)
        calendar.add_component(event)
    data: bytes = calendar.to_ical()
    return data
