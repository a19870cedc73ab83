-- Deadlines announced (DeadlineApproaching / DeadlineMissed): one row per plan, step, due date and kind,
-- written in the same transaction as the outbox row, so that each deadline is announced exactly once.
CREATE TABLE deadline_announcements (
    plan_id      uuid NOT NULL REFERENCES plans (id),
    step         text NOT NULL,
    due_on       date NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('approaching', 'missed')),
    event_id     uuid NOT NULL,
    announced_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (plan_id, step, due_on, kind)
);
