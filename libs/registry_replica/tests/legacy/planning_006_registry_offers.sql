-- The offers of the registry's directory, as far as planning needs them: whether an offer a measure points to
-- exists and is still in the directory. Built only from the registry's offer events; like the other copy
-- tables no foreign keys, and ``updated_at`` (event time) only moves forward. A withdrawal is final.
CREATE TABLE registry_offers (
    id          uuid PRIMARY KEY,
    withdrawn   boolean NOT NULL DEFAULT false,
    merged_into uuid,
    updated_at  timestamptz NOT NULL
);
