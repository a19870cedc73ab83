-- The staff of a commissioned provider (Träger): scoped to the registry actor (organisation) they work for,
-- with no social area and no district. They see their own target agreements and enter their own reports.

ALTER TABLE accounts DROP CONSTRAINT accounts_scope_fits_role;
ALTER TABLE accounts DROP CONSTRAINT IF EXISTS accounts_role_check;
ALTER TABLE accounts ADD CONSTRAINT accounts_role_check
    CHECK (role IN ('admin', 'steering_committee', 'area_coordinator', 'council_member', 'coordination_member',
                    'provider'));
ALTER TABLE accounts ADD CONSTRAINT accounts_scope_fits_role CHECK (
    (role = 'area_coordinator' AND social_area_key IS NOT NULL AND district_key IS NULL AND actor_id IS NULL)
    OR (role = 'council_member' AND district_key IS NOT NULL AND social_area_key IS NULL AND actor_id IS NULL)
    OR (role = 'coordination_member' AND social_area_key IS NOT NULL AND actor_id IS NOT NULL
        AND district_key IS NULL)
    OR (role = 'provider' AND actor_id IS NOT NULL AND social_area_key IS NULL AND district_key IS NULL)
    OR (role IN ('admin', 'steering_committee') AND social_area_key IS NULL AND district_key IS NULL
        AND actor_id IS NULL)
);
