-- Planning's copy of the registry moved to the registry replica (libs/registry_replica, migration source
-- "registry_replica"), which is applied before this file and creates the same tables where they are missing.
-- A database migrated before the move keeps its tables and rows; this version stays recorded as applied.
SELECT 1;
