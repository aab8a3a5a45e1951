-- The community-centre service's own model (the referral, bus, timer and directory tables come from
-- the libraries' migrations, applied first). Centres and activities hold no personal data; enrolments
-- and attendance are personal data (linked to a person by participant_ref). Every row belongs to one
-- organisation (tenant); writes and roster reads always filter by it.

CREATE TABLE centres (
  centre_id uuid PRIMARY KEY,
  organisation_id text NOT NULL,
  name text NOT NULL,
  province_code text NOT NULL,
  province_name text,
  district_code text NOT NULL DEFAULT '',
  district_name text,
  languages text[] NOT NULL DEFAULT '{}',
  active boolean NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX centres_organisation ON centres (organisation_id);

-- Courses and activities. seats_taken counts ENROLLED enrolments and never exceeds capacity.
CREATE TABLE activities (
  activity_id uuid PRIMARY KEY,
  centre_id uuid NOT NULL REFERENCES centres (centre_id),
  organisation_id text NOT NULL,
  title text NOT NULL,
  -- kopru.communitycentre.v1.ActivityKind / kopru.common.v1.ServiceType / ActivityStatus codes.
  kind integer NOT NULL CHECK (kind > 0),
  service_type integer NOT NULL CHECK (service_type > 0),
  language text NOT NULL,
  level text,
  capacity integer NOT NULL CHECK (capacity > 0),
  seats_taken integer NOT NULL DEFAULT 0,
  first_session_at timestamptz NOT NULL,
  last_session_at timestamptz,
  days integer[] NOT NULL CHECK (cardinality(days) > 0),
  start_time text NOT NULL CHECK (start_time ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'),
  session_minutes integer NOT NULL CHECK (session_minutes > 0),
  time_zone text NOT NULL,
  total_sessions integer CHECK (total_sessions > 0),
  min_age integer CHECK (min_age >= 0),
  max_age integer CHECK (max_age >= 0),
  sexes integer[] NOT NULL DEFAULT '{}',
  status integer NOT NULL CHECK (status BETWEEN 1 AND 4),
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  -- Sequence of the last event published about this activity (aggregate "community-activity").
  event_sequence integer NOT NULL DEFAULT 0 CHECK (event_sequence >= 0),
  CHECK (seats_taken >= 0 AND seats_taken <= capacity),
  CHECK (min_age IS NULL OR max_age IS NULL OR min_age <= max_age),
  CHECK (last_session_at IS NULL OR last_session_at >= first_session_at)
);
CREATE INDEX activities_listing ON activities (status, first_session_at);
CREATE INDEX activities_centre ON activities (centre_id);

-- A referred person's seat in an activity (from an accepted referral received by the organisation).
CREATE TABLE enrolments (
  enrolment_id uuid PRIMARY KEY,
  activity_id uuid NOT NULL REFERENCES activities (activity_id),
  centre_id uuid NOT NULL REFERENCES centres (centre_id),
  organisation_id text NOT NULL,
  referral_id uuid NOT NULL,
  -- Pseudonymous person id from the referral package (beneficiary_ref).
  participant_ref text NOT NULL CHECK (participant_ref <> ''),
  -- kopru.communitycentre.v1.EnrolmentStatus: 1 ENROLLED, 2 COMPLETED, 3 DROPPED_OUT.
  status integer NOT NULL CHECK (status BETWEEN 1 AND 3),
  enrolled_at timestamptz NOT NULL,
  ended_at timestamptz,
  certificate_issued boolean NOT NULL DEFAULT false,
  CHECK ((status = 1) = (ended_at IS NULL)),
  CHECK (NOT certificate_issued OR status = 2)
);
-- One current seat per referral, and one per person in an activity.
CREATE UNIQUE INDEX enrolments_one_per_referral ON enrolments (referral_id) WHERE status = 1;
CREATE UNIQUE INDEX enrolments_one_per_person ON enrolments (activity_id, participant_ref) WHERE status = 1;
CREATE INDEX enrolments_roster ON enrolments (activity_id, enrolled_at);

-- One participant's attendance at one session. Recording a session again replaces its marks.
CREATE TABLE attendance (
  activity_id uuid NOT NULL REFERENCES activities (activity_id),
  session_at timestamptz NOT NULL,
  enrolment_id uuid NOT NULL REFERENCES enrolments (enrolment_id),
  -- kopru.communitycentre.v1.AttendanceStatus: 1 PRESENT, 2 ABSENT, 3 EXCUSED.
  status integer NOT NULL CHECK (status BETWEEN 1 AND 3),
  recorded_at timestamptz NOT NULL,
  recorded_by text,
  PRIMARY KEY (activity_id, session_at, enrolment_id)
);
CREATE INDEX attendance_enrolment ON attendance (enrolment_id);

-- Idempotency of create-type commands (request_id), per organisation.
CREATE TABLE community_centre_requests (
  organisation_id text NOT NULL,
  request_id uuid NOT NULL,
  command text NOT NULL,
  entity_id uuid NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (organisation_id, request_id)
);

-- Append-only audit of every read and change of personal data (enrolments, attendance).
CREATE TABLE community_centre_audit (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL,
  organisation_id text NOT NULL,
  actor_id text,
  action text NOT NULL,
  entity text NOT NULL,
  entity_id uuid NOT NULL
);
CREATE RULE community_centre_audit_no_update AS ON UPDATE TO community_centre_audit DO INSTEAD NOTHING;
CREATE RULE community_centre_audit_no_delete AS ON DELETE TO community_centre_audit DO INSTEAD NOTHING;
