-- The territory of the city, as loaded from its territory file and changed through the API.
CREATE TABLE districts (
    key  text PRIMARY KEY,
    name text NOT NULL
);

CREATE TABLE social_areas (
    key                   text PRIMARY KEY,
    name                  text NOT NULL,
    community_centre_name text NOT NULL
);

CREATE TABLE residential_areas (
    number          integer PRIMARY KEY,
    name            text NOT NULL,
    district_key    text NOT NULL REFERENCES districts (key),
    social_area_key text NOT NULL REFERENCES social_areas (key)
);
CREATE INDEX residential_areas_social_area ON residential_areas (social_area_key);

CREATE TABLE vocabularies (
    name  text PRIMARY KEY,
    terms jsonb NOT NULL
);

CREATE TABLE territory_meta (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    city      text NOT NULL
);

-- Each load of a changed territory file, so an unchanged file is not announced again.
CREATE TABLE territory_loads (
    id        bigserial PRIMARY KEY,
    file_path text NOT NULL,
    sha256    text NOT NULL,
    events    integer NOT NULL,
    loaded_at timestamptz NOT NULL DEFAULT now()
);

-- Who changed what and when; the matching event is in the outbox under the same event id.
CREATE TABLE territory_audit (
    id         bigserial PRIMARY KEY,
    event_id   uuid NOT NULL,
    actor      text NOT NULL,
    change     jsonb NOT NULL,
    changed_at timestamptz NOT NULL DEFAULT now()
);
