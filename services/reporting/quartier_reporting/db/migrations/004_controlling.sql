-- Controlling (issue 8): the providers' target agreements (Zielvereinbarungen) and activity reports
-- (Sachberichte) from planning, the social data of each Sozialraum from the registry, and the measure →
-- agreement link. Built only from events; no foreign keys (events of different topics arrive in any order).
-- Every table here is listed in quartier_reporting.db.read_models.TABLES (rebuilt by replay, swapped in).

ALTER TABLE plan_measures ADD COLUMN agreement_id uuid;

-- AgreementConcluded / AgreementChanged: the agreement as it is now.
CREATE TABLE agreements (
    agreement_id           uuid PRIMARY KEY,
    year                   integer NOT NULL,
    social_area_keys       jsonb NOT NULL DEFAULT '[]',
    provider_actor_id      uuid NOT NULL,
    field_of_action        text NOT NULL DEFAULT '',
    title                  text NOT NULL DEFAULT '',
    targets                jsonb NOT NULL DEFAULT '[]', -- [{target_id, indicator, target_value, unit}]
    strategic_goals        jsonb NOT NULL DEFAULT '[]',
    steering_goal_ids      jsonb NOT NULL DEFAULT '[]',
    responsible_department text NOT NULL DEFAULT '',
    mid_year_report_due    date,
    year_end_report_due    date,
    version                integer NOT NULL DEFAULT 1,
    updated_at             timestamptz NOT NULL
);
CREATE INDEX agreements_year ON agreements (year);

-- ActivityReportSubmitted: the latest report per agreement and period replaces the earlier one.
CREATE TABLE agreement_reports (
    agreement_id uuid NOT NULL,
    period       text NOT NULL, -- mid_year / year_end
    delivered_on date NOT NULL,
    due_on       date NOT NULL,
    late         boolean NOT NULL DEFAULT false,
    reached      jsonb NOT NULL DEFAULT '[]', -- [{target_id, indicator, target_value, value, unit}]
    narrative    text NOT NULL DEFAULT '',
    submitted_at timestamptz NOT NULL,
    PRIMARY KEY (agreement_id, period)
);

-- SocialDataImported: a full snapshot per Sozialraum and year (the area's rows of that year are replaced).
-- residential_area_number 0 = the Sozialraum itself, otherwise the Wohnbereich's number.
CREATE TABLE social_data (
    social_area_key         text NOT NULL,
    year                    integer NOT NULL,
    residential_area_number integer NOT NULL DEFAULT 0,
    indicator               text NOT NULL,
    value                   double precision NOT NULL,
    unit                    text NOT NULL DEFAULT '',
    source                  text NOT NULL DEFAULT '',
    as_of                   date,
    import_id               uuid NOT NULL,
    imported_at             timestamptz NOT NULL,
    PRIMARY KEY (social_area_key, year, residential_area_number, indicator)
);
