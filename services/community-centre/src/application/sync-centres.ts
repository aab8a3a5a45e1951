import { ActivityStatus } from "@kopru/contracts/communitycentre/v1/activity";
import { centreProfile, DEFAULT_TIME_ZONE, demoActivities } from "../domain/index.js";
import type { ActivityRecord, CentreDeps } from "./ports.js";

/**
 * At start, idempotently: each hosted organisation's centre (others become inactive) and its demo
 * activities. A demo activity is inserted once and then left to staff; its first capacity is
 * announced like any new activity's.
 */
export async function syncCentres(deps: CentreDeps, hostedOrganisations: readonly string[]): Promise<void> {
  const created = await deps.db.transaction(async (tx) => {
    const now = deps.clock.now();
    let inserted = 0;
    for (const organisationId of hostedOrganisations) {
      const centreId = deps.stableId(`centre:${organisationId}`);
      await deps.centres.upsert(tx, { ...centreProfile(organisationId), centreId, active: true }, now);
      for (const demo of demoActivities(organisationId, now)) {
        const schedule = demo.schedule;
        if (!schedule?.firstSessionAt) continue;
        const activity: ActivityRecord = {
          activityId: deps.stableId(`activity:${organisationId}:${demo.key}`),
          centreId,
          organisationId,
          title: demo.title,
          kind: demo.kind,
          serviceType: demo.serviceType,
          language: demo.language,
          level: demo.level,
          capacity: demo.capacity,
          seatsTaken: 0,
          schedule: {
            ...schedule,
            firstSessionAt: schedule.firstSessionAt,
            days: [...schedule.days],
            timeZone: schedule.timeZone || DEFAULT_TIME_ZONE,
          },
          minAge: demo.minAge,
          maxAge: demo.maxAge,
          sexes: [...demo.sexes],
          status: ActivityStatus.ACTIVITY_STATUS_SCHEDULED,
          createdAt: now,
          updatedAt: now,
          eventSequence: 1,
        };
        if (await deps.activities.insertIfAbsent(tx, activity)) {
          await deps.events.capacityChanged(tx, activity, now);
          inserted += 1;
        }
      }
    }
    await deps.centres.deactivateOthers(tx, hostedOrganisations, now);
    return inserted;
  });
  if (created > 0) deps.afterCommit();
}
