-- The invitations service's own copy of the registry's directory, built only from the registry's events:
-- actors, bodies, memberships, people by id (directory topic) and the contact details of people (contacts
-- topic, the one place names and e-mail addresses arrive). The territory is in 001_territory.sql.
-- No foreign keys: events of different aggregates arrive in any order across partitions and topics.
-- Every row carries the event time of the last change applied; updates only move forward (replays converge).

CREATE TABLE directory_actors (
    id               uuid PRIMARY KEY,
    name             text NOT NULL,
    type             text NOT NULL,
    social_area_keys text[] NOT NULL DEFAULT '{}',
    email            text,
    withdrawn        boolean NOT NULL DEFAULT false,
    updated_at       timestamptz NOT NULL
);

CREATE TABLE directory_bodies (
    id              uuid PRIMARY KEY,
    kind            text NOT NULL,
    name            text NOT NULL,
    display_name    text NOT NULL,
    social_area_key text,
    district_key    text,
    updated_at      timestamptz NOT NULL
);

-- role and starts_on are null only while a MembershipEnded has arrived without its MembershipStarted.
CREATE TABLE directory_memberships (
    id                uuid PRIMARY KEY,
    body_id           uuid NOT NULL,
    person_id         uuid NOT NULL,
    role              text,
    starts_on         date,
    ends_on           date,
    is_district_mayor boolean NOT NULL DEFAULT false,
    updated_at        timestamptz NOT NULL
);
CREATE INDEX directory_memberships_body ON directory_memberships (body_id);
CREATE INDEX directory_memberships_person ON directory_memberships (person_id);

-- An erased person keeps only the id, the flag and the ids of the memberships the registry retains, so that
-- late events (another partition or topic) about the person are not taken in again.
CREATE TABLE directory_persons (
    id                       uuid PRIMARY KEY,
    actor_id                 uuid,
    lives_in_social_area_key text,
    erased                   boolean NOT NULL DEFAULT false,
    retained_membership_ids  uuid[] NOT NULL DEFAULT '{}',
    updated_at               timestamptz NOT NULL
);

-- Personal data: deleted on ContactDetailsErased and on PersonErased.
CREATE TABLE contacts (
    person_id  uuid PRIMARY KEY,
    name       text NOT NULL,
    email      text,
    salutation text,
    functions  text[] NOT NULL DEFAULT '{}',
    updated_at timestamptz NOT NULL
);
