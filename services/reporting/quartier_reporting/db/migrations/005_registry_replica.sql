-- Reporting's view of the territory is now the registry replica (libs/registry_replica, migration source
-- "registry_replica", applied before the service's own migrations), in the same shape as planning's and
-- invitations'. The rows of the former tables (001_territory_read_model.sql) move over unchanged, with the
-- registry's order (registered_at), so the consumer group keeps its offsets; then the former tables go.
-- The territory's history (territory_history) is reporting's own and stays.

INSERT INTO registry_districts (key, name, registered_at, updated_at)
    SELECT key, name, registered_at, updated_at FROM districts
    ON CONFLICT (key) DO NOTHING;
INSERT INTO registry_social_areas (key, name, community_centre_name, registered_at, updated_at)
    SELECT key, name, community_centre_name, registered_at, updated_at FROM social_areas
    ON CONFLICT (key) DO NOTHING;
INSERT INTO registry_residential_areas (number, name, district_key, social_area_key, updated_at)
    SELECT number, name, district_key, social_area_key, updated_at FROM residential_areas
    ON CONFLICT (number) DO NOTHING;
INSERT INTO registry_vocabularies (name, terms, updated_at)
    SELECT name, terms, updated_at FROM vocabularies
    ON CONFLICT (name) DO NOTHING;

DROP TABLE districts, social_areas, residential_areas, vocabularies;
