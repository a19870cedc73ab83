-- A service's local replica of the registry, built only from the registry's events (territory, actors,
-- bodies, memberships, people by id, offers by id). The service's search_path decides the schema.
-- No foreign keys: events of different aggregates arrive in any order across partitions.
-- Every row carries the event time of the last change applied (updated_at); updates only move forward, so
-- replays converge. People: ids and non-personal facts only (no names, e-mail addresses or phone numbers).
--
-- The tables are planning's former copy (its migrations 001 and 006 made them): a planning database migrated by
-- the old code already has them, so they are created only where missing, and what the other services' copies
-- held on top (the city, the registry's order, an actor's e-mail address, a body's local title) is added below,
-- in the same way on a fresh and on an existing database.

CREATE TABLE IF NOT EXISTS registry_districts (
    key        text PRIMARY KEY,
    name       text NOT NULL,
    updated_at timestamptz NOT NULL
);

CREATE TABLE IF NOT EXISTS registry_social_areas (
    key                   text PRIMARY KEY,
    name                  text NOT NULL,
    community_centre_name text NOT NULL,
    updated_at            timestamptz NOT NULL
);

CREATE TABLE IF NOT EXISTS registry_residential_areas (
    number          integer PRIMARY KEY,
    name            text NOT NULL,
    district_key    text NOT NULL,
    social_area_key text NOT NULL,
    updated_at      timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS registry_residential_areas_social_area ON registry_residential_areas (social_area_key);

CREATE TABLE IF NOT EXISTS registry_vocabularies (
    name       text PRIMARY KEY,
    terms      jsonb NOT NULL,
    updated_at timestamptz NOT NULL
);

CREATE TABLE IF NOT EXISTS registry_actors (
    id                      uuid PRIMARY KEY,
    name                    text NOT NULL,
    type                    text NOT NULL,
    social_area_keys        text[] NOT NULL DEFAULT '{}',
    residential_area_number integer,
    withdrawn               boolean NOT NULL DEFAULT false,
    updated_at              timestamptz NOT NULL
);

CREATE TABLE IF NOT EXISTS registry_bodies (
    id              uuid PRIMARY KEY,
    kind            text NOT NULL,
    name            text NOT NULL,
    display_name    text,
    local_title     text,
    social_area_key text,
    district_key    text,
    updated_at      timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS registry_bodies_kind ON registry_bodies (kind);

-- role and starts_on are null only while a MembershipEnded has arrived without its MembershipStarted.
CREATE TABLE IF NOT EXISTS registry_memberships (
    id                uuid PRIMARY KEY,
    body_id           uuid NOT NULL,
    person_id         uuid NOT NULL,
    role              text,
    starts_on         date,
    ends_on           date,
    is_district_mayor boolean NOT NULL DEFAULT false,
    updated_at        timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS registry_memberships_body ON registry_memberships (body_id);
CREATE INDEX IF NOT EXISTS registry_memberships_person ON registry_memberships (person_id);

-- An erased person keeps only the id, the flag and the ids of the memberships the registry retains, so that
-- a membership event arriving late (another partition) for a dropped membership is not taken in again.
CREATE TABLE IF NOT EXISTS registry_persons (
    id                       uuid PRIMARY KEY,
    actor_id                 uuid,
    lives_in_social_area_key text,
    erased                   boolean NOT NULL DEFAULT false,
    retained_membership_ids  uuid[] NOT NULL DEFAULT '{}',
    updated_at               timestamptz NOT NULL
);

-- Whether an offer exists and is still in the directory. A withdrawal is final.
CREATE TABLE IF NOT EXISTS registry_offers (
    id          uuid PRIMARY KEY,
    withdrawn   boolean NOT NULL DEFAULT false,
    merged_into uuid,
    updated_at  timestamptz NOT NULL
);

-- The city's name as the registry announces it (invitations names it in its OParl export).
ALTER TABLE registry_districts ADD COLUMN IF NOT EXISTS city text;
ALTER TABLE registry_social_areas ADD COLUMN IF NOT EXISTS city text;
-- The registry's order of the territory (the time of the first registration), not the alphabet.
ALTER TABLE registry_districts ADD COLUMN IF NOT EXISTS registered_at timestamptz;
ALTER TABLE registry_social_areas ADD COLUMN IF NOT EXISTS registered_at timestamptz;
-- The actor's functional mailbox (invitations to an institution go there).
ALTER TABLE registry_actors ADD COLUMN IF NOT EXISTS email text;
