-- Notices: plain mails about something other than a meeting (a deadline of a Jahresplan, a review or an
-- evaluation delivered to the steering committee and the Bezirksvertretungen), one row per person and notice
-- in the same table, so that the same sender sends them, with the same bounces and retries.
-- A notice row has no meeting: ``notice_key`` names what it is about and ``notice`` holds its content
-- (domain.mail.MailNotice). The partial unique key makes enqueueing idempotent per (notice_key, person_id):
-- a replayed event or a repeated call adds nothing.
ALTER TABLE deliveries ALTER COLUMN meeting_id DROP NOT NULL;
ALTER TABLE deliveries ALTER COLUMN meeting DROP NOT NULL;
ALTER TABLE deliveries ADD COLUMN notice_key text;
ALTER TABLE deliveries ADD COLUMN notice jsonb;
ALTER TABLE deliveries DROP CONSTRAINT deliveries_kind_check;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_kind_check
    CHECK (kind IN ('invitation', 'update', 'cancellation', 'reminder', 'notice'));
ALTER TABLE deliveries ADD CONSTRAINT deliveries_meeting_or_notice CHECK (
    CASE WHEN kind = 'notice'
         THEN meeting_id IS NULL AND meeting IS NULL AND notice_key IS NOT NULL AND notice IS NOT NULL
         ELSE meeting_id IS NOT NULL AND meeting IS NOT NULL AND notice_key IS NULL AND notice IS NULL
    END
);
CREATE UNIQUE INDEX deliveries_notice_once ON deliveries (notice_key, person_id) WHERE notice_key IS NOT NULL;
