-- People whose contact details the registry erased (ContactDetailsErased): a late or replayed
-- ContactDetailsSet must never bring them back. Only the id and when; the person's other facts are
-- erased by PersonErased (directory_persons.erased), which may arrive before or after this.
CREATE TABLE erased_contacts (
    person_id  uuid PRIMARY KEY,
    erased_at  timestamptz NOT NULL
);
