import { InvalidArgumentError, NotFoundError } from "@kopru/service-kit";
import type { Sql } from "@kopru/storage";
import type { RuleViolation } from "../domain/index.js";
import type { ActivityRecord, Caller, CentreDeps } from "./ports.js";

/**
 * Claims a request id for a create-type command. Returns the id of what the first request with this
 * key created (a retry: return that, change nothing), or undefined when this request is the first.
 */
export async function replayOf(
  deps: Pick<CentreDeps, "requests">,
  tx: Sql,
  caller: Caller,
  request: { requestId: string; command: string; entityId: string; at: Date },
): Promise<string | undefined> {
  const claim = await deps.requests.claim(tx, { organisationId: caller.organisationId, ...request });
  if (claim.fresh) return undefined;
  if (claim.command !== request.command)
    throw new InvalidArgumentError([
      { field: "request_id", description: `was already used for ${claim.command}` },
    ]);
  return claim.entityId;
}

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
