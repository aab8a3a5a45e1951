import { auditCaller } from "@kopru/casework";
import { ReferralStatus } from "@kopru/contracts/common/v1/vocabulary";
import { EnrolmentStatus } from "@kopru/contracts/communitycentre/v1/activity";
import { NotFoundError } from "@kopru/service-kit";
import { takeSeat } from "../domain/index.js";
import type { ActivityRecord, Caller, CentreDeps, EnrolmentRecord } from "./ports.js";
import { ownActivity } from "./shared.js";

/**
 * Gives the person of an accepted referral a seat in one of the organisation's activities, in one
 * transaction: the enrolment, the seat, the referral moved to IN_PROGRESS, and the events
 * (EnrolmentCreated, ActivityCapacityChanged, ReferralStatusChanged). A full activity refuses
 * (activity_full); staff then choose another activity or put the referral on hold in the inbox.
 */
export async function enrolParticipant(
  deps: CentreDeps,
  caller: Caller,
  input: { requestId: string; activityId: string; referralId: string },
): Promise<{ enrolment: EnrolmentRecord; activity: ActivityRecord }> {
  const result = await deps.db.transaction(async (tx) => {
    const now = deps.clock.now();
    const enrolmentId = deps.newId();
    const earlier = await deps.requests.claim(tx, caller, {
      requestId: input.requestId,
      operation: "EnrolParticipant",
      request: input,
      entityId: enrolmentId,
    });
    if (earlier) {
      const enrolment = await deps.enrolments.find(tx, caller.organisationId, earlier);
      if (!enrolment) throw new NotFoundError("enrolment", earlier);
      const activity = await ownActivity(deps, tx, caller, enrolment.activityId);
      return { enrolment, activity, created: false };
    }

    // Lock order everywhere: activity, then referral.
    const activity = await ownActivity(deps, tx, caller, input.activityId, { forUpdate: true });
    const referral = await deps.referrals.find(tx, caller.organisationId, input.referralId, {
      forUpdate: true,
    });
    if (!referral) throw new NotFoundError("referral", input.referralId);
    const seated = takeSeat(activity, referral);

    const enrolment: EnrolmentRecord = {
      enrolmentId,
      activityId: activity.activityId,
      centreId: activity.centreId,
      organisationId: caller.organisationId,
      referralId: referral.referralId,
      participantRef: referral.beneficiaryRef,
      status: EnrolmentStatus.ENROLMENT_STATUS_ENROLLED,
      enrolledAt: now,
      endedAt: undefined,
      certificateIssued: false,
      sessionsAttended: 0,
      sessionsHeld: 0,
    };
    const next: ActivityRecord = { ...seated, updatedAt: now, eventSequence: activity.eventSequence + 1 };
    await deps.enrolments.insert(tx, enrolment);
    await deps.activities.save(tx, next);
    if (referral.status === ReferralStatus.REFERRAL_STATUS_ACCEPTED)
      await deps.progress.start(tx, caller, referral.referralId);
    await deps.audit.record(tx, {
      at: now,
      ...auditCaller(caller),
      action: "enrol-participant",
      entity: "enrolment",
      entityId: enrolmentId,
    });
    await deps.events.enrolmentCreated(tx, enrolment, next, referral.disaggregation);
    await deps.events.capacityChanged(tx, next, now);
    return { enrolment, activity: next, created: true };
  });
  if (result.created) deps.afterCommit();
  return { enrolment: result.enrolment, activity: result.activity };
}
