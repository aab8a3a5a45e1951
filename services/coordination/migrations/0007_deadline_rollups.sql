-- Figures at 1M referrals (ADR 0029, "Deadlines, weeks and all time"): the overdue counts come from
-- the rollup instead of counting the open referrals' rows at every answer, and an answer reads fewer
-- cells (weeks instead of days, one all-time cell instead of one per month).
--
-- A referral's contribution gains the UTC day of its answer deadline while it awaits an answer, and
-- of its follow-up deadline while it is open with the follow-up running. Whether it is overdue
-- depends on the clock; where its deadline falls does not, so it can be folded like any counter.
ALTER TABLE figure_contributions ADD COLUMN answer_due date, ADD COLUMN follow_up_due date;

-- Folded deadlines per request period and dimension value (grain/period/dimension/key as in
-- figure_cells): kind 1 = awaiting an answer due on `due`, 2 = follow-up due on `due`;
-- due_grain 'd' = the UTC day `due`, 'm' = the UTC month starting at `due`. An answer at `now`
-- counts whole months of deadlines before now's month, whole days of it before today, and today's
-- deadlines up to `now` from the rows (the partial indexes on respond_by / follow_up_due_at).
CREATE TABLE figure_deadlines (
  grain "char" NOT NULL,
  period date NOT NULL,
  dimension smallint NOT NULL,
  key text NOT NULL,
  kind smallint NOT NULL,
  due_grain "char" NOT NULL,
  due date NOT NULL,
  n bigint NOT NULL,
  PRIMARY KEY (dimension, grain, period, key, kind, due_grain, due)
);

-- Two more grains of the cells and histograms: 'w' = the week (UTC, from Monday) starting at
-- `period`, so a 30-day range reads about four weeks and a few days instead of 30 days; 'a' = all time
-- (period 0001-01-01), one cell per dimension value. What is folded so far is added up from the
-- days and the months; the folder keeps them from now on.
INSERT INTO figure_cells (grain, period, dimension, key, requested, acknowledged, accepted, declined,
  on_hold, completed, not_completed, cancelled, redirected, expired, open, assigned, outcome_received,
  outcome_partly_received, outcome_not_received)
SELECT g.grain, CASE WHEN g.grain = 'w' THEN date_trunc('week', c.period)::date ELSE DATE '0001-01-01' END,
  c.dimension, c.key, sum(c.requested), sum(c.acknowledged), sum(c.accepted), sum(c.declined),
  sum(c.on_hold), sum(c.completed), sum(c.not_completed), sum(c.cancelled), sum(c.redirected),
  sum(c.expired), sum(c.open), sum(c.assigned), sum(c.outcome_received), sum(c.outcome_partly_received),
  sum(c.outcome_not_received)
FROM figure_cells c JOIN (VALUES ('w'::"char", 'd'::"char"), ('a', 'm')) AS g(grain, source) ON c.grain = g.source
GROUP BY 1, 2, 3, 4;
INSERT INTO figure_durations (grain, period, dimension, key, metric, bucket, n, lo, hi)
SELECT g.grain, CASE WHEN g.grain = 'w' THEN date_trunc('week', c.period)::date ELSE DATE '0001-01-01' END,
  c.dimension, c.key, c.metric, c.bucket, sum(c.n),
  min(c.lo) FILTER (WHERE c.n > 0), max(c.hi) FILTER (WHERE c.n > 0)
FROM figure_durations c JOIN (VALUES ('w'::"char", 'd'::"char"), ('a', 'm')) AS g(grain, source) ON c.grain = g.source
GROUP BY 1, 2, 3, 4, 5, 6;

-- The overdue list of one organisation, in deadline order, without reading other organisations'.
CREATE INDEX tracked_referrals_awaiting_by_target ON tracked_referrals (target_organisation_id, respond_by)
  WHERE status IN (1, 2);
CREATE INDEX tracked_referrals_awaiting_by_referrer ON tracked_referrals (referrer_organisation_id, respond_by)
  WHERE status IN (1, 2);

-- Open referrals folded before this migration get their deadlines folded (their other counters
-- change by nothing: the folder adds the new contribution and subtracts the old).
INSERT INTO figure_dirty (referral_id) SELECT referral_id FROM tracked_referrals WHERE status IN (1, 2, 3, 5, 6);
