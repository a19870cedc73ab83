-- The copy of the registry's offers (registry_offers) moved to the registry replica (libs/registry_replica),
-- which creates it where it is missing. A database migrated before the move keeps its table and rows.
SELECT 1;
