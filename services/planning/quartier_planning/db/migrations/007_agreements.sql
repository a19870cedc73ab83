-- Target agreements (Zielvereinbarungen) between the city and a commissioned provider, with the provider's
-- activity reports (Sachberichte) inside the agreement's document. One agreement is one aggregate, written
-- only by the domain's decisions (domain/agreements.py); measures of the plans point to an agreement by id
-- inside their plan's document (spec.agreement_id).
CREATE TABLE agreements (
    id                uuid PRIMARY KEY,
    provider_actor_id uuid NOT NULL,
    year              integer NOT NULL,
    social_area_keys  text[] NOT NULL,
    state             text NOT NULL,
    version           integer NOT NULL,
    document          jsonb NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX agreements_year ON agreements (year);
CREATE INDEX agreements_provider ON agreements (provider_actor_id);
CREATE INDEX agreements_social_areas ON agreements USING gin (social_area_keys);

-- Every change of an agreement and every report: who, when, which event, and what changed.
CREATE TABLE agreement_history (
    id           bigserial PRIMARY KEY,
    agreement_id uuid NOT NULL REFERENCES agreements (id),
    version      integer NOT NULL,
    event_id     uuid NOT NULL,
    event_type   text NOT NULL,
    actor        text NOT NULL,
    change       jsonb NOT NULL,
    changed_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX agreement_history_agreement ON agreement_history (agreement_id, id);
