-- The social data of each Sozialraum and Wohnbereich: indicators per year from the statistics office.
-- Aggregated figures only. One current value per (year, level, area, indicator); a re-import that changes
-- a value moves the old one to social_data_history.

CREATE TABLE social_data_imports (
    id          uuid PRIMARY KEY,
    actor       text NOT NULL,
    sha256      text NOT NULL,
    rows        integer NOT NULL,
    created     integer NOT NULL,
    replaced    integer NOT NULL,
    unchanged   integer NOT NULL,
    imported_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE social_data_values (
    year        integer NOT NULL,
    level       text NOT NULL CHECK (level IN ('sozialraum', 'wohnbereich')),
    -- the Sozialraum key or the Wohnbereich number (as text)
    area_key    text NOT NULL,
    indicator   text NOT NULL,
    value       numeric NOT NULL,
    source      text NOT NULL,
    as_of       date NOT NULL,
    import_id   uuid NOT NULL REFERENCES social_data_imports (id),
    PRIMARY KEY (year, level, area_key, indicator)
);
CREATE INDEX social_data_values_area ON social_data_values (level, area_key);

CREATE TABLE social_data_history (
    id          bigserial PRIMARY KEY,
    year        integer NOT NULL,
    level       text NOT NULL,
    area_key    text NOT NULL,
    indicator   text NOT NULL,
    value       numeric NOT NULL,
    source      text NOT NULL,
    as_of       date NOT NULL,
    import_id   uuid NOT NULL REFERENCES social_data_imports (id),
    replaced_by uuid NOT NULL REFERENCES social_data_imports (id),
    replaced_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX social_data_history_slot ON social_data_history (year, level, area_key, indicator);
