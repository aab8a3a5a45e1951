import { auditCaller } from "@kopru/casework";
import { ReferralStatus } from "@kopru/contracts/common/v1/vocabulary";
import type { EnrolmentStatus } from "@kopru/contracts/communitycentre/v1/activity";
import { NotFoundError } from "@kopru/service-kit";
import { endEnrolment, endingViolations, freeSeat, referralOutcomes } from "../domain/index.js";
import type { Caller, CentreDeps, EnrolmentRecord } from "./ports.js";
import { ownActivity, refuseViolations } from "./shared.js";

/**
 * Ends an enrolment as completed or dropped out, in one transaction: the seat is freed (and
 * announced), and the referral it served, if still in progress, is completed with the matching
 * outcome codes (course completed, or attended in part).
 */
export async function completeEnrolment(
  deps: CentreDeps,
  caller: Caller,
  input: { enrolmentId: string; status: EnrolmentStatus; certificateIssued: boolean },
): Promise<EnrolmentRecord> {
  refuseViolations(endingViolations(input));
  const result = await deps.db.transaction(async (tx) => {
    const found = await deps.enrolments.find(tx, caller.organisationId, input.enrolmentId);
    if (!found) throw new NotFoundError("enrolment", input.enrolmentId);
    // Lock order everywhere: activity, then enrolment, then referral.
    const activity = await ownActivity(deps, tx, caller, found.activityId, { forUpdate: true });
    const current = await deps.enrolments.find(tx, caller.organisationId, input.enrolmentId, {
      forUpdate: true,
    });
    if (!current) throw new NotFoundError("enrolment", input.enrolmentId);
    const now = deps.clock.now();
    const ended = endEnrolment(current, input, now);
    if (!ended.changed) return { enrolment: current, changed: false };

    const next = { ...freeSeat(activity), updatedAt: now, eventSequence: activity.eventSequence + 1 };
    await deps.enrolments.save(tx, ended.enrolment);
    await deps.activities.save(tx, next);
    await deps.events.capacityChanged(tx, next, now);
    const referral = await deps.referrals.find(tx, caller.organisationId, current.referralId, {
      forUpdate: true,
    });
    if (referral?.status === ReferralStatus.REFERRAL_STATUS_IN_PROGRESS)
      await deps.progress.complete(tx, caller, referral.referralId, referralOutcomes(input.status));
    await deps.audit.record(tx, {
      at: now,
      ...auditCaller(caller),
      action: "complete-enrolment",
      entity: "enrolment",
      entityId: current.enrolmentId,
    });
    return { enrolment: ended.enrolment, changed: true };
  });
  if (result.changed) deps.afterCommit();
  return result.enrolment;
}
