-- The registry's territory and directory are now held in the registry replica (libs/registry_replica, migration
-- source "registry_replica", applied before the service's own migrations), one shape for every service.
-- The rows of the former copies (001_territory.sql, 020_directory.sql) move over unchanged, so the consumer
-- groups keep their offsets and the replica its state; then the former tables go. The contact details
-- (contacts, erased_contacts) are the invitations service's own and stay.
-- registered_at (the registry's order) was not kept here: it stays empty until the territory is announced again.

INSERT INTO registry_districts (key, name, city, updated_at)
    SELECT key, name, city, updated_at FROM territory_districts
    ON CONFLICT (key) DO NOTHING;
INSERT INTO registry_social_areas (key, name, community_centre_name, city, updated_at)
    SELECT key, name, community_centre_name, city, updated_at FROM territory_social_areas
    ON CONFLICT (key) DO NOTHING;
INSERT INTO registry_residential_areas (number, name, district_key, social_area_key, updated_at)
    SELECT number, name, district_key, social_area_key, updated_at FROM territory_residential_areas
    ON CONFLICT (number) DO NOTHING;
INSERT INTO registry_vocabularies (name, terms, updated_at)
    SELECT name, terms, updated_at FROM territory_vocabularies
    ON CONFLICT (name) DO NOTHING;
INSERT INTO registry_actors (id, name, type, social_area_keys, email, withdrawn, updated_at)
    SELECT id, name, type, social_area_keys, email, withdrawn, updated_at FROM directory_actors
    ON CONFLICT (id) DO NOTHING;
INSERT INTO registry_bodies (id, kind, name, display_name, social_area_key, district_key, updated_at)
    SELECT id, kind, name, display_name, social_area_key, district_key, updated_at FROM directory_bodies
    ON CONFLICT (id) DO NOTHING;
INSERT INTO registry_memberships (id, body_id, person_id, role, starts_on, ends_on, is_district_mayor, updated_at)
    SELECT id, body_id, person_id, role, starts_on, ends_on, is_district_mayor, updated_at FROM directory_memberships
    ON CONFLICT (id) DO NOTHING;
INSERT INTO registry_persons (id, actor_id, lives_in_social_area_key, erased, retained_membership_ids, updated_at)
    SELECT id, actor_id, lives_in_social_area_key, erased, retained_membership_ids, updated_at FROM directory_persons
    ON CONFLICT (id) DO NOTHING;

DROP TABLE territory_districts, territory_social_areas, territory_residential_areas, territory_vocabularies;
DROP TABLE directory_actors, directory_bodies, directory_memberships, directory_persons;
