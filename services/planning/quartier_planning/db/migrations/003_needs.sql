-- Needs (Bedarfe) raised outside a council hearing (neighbourhood conference, council, service, resident).
-- One need is one aggregate: ``document`` is written only by the domain's decisions; source, social area
-- and status are columns for listing. No personal data of residents (``raised_by`` is an actor id or
-- "Bewohner:in"). Council needs of a hearing stay in their plan's document.
CREATE TABLE needs (
    id              uuid PRIMARY KEY,
    source          text NOT NULL,
    social_area_key text NOT NULL,
    status          text NOT NULL,
    version         integer NOT NULL,
    document        jsonb NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX needs_social_area ON needs (social_area_key, status);

-- Every change of a need: who, when, which event, and what changed.
CREATE TABLE need_history (
    id          bigserial PRIMARY KEY,
    need_id     uuid NOT NULL REFERENCES needs (id),
    version     integer NOT NULL,
    event_id    uuid NOT NULL,
    event_type  text NOT NULL,
    actor       text NOT NULL,
    change      jsonb NOT NULL,
    changed_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX need_history_need ON need_history (need_id, id);
