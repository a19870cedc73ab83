-- Steering goals (Steuerungsziele) of the steering committee, derived from council decisions. One goal is one
-- aggregate, written only by the domain's decisions (domain/goals.py); measures link to goals by id inside
-- their plan's document. The title is unique among the goals not retired (compared without case and extra
-- spaces, the same form as ``domain.goals.title_key``).
CREATE TABLE steering_goals (
    id               uuid PRIMARY KEY,
    title            text NOT NULL,
    title_key        text NOT NULL,
    description      text NOT NULL DEFAULT '',
    council_decision text NOT NULL,
    decided_on       date NOT NULL,
    valid_from_year  integer NOT NULL,
    valid_until_year integer,
    retired          boolean NOT NULL DEFAULT false,
    retired_reason   text,
    version          integer NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT steering_goals_years CHECK (valid_until_year IS NULL OR valid_until_year >= valid_from_year)
);
CREATE UNIQUE INDEX steering_goals_active_title ON steering_goals (title_key) WHERE NOT retired;

-- Every change of a goal: who, when, which event, and what changed.
CREATE TABLE goal_history (
    id          bigserial PRIMARY KEY,
    goal_id     uuid NOT NULL REFERENCES steering_goals (id),
    version     integer NOT NULL,
    event_id    uuid NOT NULL,
    event_type  text NOT NULL,
    actor       text NOT NULL,
    change      jsonb NOT NULL,
    changed_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX goal_history_goal ON goal_history (goal_id, id);
