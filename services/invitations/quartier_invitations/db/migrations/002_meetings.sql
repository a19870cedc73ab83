-- Meetings of the bodies. The document (jsonb) is the aggregate; the columns beside it are for queries
-- (lists by Sozialraum, kind, time; the Lenkungskreis' meetings of a year; the OParl export).

CREATE TABLE meetings (
    id              uuid PRIMARY KEY,
    kind            text NOT NULL,
    social_area_key text,
    status          text NOT NULL,
    starts_at       timestamptz NOT NULL,
    ends_at         timestamptz NOT NULL,
    public          boolean NOT NULL,
    version         integer NOT NULL,
    document        jsonb NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_at > starts_at),
    CHECK (status IN ('scheduled', 'cancelled'))
);
CREATE INDEX meetings_area_start ON meetings (social_area_key, starts_at);
CREATE INDEX meetings_kind_start ON meetings (kind, starts_at);

-- Who changed what, with the event that announced it.
CREATE TABLE meeting_history (
    id         bigserial PRIMARY KEY,
    meeting_id uuid NOT NULL REFERENCES meetings (id),
    version    integer NOT NULL,
    event_id   uuid NOT NULL,
    event_type text NOT NULL,
    actor      text NOT NULL,
    change     jsonb NOT NULL,
    changed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX meeting_history_meeting ON meeting_history (meeting_id, id);
