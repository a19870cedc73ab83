-- Reporting's read models of the Jahresplan cycle, the needs, the steering goals, the offers and the
-- Stadtteilkonferenzen, built only from events (planning, registry offers, invitations meetings).
-- No foreign keys: events of different aggregates and topics may arrive in any order.
-- Every table listed in quartier_reporting.db.read_models.TABLES is rebuilt by replay and swapped in.

-- Keep the registry's order of the territory (the time of the first registration), not the alphabet.
ALTER TABLE districts ADD COLUMN registered_at timestamptz;
ALTER TABLE social_areas ADD COLUMN registered_at timestamptz;

CREATE TABLE plans (
    plan_id              uuid PRIMARY KEY,
    social_area_key      text NOT NULL,
    year                 integer NOT NULL,
    state                text NOT NULL,
    version              integer NOT NULL DEFAULT 0, -- events of the plan reporting has applied
    carried_from_plan_id uuid,
    drafted_at           timestamptz,
    updated_at           timestamptz NOT NULL
);
CREATE INDEX plans_area_year ON plans (social_area_key, year);

CREATE TABLE plan_measures (
    measure_id              uuid PRIMARY KEY,
    plan_id                 uuid NOT NULL,
    social_area_key         text NOT NULL,
    year                    integer NOT NULL,
    title                   text NOT NULL DEFAULT '',
    field_of_action         text NOT NULL,
    responsible_actor_id    uuid,
    cross_cutting_themes    jsonb NOT NULL DEFAULT '[]',
    strategic_goals         jsonb NOT NULL DEFAULT '[]',
    steering_goal_ids       jsonb NOT NULL DEFAULT '[]',
    target_groups           jsonb NOT NULL DEFAULT '[]',
    residential_area_number integer,
    at_community_centre     boolean NOT NULL DEFAULT false,
    starts_on               date,
    ends_on                 date,
    offer_ids               jsonb NOT NULL DEFAULT '[]',
    review_decision         text,
    review_reason           text,
    outcome                 text,
    carried_from            uuid,
    removed                 boolean NOT NULL DEFAULT false,
    added_at                timestamptz NOT NULL,
    updated_at              timestamptz NOT NULL
);
CREATE INDEX plan_measures_plan ON plan_measures (plan_id);

CREATE TABLE plan_hearings (
    plan_id      uuid NOT NULL,
    district_key text NOT NULL,
    closed       boolean NOT NULL DEFAULT false,
    opened_at    timestamptz NOT NULL,
    closed_at    timestamptz,
    PRIMARY KEY (plan_id, district_key)
);

CREATE TABLE council_needs (
    need_id         uuid PRIMARY KEY,
    plan_id         uuid NOT NULL,
    social_area_key text NOT NULL,
    year            integer NOT NULL,
    district_key    text NOT NULL,
    text            text NOT NULL DEFAULT '',
    field_of_action text,
    answer          text,
    measure_id      uuid,
    recorded_at     timestamptz NOT NULL,
    answered_at     timestamptz
);
CREATE INDEX council_needs_plan ON council_needs (plan_id);

-- Standalone needs (planning's NeedRaised …): source, status and where they went.
CREATE TABLE needs (
    need_id                 uuid PRIMARY KEY,
    social_area_key         text NOT NULL,
    source                  text NOT NULL DEFAULT '',
    field_of_action         text NOT NULL DEFAULT '',
    title                   text NOT NULL DEFAULT '',
    residential_area_number integer,
    raised_on               date,
    meeting_id              uuid,
    status                  text NOT NULL DEFAULT 'open',
    plan_id                 uuid,
    measure_id              uuid,
    forwarded_to_actor_id   uuid,
    raised_at               timestamptz,
    updated_at              timestamptz NOT NULL
);

CREATE TABLE steering_goals (
    goal_id          uuid PRIMARY KEY,
    title            text NOT NULL,
    council_decision text NOT NULL,
    valid_from_year  integer NOT NULL,
    valid_until_year integer,
    retired          boolean NOT NULL DEFAULT false,
    updated_at       timestamptz NOT NULL
);

-- Deadlines announced by planning (DeadlineApproaching / DeadlineMissed); whether the step is done follows
-- from the plan's state at query time.
CREATE TABLE deadlines (
    plan_id         uuid NOT NULL,
    social_area_key text NOT NULL,
    year            integer NOT NULL,
    step            text NOT NULL,
    due_on          date NOT NULL,
    missed          boolean NOT NULL DEFAULT false,
    announced_at    timestamptz NOT NULL,
    PRIMARY KEY (plan_id, step, due_on)
);

CREATE TABLE offers (
    offer_id                uuid PRIMARY KEY,
    title                   text NOT NULL DEFAULT '',
    field_of_action         text NOT NULL DEFAULT '',
    cross_cutting_themes    jsonb NOT NULL DEFAULT '[]',
    social_area_key         text NOT NULL DEFAULT '',
    residential_area_number integer,
    withdrawn               boolean NOT NULL DEFAULT false,
    merged_into             uuid,
    updated_at              timestamptz NOT NULL
);

-- Stadtteilkonferenzen (and other meetings of a Sozialraum) from invitations' events.
CREATE TABLE meetings (
    meeting_id       uuid PRIMARY KEY,
    kind             text NOT NULL DEFAULT '',
    social_area_key  text,
    title            text NOT NULL DEFAULT '',         -- MeetingScheduled
    display_title    text,                             -- ConferenceScheduled (with a local title)
    starts_at        timestamptz,
    ends_at          timestamptz,
    public           boolean NOT NULL DEFAULT false,
    cancelled        boolean NOT NULL DEFAULT false,
    attendance_persons integer,
    attendance_guests  integer,
    updated_at       timestamptz NOT NULL
);

-- Mid-year reviews and evaluations delivered to the steering committee and the district councils
-- (announced as EvaluationDistributed). ``distributed_at`` is the time of planning's event.
CREATE TABLE distributions (
    plan_id         uuid NOT NULL,
    kind            text NOT NULL, -- mid_year_review / evaluation
    social_area_key text NOT NULL,
    year            integer NOT NULL,
    district_keys   jsonb NOT NULL,
    summary         jsonb NOT NULL,
    distributed_at  timestamptz NOT NULL,
    PRIMARY KEY (plan_id, kind)
);
