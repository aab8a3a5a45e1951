-- Live capacity (PII-free): how many places of each offering are taken, from events only.
--
-- `offering_places` counts the referrals to an offering that hold a place: ACCEPTED or IN_PROGRESS
-- (a place is taken on acceptance and freed when the referral ends), folded from the status
-- events in each referral's sequence. Counts only: never which referral or person.
CREATE TABLE offering_places (
  service_offering_id text PRIMARY KEY,
  places_taken integer NOT NULL DEFAULT 0 CHECK (places_taken >= 0),
  updated_at timestamptz NOT NULL
);

-- The seats of each community-centre activity, from ActivityCapacityChanged (latest wins). An
-- offering of the same organisation and service type counts these seats as its places.
CREATE TABLE activity_seats (
  activity_id text PRIMARY KEY,
  organisation_id text NOT NULL,
  service_type integer NOT NULL,
  capacity integer NOT NULL CHECK (capacity >= 0),
  seats_taken integer NOT NULL CHECK (seats_taken >= 0),
  changed_at timestamptz NOT NULL
);
CREATE INDEX activity_seats_offering ON activity_seats (organisation_id, service_type);
