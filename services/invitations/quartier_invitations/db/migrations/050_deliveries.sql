-- Mails about meetings (invitation, update, cancellation, reminder), one row per person and mail.
-- The unique key makes enqueueing idempotent: a replayed event or a repeated call adds nothing.
CREATE TABLE deliveries (
    id              uuid PRIMARY KEY,
    meeting_id      uuid NOT NULL,
    person_id       uuid NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('invitation', 'update', 'cancellation', 'reminder')),
    sequence        integer NOT NULL CHECK (sequence >= 0),
    recipient_name  text NOT NULL,
    recipient_email text NOT NULL,
    reasons         jsonb NOT NULL DEFAULT '[]'::jsonb,
    -- The meeting as the mail describes it (domain.mail.MailMeeting), so that the sender needs nothing else.
    meeting         jsonb NOT NULL,
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'bounced', 'failed')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    created_at      timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz,
    smtp_code       integer,
    error           text,
    UNIQUE (meeting_id, person_id, kind, sequence)
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_by_meeting ON deliveries (meeting_id, created_at);

-- The current answer of a person to a meeting (the last one given through a signed link).
CREATE TABLE answers (
    meeting_id  uuid NOT NULL,
    person_id   uuid NOT NULL,
    answer      text NOT NULL CHECK (answer IN ('accept', 'decline')),
    answered_at timestamptz NOT NULL,
    delivery_id uuid NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
    PRIMARY KEY (meeting_id, person_id)
);
