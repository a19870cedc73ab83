-- Actors (organisations and services), people, bodies (Gremien) and memberships.
CREATE TABLE actors (
    id                      uuid PRIMARY KEY,
    name                    text NOT NULL,
    actor_type              text NOT NULL,
    social_area_keys        text[] NOT NULL DEFAULT '{}',
    street                  text,
    postcode                text,
    city                    text,
    residential_area_number integer REFERENCES residential_areas (number),
    email                   text,
    phone                   text,
    withdrawn_at            timestamptz,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now()
);

-- Personal data is NULL once the person is erased; the row stays as the anchor of retained memberships.
CREATE TABLE persons (
    id                      uuid PRIMARY KEY,
    given_name              text,
    family_name             text,
    email                   text,
    phone                   text,
    actor_id                uuid REFERENCES actors (id),
    functions               jsonb NOT NULL DEFAULT '[]',
    residential_area_number integer REFERENCES residential_areas (number),
    erased_at               timestamptz,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    CHECK (erased_at IS NULL OR (given_name IS NULL AND family_name IS NULL AND email IS NULL AND phone IS NULL
                                 AND functions = '[]' AND residential_area_number IS NULL))
);
CREATE INDEX persons_actor ON persons (actor_id);

CREATE TABLE bodies (
    id              uuid PRIMARY KEY,
    kind            text NOT NULL,
    name            text NOT NULL,
    social_area_key text REFERENCES social_areas (key),
    district_key    text REFERENCES districts (key),
    local_title     text,
    created_at      timestamptz NOT NULL DEFAULT now()
);

-- History is kept: ending sets ends_on, nothing is deleted (except on erasure, where the law allows).
CREATE TABLE memberships (
    id               uuid PRIMARY KEY,
    body_id          uuid NOT NULL REFERENCES bodies (id),
    person_id        uuid NOT NULL REFERENCES persons (id),
    role             text NOT NULL,
    starts_on        date NOT NULL,
    ends_on          date,
    retention_reason text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_on IS NULL OR ends_on >= starts_on)
);
CREATE INDEX memberships_body ON memberships (body_id);
CREATE INDEX memberships_person ON memberships (person_id);

-- Who changed what and when; ``change`` is the event payload (ids, no personal data).
CREATE TABLE directory_audit (
    id           bigserial PRIMARY KEY,
    event_id     uuid NOT NULL,
    event_type   text NOT NULL,
    aggregate    text NOT NULL,
    actor        text NOT NULL,
    change       jsonb NOT NULL,
    changed_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX directory_audit_aggregate ON directory_audit (aggregate);
