-- Invitee lists: the computed list is derived on every read from the rules and the registry copy; only
-- the manual changes and what was sent are stored, by id (names come from the contacts at read time,
-- so an erasure leaves no name behind here).

-- The manual change of one invitee of one meeting (the latest decision counts; the computed list stays
-- visible beside it). invitee_id is a person id (or, for a removal, an actor id of an institution).
CREATE TABLE invitee_changes (
    meeting_id uuid NOT NULL,
    invitee_id uuid NOT NULL,
    action     text NOT NULL CHECK (action IN ('add', 'remove')),
    reason     text NOT NULL,
    actor      text NOT NULL,
    at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (meeting_id, invitee_id)
);

-- Which mails were queued for whom (invitation, update, cancellation: per sequence; reminder: once,
-- sequence 0). The delivery rows themselves belong to the delivery part.
CREATE TABLE invitee_mails (
    meeting_id uuid NOT NULL,
    invitee_id uuid NOT NULL,
    kind       text NOT NULL CHECK (kind IN ('invitation', 'update', 'cancellation', 'reminder')),
    sequence   integer NOT NULL,
    queued_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (meeting_id, invitee_id, kind, sequence)
);
CREATE INDEX invitee_mails_kind ON invitee_mails (kind, meeting_id);
