import { Priority } from "@kopru/contracts/common/v1/vocabulary";
import { FollowUpStage } from "@kopru/contracts/referral/v1/referral";
import { type AnsweredPriority, isKnownPriority } from "./deadlines.js";

const DAY_MS = 24 * 3_600_000;

/**
 * How long an accepted referral has to be completed (or reported not completed), by priority, and
 * when its assignee is reminded: once `reminderAtPercent` of that time has passed.
 */
export interface FollowUpPolicy {
  readonly completeWithinMs: Readonly<Record<AnsweredPriority, number>>;
  /** 1–99: the share of the follow-up time after which the reminder goes out. */
  readonly reminderAtPercent: number;
}

/** The network's defaults (each receiving service may set its own by environment). */
export const DEFAULT_FOLLOW_UP_POLICY: FollowUpPolicy = Object.freeze({
  completeWithinMs: Object.freeze({
    [Priority.PRIORITY_EMERGENCY]: 7 * DAY_MS,
    [Priority.PRIORITY_HIGH]: 30 * DAY_MS,
    [Priority.PRIORITY_NORMAL]: 90 * DAY_MS,
  }),
  reminderAtPercent: 80,
});

/** The follow-up deadline and its reminder, counted from acceptance (exact elapsed time). */
export function followUpSchedule(
  policy: FollowUpPolicy,
  priority: Priority,
  acceptedAt: Date,
): { dueAt: Date; remindAt: Date } | undefined {
  if (!isKnownPriority(priority)) return undefined;
  const within = policy.completeWithinMs[priority];
  const share = Math.min(99, Math.max(1, policy.reminderAtPercent)) / 100;
  return {
    dueAt: new Date(acceptedAt.getTime() + within),
    remindAt: new Date(acceptedAt.getTime() + Math.floor(within * share)),
  };
}

/** Stages in which the follow-up clock runs (the referral is accepted and still open). */
export function isFollowUpRunning(stage: FollowUpStage): boolean {
  return (
    stage === FollowUpStage.FOLLOW_UP_STAGE_PENDING ||
    stage === FollowUpStage.FOLLOW_UP_STAGE_REMINDED ||
    stage === FollowUpStage.FOLLOW_UP_STAGE_OVERDUE
  );
}

/** Stage after the reminder timer fired; undefined when nothing changes (already reminded, overdue or done). */
export function stageAfterReminder(stage: FollowUpStage): FollowUpStage | undefined {
  return stage === FollowUpStage.FOLLOW_UP_STAGE_PENDING ? FollowUpStage.FOLLOW_UP_STAGE_REMINDED : undefined;
}

/** Stage after the deadline passed; undefined when nothing changes (already overdue, or done). */
export function stageAfterDeadline(stage: FollowUpStage): FollowUpStage | undefined {
  return stage === FollowUpStage.FOLLOW_UP_STAGE_PENDING || stage === FollowUpStage.FOLLOW_UP_STAGE_REMINDED
    ? FollowUpStage.FOLLOW_UP_STAGE_OVERDUE
    : undefined;
}
