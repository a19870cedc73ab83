-- The invitations service's own copy of the registry's territory (districts, social areas, residential
-- areas, vocabularies), built only from the events of quartier.registry.territory. The meetings need it to
-- know a Sozialraum's Stadtbezirke (whose Bezirksvertretungen are concerned by a conference's date), its
-- Stadtteilzentrum, its Wohnbereiche and the Handlungsfelder of needs.
-- No foreign keys (events of different aggregates arrive in any order); updates only move forward in event
-- time, so replays converge.

CREATE TABLE territory_districts (
    key        text PRIMARY KEY,
    name       text NOT NULL,
    city       text NOT NULL,
    updated_at timestamptz NOT NULL
);

CREATE TABLE territory_social_areas (
    key                   text PRIMARY KEY,
    name                  text NOT NULL,
    community_centre_name text NOT NULL,
    city                  text NOT NULL,
    updated_at            timestamptz NOT NULL
);

CREATE TABLE territory_residential_areas (
    number          integer PRIMARY KEY,
    name            text NOT NULL,
    district_key    text NOT NULL,
    social_area_key text NOT NULL,
    updated_at      timestamptz NOT NULL
);
CREATE INDEX territory_residential_areas_social_area ON territory_residential_areas (social_area_key);

CREATE TABLE territory_vocabularies (
    name       text PRIMARY KEY,
    terms      jsonb NOT NULL,
    updated_at timestamptz NOT NULL
);
