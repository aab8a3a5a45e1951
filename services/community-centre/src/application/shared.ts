import { InvalidArgumentError, NotFoundError } from "@kopru/service-kit";
import type { Sql } from "@kopru/storage";
import type { RuleViolation } from "../domain/index.js";
import type { ActivityRecord, Caller, CentreDeps } from "./ports.js";

export function refuseViolations(violations: readonly RuleViolation[]): void {
  if (violations.length > 0) throw new InvalidArgumentError(violations);
}

/** An activity of the caller's organisation; another organisation's answers as unknown. */
export async function ownActivity(
  deps: Pick<CentreDeps, "activities">,
  tx: Sql,
  caller: Caller,
  activityId: string,
  options: { forUpdate?: boolean } = {},
): Promise<ActivityRecord> {
  const activity = await deps.activities.find(tx, activityId, options);
  if (!activity || activity.organisationId !== caller.organisationId)
    throw new NotFoundError("activity", activityId);
  return activity;
}
