import { auditCaller, listingDetail } from "@kopru/casework";
import type { EnrolmentStatus } from "@kopru/contracts/communitycentre/v1/activity";
import type { Caller, CentreDeps, EnrolmentRecord, Page } from "./ports.js";
import { ownActivity } from "./shared.js";

/** The roster of one of the caller's activities. Personal data (participant refs): the read is audited. */
export function listEnrolments(
  deps: CentreDeps,
  caller: Caller,
  filter: { activityId: string; statuses: readonly EnrolmentStatus[] } & Page,
): Promise<EnrolmentRecord[]> {
  return deps.db.transaction(async (tx) => {
    await ownActivity(deps, tx, caller, filter.activityId);
    const enrolments = await deps.enrolments.list(tx, filter);
    await deps.audit.record(tx, {
      at: deps.clock.now(),
      ...auditCaller(caller),
      action: "read-roster",
      entity: "activity",
      entityId: filter.activityId,
      detail: listingDetail(enrolments.length, filter),
    });
    return enrolments;
  });
}
