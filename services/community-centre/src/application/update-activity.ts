import type { ActivityStatus } from "@kopru/contracts/communitycentre/v1/activity";
import {
  updateActivity as applyUpdate,
  DEFAULT_TIME_ZONE,
  type ScheduleDraft,
  scheduleViolations,
} from "../domain/index.js";
import type { ActivityRecord, Caller, CentreDeps } from "./ports.js";
import { ownActivity, refuseViolations } from "./shared.js";

/**
 * Changes an activity's capacity, schedule or status. A capacity change is announced
 * (ActivityCapacityChanged) so the directory's capacity stays current.
 */
export async function updateActivity(
  deps: CentreDeps,
  caller: Caller,
  input: {
    activityId: string;
    capacity: number | undefined;
    schedule: ScheduleDraft | undefined;
    /** 0 / undefined: unchanged. */
    status: ActivityStatus | undefined;
  },
): Promise<ActivityRecord> {
  if (input.schedule) refuseViolations(scheduleViolations(input.schedule, "schedule"));
  const result = await deps.db.transaction(async (tx) => {
    const found = await ownActivity(deps, tx, caller, input.activityId, { forUpdate: true });
    const now = deps.clock.now();
    let next = applyUpdate(found, { capacity: input.capacity, status: input.status || undefined });
    if (input.schedule?.firstSessionAt) {
      const s = input.schedule;
      next = {
        ...next,
        schedule: {
          firstSessionAt: input.schedule.firstSessionAt,
          lastSessionAt: s.lastSessionAt,
          days: [...s.days],
          startTime: s.startTime,
          sessionMinutes: s.sessionMinutes,
          timeZone: s.timeZone || DEFAULT_TIME_ZONE,
          totalSessions: s.totalSessions,
        },
      };
    }
    const capacityChanged = next.capacity !== found.capacity;
    next = { ...next, updatedAt: now, eventSequence: found.eventSequence + (capacityChanged ? 1 : 0) };
    await deps.activities.save(tx, next);
    if (capacityChanged) await deps.events.capacityChanged(tx, next, now);
    return { activity: next, published: capacityChanged };
  });
  if (result.published) deps.afterCommit();
  return result.activity;
}
