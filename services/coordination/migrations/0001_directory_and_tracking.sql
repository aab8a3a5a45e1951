-- Coordination's own tables: the service directory (authoritative) and the referral tracking
-- read model.
--
-- NO PERSONAL DATA lives here, by construction:
-- * The directory describes organisations and their offerings. Contact channels are
--   organisational (a unit's phone or functional mailbox), never a named person's, and they
--   stay inside the encoded proto; no column holds a name or a contact.
-- * The tracking tables are built ONLY from ReferralStatusChanged events, which are PII-free
--   by contract (ADR 0002): ids, codes, timestamps and disaggregation bands. No beneficiary
--   reference, consent id, actor id, name, document number, contact or free text is ever
--   received, so none can be stored. Do not add a column that could hold one.

-- ---------------------------------------------------------------- directory

-- One row per partner organisation. `organisation` is the full current state as an encoded
-- kopru.coordination.v1.Organisation; the other columns exist to filter on.
CREATE TABLE organisations (
  organisation_id text PRIMARY KEY,
  partner_kind integer NOT NULL,
  active boolean NOT NULL,
  -- ADM1 p-codes of the organisation's locations (ListOrganisations filter).
  province_codes text[] NOT NULL DEFAULT '{}',
  organisation bytea NOT NULL,
  -- Sequence of the last directory event about this organisation (aggregate "organisation").
  version bigint NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX organisations_province_codes ON organisations USING gin (province_codes);

-- One row per service offering. `offering` is the full current state as an encoded
-- kopru.coordination.v1.ServiceOffering. A removed offering keeps its row (history), inactive.
CREATE TABLE service_offerings (
  service_offering_id text PRIMARY KEY,
  organisation_id text NOT NULL REFERENCES organisations (organisation_id),
  service_type integer NOT NULL,
  capacity_status integer NOT NULL,
  active boolean NOT NULL,
  -- ADM1 p-codes of the coverage (search and filters).
  province_codes text[] NOT NULL,
  offering bytea NOT NULL,
  -- Sequence of the last directory event about this offering (aggregate "service-offering").
  version bigint NOT NULL,
  removed_at timestamptz,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX service_offerings_organisation ON service_offerings (organisation_id);
CREATE INDEX service_offerings_routable ON service_offerings (service_type)
  WHERE active AND removed_at IS NULL;

-- ---------------------------------------------------------------- tracking read model

-- One row per referral, folded from its ReferralStatusChanged events (applied in sequence).
-- Only ids, codes, timestamps and disaggregation bands.
CREATE TABLE tracked_referrals (
  referral_id text PRIMARY KEY,
  root_referral_id text NOT NULL,
  parent_referral_id text,
  -- Set by a transition to REDIRECTED: the child referral created for the new target.
  redirect_child_referral_id text,
  origin integer NOT NULL,
  referrer_organisation_id text NOT NULL,
  target_organisation_id text NOT NULL,
  service_offering_id text,
  service_type integer NOT NULL,
  priority integer NOT NULL,
  -- Current status and the sequence of the last transition applied.
  status integer NOT NULL,
  sequence bigint NOT NULL,
  -- Reason codes of the current status (0 = unset) and outcome codes once closed.
  decline_reason integer NOT NULL DEFAULT 0,
  not_completed_reason integer NOT NULL DEFAULT 0,
  cancel_reason integer NOT NULL DEFAULT 0,
  on_hold_reason integer NOT NULL DEFAULT 0,
  redirect_reason integer NOT NULL DEFAULT 0,
  outcome_codes integer[] NOT NULL DEFAULT '{}',
  -- Milestones (first time each was reached).
  requested_at timestamptz NOT NULL,
  respond_by timestamptz NOT NULL,
  received_at timestamptz,
  -- First answer of the target: accepted, declined, put on hold or redirected.
  responded_at timestamptz,
  accepted_at timestamptz,
  started_at timestamptz,
  completed_at timestamptz,
  -- When it reached a terminal status.
  closed_at timestamptz,
  -- Disaggregation bands (kopru.common.v1.Disaggregation), one column each; 0 / '' = unknown.
  sex integer NOT NULL DEFAULT 0,
  age_band integer NOT NULL DEFAULT 0,
  disability_status integer NOT NULL DEFAULT 0,
  nationality text NOT NULL DEFAULT '',
  legal_status integer NOT NULL DEFAULT 0,
  province_code text NOT NULL DEFAULT '',
  district_code text NOT NULL DEFAULT '',
  -- Set when coordination asked the referrer to re-route this referral (RequestReRoute).
  reroute_requested_at timestamptz,
  reroute_reason integer,
  -- occurred_at of the last transition applied.
  updated_at timestamptz NOT NULL
);
CREATE INDEX tracked_referrals_root ON tracked_referrals (root_referral_id);
CREATE INDEX tracked_referrals_parent ON tracked_referrals (parent_referral_id) WHERE parent_referral_id IS NOT NULL;
CREATE INDEX tracked_referrals_requested_at ON tracked_referrals (requested_at);
CREATE INDEX tracked_referrals_awaiting_answer ON tracked_referrals (respond_by) WHERE status IN (1, 2);
CREATE INDEX tracked_referrals_expired ON tracked_referrals (respond_by) WHERE status = 11;
CREATE INDEX tracked_referrals_referrer ON tracked_referrals (referrer_organisation_id);
CREATE INDEX tracked_referrals_target ON tracked_referrals (target_organisation_id);

-- Every status event applied, for timelines: the encoded kopru.referral.v1.ReferralStatusChanged
-- exactly as received (PII-free by contract).
CREATE TABLE tracked_events (
  event_id uuid PRIMARY KEY,
  referral_id text NOT NULL,
  sequence bigint NOT NULL,
  to_status integer NOT NULL,
  occurred_at timestamptz NOT NULL,
  transition bytea NOT NULL,
  UNIQUE (referral_id, sequence)
);
CREATE INDEX tracked_events_occurred_at ON tracked_events (occurred_at);
