import type { ServiceType } from "@kopru/contracts/common/v1/vocabulary";
import type { ActivityKind, ActivityStatus } from "@kopru/contracts/communitycentre/v1/activity";
import { ENROLLING_STATUSES } from "../domain/index.js";
import type { ActivityRecord, CentreDeps, Page } from "./ports.js";

/** Activities with capacity and schedule (no personal data; any partner may list them). */
export function listActivities(
  deps: Pick<CentreDeps, "db" | "activities">,
  filter: {
    centreIds: readonly string[];
    kinds: readonly ActivityKind[];
    serviceTypes: readonly ServiceType[];
    languages: readonly string[];
    withFreeSeatsOnly: boolean;
    /** Empty: the ones taking enrolments (scheduled and running). */
    statuses: readonly ActivityStatus[];
  } & Page,
): Promise<ActivityRecord[]> {
  return deps.activities.list(deps.db, {
    ...filter,
    statuses: filter.statuses.length > 0 ? filter.statuses : ENROLLING_STATUSES,
  });
}
