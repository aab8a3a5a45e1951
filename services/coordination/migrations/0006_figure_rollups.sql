-- Figures at scale (ADR 0029): GetReferralFigures reads counters kept per period and dimension
-- value instead of grouping every tracked referral at query time. Counts only, no referral ids.
--
-- Each referral contributes one vector to the figures (its UTC request day, its nine dimension
-- values, which counters it is in, its durations), a function of its tracked state alone. A
-- consumer that changes a referral's state marks it here, in the same transaction; the folder
-- recomputes the marked referrals' contributions, adds (new - last folded) to the cells and keeps
-- the new one in figure_contributions. Queries add the marked referrals' (current - last folded)
-- to the cells, so the figures are current as soon as the tracking row commits.
CREATE TABLE figure_dirty (
  id bigserial PRIMARY KEY,
  referral_id text NOT NULL
);
CREATE INDEX figure_dirty_referral ON figure_dirty (referral_id);

-- The contribution of each referral as last folded into the cells.
CREATE TABLE figure_contributions (
  referral_id text PRIMARY KEY,
  -- UTC day of requested_at.
  day date NOT NULL,
  target_organisation_id text NOT NULL,
  referrer_organisation_id text NOT NULL,
  service_type integer NOT NULL,
  province_code text NOT NULL,
  priority integer NOT NULL,
  sex integer NOT NULL,
  age_band integer NOT NULL,
  disability_status integer NOT NULL,
  nationality text NOT NULL,
  -- One bit per counter (FIGURE_COUNTERS in src/adapters/persistence/figure-rollup.ts).
  flags integer NOT NULL,
  -- The NotCompletedReason of a referral counted as outcome not received.
  not_received_reason integer,
  accept_seconds double precision,
  complete_seconds double precision
);

-- Folded counters per period and dimension value. grain 'd' = the UTC day starting at `period`,
-- 'm' = the UTC month starting at `period` (both kept: a range reads whole months and the days
-- around them). dimension = kopru.coordination.v1.FigureDimension (0 = every referral, key '').
CREATE TABLE figure_cells (
  grain "char" NOT NULL,
  period date NOT NULL,
  dimension smallint NOT NULL,
  key text NOT NULL,
  requested bigint NOT NULL,
  acknowledged bigint NOT NULL,
  accepted bigint NOT NULL,
  declined bigint NOT NULL,
  on_hold bigint NOT NULL,
  completed bigint NOT NULL,
  not_completed bigint NOT NULL,
  cancelled bigint NOT NULL,
  redirected bigint NOT NULL,
  expired bigint NOT NULL,
  open bigint NOT NULL,
  assigned bigint NOT NULL,
  outcome_received bigint NOT NULL,
  outcome_partly_received bigint NOT NULL,
  outcome_not_received bigint NOT NULL,
  PRIMARY KEY (dimension, grain, period, key)
);

-- Folded histograms: metric 1 = seconds to accept, 2 = seconds to complete (bucket = floor of the
-- log base 1.05 of the seconds, -1 below one second; lo/hi bound the values ever added, so a
-- bucket holding one distinct value gives it exactly), 3 = not-received reasons (bucket = reason).
CREATE TABLE figure_durations (
  grain "char" NOT NULL,
  period date NOT NULL,
  dimension smallint NOT NULL,
  key text NOT NULL,
  metric smallint NOT NULL,
  bucket integer NOT NULL,
  n bigint NOT NULL,
  lo double precision,
  hi double precision,
  PRIMARY KEY (dimension, grain, period, key, metric, bucket)
);

-- The overdue list and the live overdue counts: referrals awaiting an answer by deadline already
-- have tracked_referrals_awaiting_answer; these serve the expired ones not yet re-routed.
CREATE INDEX tracked_referrals_rerouted_children ON tracked_referrals (parent_referral_id)
  WHERE origin = 4 AND parent_referral_id IS NOT NULL;

-- Referrals tracked before this migration are folded like any changed referral.
INSERT INTO figure_dirty (referral_id) SELECT referral_id FROM tracked_referrals;
