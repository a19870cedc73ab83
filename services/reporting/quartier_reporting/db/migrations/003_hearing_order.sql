-- The order in which a plan's hearings were opened (the order of PlanSubmitted.hearing_district_keys).
ALTER TABLE plan_hearings ADD COLUMN position integer NOT NULL DEFAULT 0;
