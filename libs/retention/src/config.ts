import { csv, envField, parseDuration } from "@kopru/config";
import { DAY_MS, parsePeriodOverride } from "./policy.js";

/** KVKK's Regulation on Erasure, Destruction or Anonymisation: periodic destruction at most every 6 months. */
export const LONGEST_RUN_INTERVAL_MS = 184 * DAY_MS;
export const SHORTEST_RUN_INTERVAL_MS = DAY_MS;
/** Six months, the legal maximum (182 days: two of them never exceed 184). */
export const DEFAULT_RUN_INTERVAL_MS = 182 * DAY_MS;

/**
 * The retention variables a service that destroys personal data reads; spread them into its env
 * schema (`serviceEnv(port).extend({ ...retentionEnv })`). Which classes and organisations the
 * periods name is checked when the policy is resolved at start (`resolveRetentionPolicy`).
 */
export const retentionEnv = {
  /** How often the destruction run comes round: between `1d` and `184d`; six months by default. */
  RETENTION_RUN_EVERY: envField(
    'expected a duration between "1d" and "184d" (KVKK: at least every six months)',
    (raw) => {
      const ms = parseDuration(raw);
      return ms !== undefined && ms >= SHORTEST_RUN_INTERVAL_MS && ms <= LONGEST_RUN_INTERVAL_MS
        ? ms
        : undefined;
    },
  ).default(DEFAULT_RUN_INTERVAL_MS),
  /**
   * Periods that differ from the classes' defaults, comma-separated: `class=period` for every
   * organisation hosted here, `organisation:class=period` for one (it wins). Periods in days,
   * weeks or years: `90d`, `12w`, `2y`.
   */
  RETENTION_PERIODS: csv(
    envField('expected "[organisation:]data-class=period" with a period such as 90d, 12w or 2y', (raw) =>
      parsePeriodOverride(raw),
    ),
  ).default([]),
};
