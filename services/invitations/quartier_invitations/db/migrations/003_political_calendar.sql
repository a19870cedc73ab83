-- The imported calendar of the political bodies (Rat, Bezirksvertretungen): from the council information
-- system (OParl 1.1, source 'oparl') and from an iCalendar feed (source 'ical'). An import replaces one
-- source's rows in one transaction only when it succeeded; a failed import keeps the last good data and is
-- recorded in political_calendar_sources.

CREATE TABLE political_meetings (
    source         text NOT NULL CHECK (source IN ('oparl', 'ical')),
    external_id    text NOT NULL,
    name           text NOT NULL,
    organization   text NOT NULL,
    classification text,
    candidates     text[] NOT NULL DEFAULT '{}',
    starts_at      timestamptz NOT NULL,
    ends_at        timestamptz,
    cancelled      boolean NOT NULL DEFAULT false,
    url            text,
    imported_at    timestamptz NOT NULL,
    PRIMARY KEY (source, external_id)
);
CREATE INDEX political_meetings_start ON political_meetings (starts_at);

CREATE TABLE political_calendar_sources (
    source          text PRIMARY KEY,
    url             text NOT NULL,
    last_attempt_at timestamptz,
    last_success_at timestamptz,
    last_error      text,
    meeting_count   integer NOT NULL DEFAULT 0
);
