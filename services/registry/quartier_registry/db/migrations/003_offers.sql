-- The offer directory (Angebote) and suspected duplicate pairs ("Dopplungen").
-- pg_trgm lives in the schema `extensions`, which is on the service's search_path.

CREATE TABLE offers (
    id                      uuid PRIMARY KEY,
    title                   text NOT NULL,
    description             text NOT NULL,
    -- The actor offering it. No foreign key: actors are another aggregate family of this service.
    provider_actor_id       uuid NOT NULL,
    field_of_action         text NOT NULL,
    cross_cutting_themes    text[] NOT NULL DEFAULT '{}',
    target_groups           text[] NOT NULL DEFAULT '{}',
    languages               text[] NOT NULL DEFAULT '{}',
    place_kind              text NOT NULL CHECK (place_kind IN ('community_centre', 'address')),
    -- A Stadtteilzentrum is named by its social area; an address by its Wohnbereich, from which the
    -- social area derives (so an offer follows its Wohnbereich when that is moved).
    centre_social_area_key  text REFERENCES social_areas (key),
    residential_area_number integer REFERENCES residential_areas (number),
    place_name              text,
    street                  text,
    postal_code             text,
    recurrences             jsonb NOT NULL DEFAULT '[]',
    free_of_charge          boolean NOT NULL,
    cost                    text,
    wheelchair_accessible   boolean,
    accessibility           text,
    contact_office          text NOT NULL,
    contact_email           text,
    contact_phone           text,
    last_confirmed_on       date NOT NULL,
    status                  text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'withdrawn')),
    withdrawn_reason        text,
    merged_into             uuid REFERENCES offers (id),
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    CHECK (
        (place_kind = 'community_centre' AND centre_social_area_key IS NOT NULL AND residential_area_number IS NULL)
        OR (place_kind = 'address' AND residential_area_number IS NOT NULL AND centre_social_area_key IS NULL
            AND street IS NOT NULL)
    )
);
CREATE INDEX offers_centre ON offers (centre_social_area_key);
CREATE INDEX offers_residential_area ON offers (residential_area_number);
CREATE INDEX offers_status_confirmed ON offers (status, last_confirmed_on);

-- Every offer with the social area it is in (derived for addresses).
CREATE VIEW offers_located AS
SELECT o.*, COALESCE(o.centre_social_area_key, ra.social_area_key) AS social_area_key
FROM offers o
LEFT JOIN residential_areas ra ON ra.number = o.residential_area_number;

-- The text similarities the duplicate rules use (domain/offers.py: TextFeatures), one place for the
-- detector and for the labelled-set measurement. Titles: the better of the whole-string similarity and
-- the average of both directions' word similarity (short titles inside longer ones, "Sprachcafé" in
-- "Sprach-Café für Frauen"). Target groups: the best pair. Addresses: whole-string similarity.
CREATE FUNCTION offer_text_features(
    a_title text, a_description text, a_groups text[], a_address text,
    b_title text, b_description text, b_groups text[], b_address text
) RETURNS TABLE (title_similarity real, description_similarity real, target_group_similarity real,
                address_similarity real)
LANGUAGE sql STABLE AS $$
    SELECT
        greatest(similarity(a_title, b_title),
                 (word_similarity(a_title, b_title) + word_similarity(b_title, a_title)) / 2)::real,
        similarity(a_description, b_description)::real,
        coalesce((SELECT max(similarity(x, y)) FROM unnest(a_groups) x, unnest(b_groups) y), 0)::real,
        CASE WHEN a_address = '' OR b_address = '' THEN 0 ELSE similarity(a_address, b_address) END::real
$$;

CREATE TABLE offer_duplicate_pairs (
    id           uuid PRIMARY KEY,
    offer_a      uuid NOT NULL REFERENCES offers (id),
    offer_b      uuid NOT NULL REFERENCES offers (id),
    score        real NOT NULL,
    reasons      jsonb NOT NULL DEFAULT '[]',
    -- open: waiting for staff; dismissed: "kein Duplikat", never suggested again; merged; closed: an
    -- offer of the pair was withdrawn otherwise.
    status       text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'dismissed', 'merged', 'closed')),
    suspected_at timestamptz NOT NULL DEFAULT now(),
    decided_at   timestamptz,
    decided_by   text,
    kept_offer_id uuid REFERENCES offers (id),
    CHECK (offer_a < offer_b),
    UNIQUE (offer_a, offer_b)
);
CREATE INDEX offer_duplicate_pairs_open ON offer_duplicate_pairs (status) WHERE status = 'open';
CREATE INDEX offer_duplicate_pairs_b ON offer_duplicate_pairs (offer_b);

-- Who changed what and when; the matching event is in the outbox under the same event id.
CREATE TABLE offer_audit (
    id         bigserial PRIMARY KEY,
    event_id   uuid NOT NULL,
    actor      text NOT NULL,
    offer_id   uuid,
    pair_id    uuid,
    change     jsonb NOT NULL,
    changed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX offer_audit_offer ON offer_audit (offer_id);
