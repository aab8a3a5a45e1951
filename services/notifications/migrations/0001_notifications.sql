-- The notification service's own tables. Everything here is ids, codes and times: notices carry no
-- beneficiary data, and email addresses are asked of the staff directory when a mail is sent, never
-- stored.

-- Every staff notice received, once (a repeat with the same id is dropped). Addressed to one staff
-- member (actor_id) or to everyone holding a role in the organisation (role).
CREATE TABLE notices (
  notice_id uuid PRIMARY KEY,
  organisation_id text NOT NULL,
  actor_id text,
  role text,
  kind integer NOT NULL,
  urgency integer NOT NULL,
  referral_id text,
  case_id text,
  service_type integer NOT NULL DEFAULT 0,
  priority integer NOT NULL DEFAULT 0,
  status integer NOT NULL DEFAULT 0,
  due_at timestamptz,
  occurred_at timestamptz NOT NULL,
  source_service text NOT NULL,
  received_at timestamptz NOT NULL,
  CHECK ((actor_id IS NULL) <> (role IS NULL))
);
CREATE INDEX notices_to_actor ON notices (organisation_id, actor_id, received_at DESC) WHERE actor_id IS NOT NULL;
CREATE INDEX notices_to_role ON notices (organisation_id, role, received_at DESC) WHERE role IS NOT NULL;

-- Who has read what: a role notice is read or unread per person.
CREATE TABLE notice_reads (
  notice_id uuid NOT NULL REFERENCES notices (notice_id),
  actor_id text NOT NULL,
  read_at timestamptz NOT NULL,
  PRIMARY KEY (notice_id, actor_id)
);

-- One staff member's choices; none stored means the defaults (email on, daily digest).
CREATE TABLE notification_preferences (
  actor_id text PRIMARY KEY,
  organisation_id text NOT NULL,
  email_enabled boolean NOT NULL,
  digest_frequency integer NOT NULL,
  updated_at timestamptz NOT NULL
);

-- LOW urgency notices waiting for a staff member's next digest email.
CREATE TABLE digest_items (
  actor_id text NOT NULL,
  notice_id uuid NOT NULL REFERENCES notices (notice_id),
  organisation_id text NOT NULL,
  added_at timestamptz NOT NULL,
  PRIMARY KEY (actor_id, notice_id)
);

-- What was emailed to whom and when: ids only (no address, no content), for audit and support.
CREATE TABLE email_deliveries (
  id bigserial PRIMARY KEY,
  actor_id text NOT NULL,
  organisation_id text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('notice', 'digest')),
  notice_ids uuid[] NOT NULL,
  message_id text,
  sent_at timestamptz NOT NULL
);
CREATE INDEX email_deliveries_actor ON email_deliveries (actor_id, sent_at DESC);
