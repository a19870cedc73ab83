-- Published versions of the Gesamtbericht (annual report): frozen documents, never changed afterwards.
-- Not a read model: a rebuild of the read models leaves this table alone.
CREATE TABLE annual_reports (
    year          integer NOT NULL,
    version       integer NOT NULL CHECK (version >= 1),
    published_at  timestamptz NOT NULL,
    published_by  text NOT NULL,
    figures_hash  text NOT NULL,
    json_document bytea NOT NULL,
    csv_document  bytea NOT NULL,
    pdf_document  bytea NOT NULL,
    PRIMARY KEY (year, version)
);
