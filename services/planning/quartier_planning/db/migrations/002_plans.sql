-- The Jahresplan of a Sozialraum and year. The plan is one aggregate: its measures, hearings, needs and
-- answers live in ``document`` (written only by the domain's decisions); state, key and version are
-- columns for listing, the unique rule and the row lock that serialises commands on one plan.
CREATE TABLE plans (
    id              uuid PRIMARY KEY,
    social_area_key text NOT NULL,
    year            integer NOT NULL,
    state           text NOT NULL,
    version         integer NOT NULL,
    document        jsonb NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT plans_one_per_social_area_and_year UNIQUE (social_area_key, year)
);

-- Every change of a plan: who, when, which event, and the plan as it was afterwards (versions compare).
CREATE TABLE plan_history (
    id          bigserial PRIMARY KEY,
    plan_id     uuid NOT NULL REFERENCES plans (id),
    version     integer NOT NULL,
    event_id    uuid NOT NULL,
    event_type  text NOT NULL,
    actor       text NOT NULL,
    change      jsonb NOT NULL,
    snapshot    jsonb NOT NULL,
    changed_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX plan_history_plan ON plan_history (plan_id, id);
