-- Members of a Koordinierungsrunde: scoped to one social area and the registry actor (organisation) they
-- represent. Only that role carries an actor id.

ALTER TABLE accounts ADD COLUMN actor_id uuid;

ALTER TABLE accounts DROP CONSTRAINT accounts_scope_fits_role;
ALTER TABLE accounts DROP CONSTRAINT IF EXISTS accounts_role_check;
ALTER TABLE accounts ADD CONSTRAINT accounts_role_check
    CHECK (role IN ('admin', 'steering_committee', 'area_coordinator', 'council_member', 'coordination_member'));
ALTER TABLE accounts ADD CONSTRAINT accounts_scope_fits_role CHECK (
    (role = 'area_coordinator' AND social_area_key IS NOT NULL AND district_key IS NULL AND actor_id IS NULL)
    OR (role = 'council_member' AND district_key IS NOT NULL AND social_area_key IS NULL AND actor_id IS NULL)
    OR (role = 'coordination_member' AND social_area_key IS NOT NULL AND actor_id IS NOT NULL
        AND district_key IS NULL)
    OR (role IN ('admin', 'steering_committee') AND social_area_key IS NULL AND district_key IS NULL
        AND actor_id IS NULL)
);
