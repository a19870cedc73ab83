-- Planning's local copy of what it needs from the registry, built only from the registry's events.
-- No foreign keys: events of different aggregates arrive in any order across partitions.
-- Every row carries the event time of the last change applied; updates only move forward (replays converge).
-- People: ids and non-personal facts only (no names, e-mail addresses or phone numbers).

CREATE TABLE registry_districts (
    key        text PRIMARY KEY,
    name       text NOT NULL,
    updated_at timestamptz NOT NULL
);

CREATE TABLE registry_social_areas (
    key                   text PRIMARY KEY,
    name                  text NOT NULL,
    community_centre_name text NOT NULL,
    updated_at            timestamptz NOT NULL
);

CREATE TABLE registry_residential_areas (
    number          integer PRIMARY KEY,
    name            text NOT NULL,
    district_key    text NOT NULL,
    social_area_key text NOT NULL,
    updated_at      timestamptz NOT NULL
);
CREATE INDEX registry_residential_areas_social_area ON registry_residential_areas (social_area_key);

CREATE TABLE registry_vocabularies (
    name       text PRIMARY KEY,
    terms      jsonb NOT NULL,
    updated_at timestamptz NOT NULL
);

CREATE TABLE registry_actors (
    id                      uuid PRIMARY KEY,
    name                    text NOT NULL,
    type                    text NOT NULL,
    social_area_keys        text[] NOT NULL DEFAULT '{}',
    residential_area_number integer,
    withdrawn               boolean NOT NULL DEFAULT false,
    updated_at              timestamptz NOT NULL
);

CREATE TABLE registry_bodies (
    id              uuid PRIMARY KEY,
    kind            text NOT NULL,
    name            text NOT NULL,
    display_name    text,
    local_title     text,
    social_area_key text,
    district_key    text,
    updated_at      timestamptz NOT NULL
);
CREATE INDEX registry_bodies_kind ON registry_bodies (kind);

-- role and starts_on are null only while a MembershipEnded has arrived without its MembershipStarted.
CREATE TABLE registry_memberships (
    id                uuid PRIMARY KEY,
    body_id           uuid NOT NULL,
    person_id         uuid NOT NULL,
    role              text,
    starts_on         date,
    ends_on           date,
    is_district_mayor boolean NOT NULL DEFAULT false,
    updated_at        timestamptz NOT NULL
);
CREATE INDEX registry_memberships_body ON registry_memberships (body_id);
CREATE INDEX registry_memberships_person ON registry_memberships (person_id);

-- An erased person keeps only the id, the flag and the ids of the memberships the registry retains, so that
-- a membership event arriving late (another partition) for a dropped membership is not taken in again.
CREATE TABLE registry_persons (
    id                       uuid PRIMARY KEY,
    actor_id                 uuid,
    lives_in_social_area_key text,
    erased                   boolean NOT NULL DEFAULT false,
    retained_membership_ids  uuid[] NOT NULL DEFAULT '{}',
    updated_at               timestamptz NOT NULL
);
