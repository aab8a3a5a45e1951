import { duration, integer } from "@kopru/config";
import { Priority } from "@kopru/contracts/common/v1/vocabulary";
import { DEFAULT_FOLLOW_UP_POLICY, type FollowUpPolicy } from "@kopru/referral";

const DAY_MS = 24 * 3_600_000;

/**
 * The follow-up deadlines of a receiving service (time from acceptance to completion, by priority,
 * and when the reminder goes out), as environment variables every receiving service's schema
 * includes: `serviceEnv(port).extend({ ...followUpEnv, … })`.
 */
export const followUpEnv = {
  /** Time from acceptance to completion of an emergency referral (default 7 days). */
  FOLLOW_UP_EMERGENCY: duration().default(7 * DAY_MS),
  /** … of a high-priority referral (default 30 days). */
  FOLLOW_UP_HIGH: duration().default(30 * DAY_MS),
  /** … of a normal referral (default 90 days). */
  FOLLOW_UP_NORMAL: duration().default(90 * DAY_MS),
  /** The assignee is reminded once this share (%) of the follow-up time has passed (default 80). */
  FOLLOW_UP_REMINDER_AT_PERCENT: integer({ min: 1, max: 99 }).default(80),
};

export interface FollowUpConfig {
  FOLLOW_UP_EMERGENCY?: number | undefined;
  FOLLOW_UP_HIGH?: number | undefined;
  FOLLOW_UP_NORMAL?: number | undefined;
  FOLLOW_UP_REMINDER_AT_PERCENT?: number | undefined;
}

/** The policy a service's configuration sets (the network's defaults where it sets none). */
export function followUpPolicyOf(config: FollowUpConfig): FollowUpPolicy {
  const defaults = DEFAULT_FOLLOW_UP_POLICY;
  return {
    completeWithinMs: {
      [Priority.PRIORITY_EMERGENCY]:
        config.FOLLOW_UP_EMERGENCY ?? defaults.completeWithinMs[Priority.PRIORITY_EMERGENCY],
      [Priority.PRIORITY_HIGH]: config.FOLLOW_UP_HIGH ?? defaults.completeWithinMs[Priority.PRIORITY_HIGH],
      [Priority.PRIORITY_NORMAL]:
        config.FOLLOW_UP_NORMAL ?? defaults.completeWithinMs[Priority.PRIORITY_NORMAL],
    },
    reminderAtPercent: config.FOLLOW_UP_REMINDER_AT_PERCENT ?? defaults.reminderAtPercent,
  };
}
