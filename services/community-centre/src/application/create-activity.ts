import { ActivityStatus } from "@kopru/contracts/communitycentre/v1/activity";
import { NotFoundError } from "@kopru/service-kit";
import { type ActivityDraft, activityViolations, DEFAULT_TIME_ZONE } from "../domain/index.js";
import type { ActivityRecord, Caller, CentreDeps } from "./ports.js";
import { refuseViolations } from "./shared.js";

/** Creates an activity at one of the caller's centres and announces its capacity. */
export async function createActivity(
  deps: CentreDeps,
  caller: Caller,
  input: { requestId: string; centreId: string; draft: ActivityDraft },
): Promise<ActivityRecord> {
  const { draft } = input;
  refuseViolations(activityViolations(draft));
  const schedule = draft.schedule;
  const firstSessionAt = schedule?.firstSessionAt;
  if (!schedule || !firstSessionAt) throw new Error("a validated activity has a schedule");

  const result = await deps.db.transaction(async (tx) => {
    const now = deps.clock.now();
    const activityId = deps.newId();
    const earlier = await deps.requests.claim(tx, caller, {
      requestId: input.requestId,
      operation: "CreateActivity",
      request: input,
      entityId: activityId,
    });
    if (earlier) {
      const existing = await deps.activities.find(tx, earlier);
      if (!existing) throw new NotFoundError("activity", earlier);
      return { activity: existing, created: false };
    }
    const centre = await deps.centres.find(tx, input.centreId);
    if (!centre || centre.organisationId !== caller.organisationId || !centre.active)
      throw new NotFoundError("centre", input.centreId);
    const activity: ActivityRecord = {
      activityId,
      centreId: centre.centreId,
      organisationId: caller.organisationId,
      title: draft.title.trim(),
      kind: draft.kind,
      serviceType: draft.serviceType,
      language: draft.language,
      level: draft.level || undefined,
      capacity: draft.capacity,
      seatsTaken: 0,
      schedule: {
        firstSessionAt,
        lastSessionAt: schedule.lastSessionAt,
        days: [...schedule.days],
        startTime: schedule.startTime,
        sessionMinutes: schedule.sessionMinutes,
        timeZone: schedule.timeZone || DEFAULT_TIME_ZONE,
        totalSessions: schedule.totalSessions,
      },
      minAge: draft.minAge,
      maxAge: draft.maxAge,
      sexes: [...draft.sexes],
      status: ActivityStatus.ACTIVITY_STATUS_SCHEDULED,
      createdAt: now,
      updatedAt: now,
      eventSequence: 1,
    };
    await deps.activities.insertIfAbsent(tx, activity);
    await deps.events.capacityChanged(tx, activity, now);
    return { activity, created: true };
  });
  if (result.created) deps.afterCommit();
  return result.activity;
}
