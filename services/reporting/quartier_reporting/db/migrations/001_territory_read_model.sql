-- Reporting's own view of the territory, built only from the registry's events.
CREATE TABLE districts (
    key        text PRIMARY KEY,
    name       text NOT NULL,
    updated_at timestamptz NOT NULL
);

CREATE TABLE social_areas (
    key                   text PRIMARY KEY,
    name                  text NOT NULL,
    community_centre_name text NOT NULL,
    updated_at            timestamptz NOT NULL
);

-- No foreign keys: events of different aggregates may arrive in any order across partitions.
CREATE TABLE residential_areas (
    number          integer PRIMARY KEY,
    name            text NOT NULL,
    district_key    text NOT NULL,
    social_area_key text NOT NULL,
    updated_at      timestamptz NOT NULL
);

CREATE TABLE vocabularies (
    name       text PRIMARY KEY,
    terms      jsonb NOT NULL,
    updated_at timestamptz NOT NULL
);

-- One row per territory change applied: the history the reports show.
CREATE TABLE territory_history (
    id          bigserial PRIMARY KEY,
    event_id    uuid NOT NULL,
    event_type  text NOT NULL,
    subject     text NOT NULL,
    description text NOT NULL,
    occurred_at timestamptz NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now()
);
