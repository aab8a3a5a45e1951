import {
  auditCaller,
  type EndedWork,
  type ReferralEndedAfterAcceptance,
  systemCaller,
} from "@kopru/casework";
import { EnrolmentStatus } from "@kopru/contracts/communitycentre/v1/activity";
import type { Sql } from "@kopru/storage";
import { freeSeat } from "../domain/index.js";
import type { CentreDeps } from "./ports.js";

/**
 * The community centre's reaction to an accepted referral ending late (cancelled, consent withdrawn or
 * expired), inside the transaction that ended it: the person's current enrolment is WITHDRAWN and its
 * seat freed (ActivityCapacityChanged), so the next person on the list can take it. A referral with no
 * seat yet frees nothing. The referral is locked already here (it was just cancelled), then the
 * activity and the enrolment: a concurrent CompleteEnrolment may deadlock with it, and the losing
 * transaction is retried (the consumer retries; the staff call answers an error to repeat).
 */
export async function withdrawEnrolmentForReferral(
  deps: Pick<CentreDeps, "enrolments" | "activities" | "events" | "audit">,
  tx: Sql,
  ended: ReferralEndedAfterAcceptance,
): Promise<EndedWork[]> {
  const found = await deps.enrolments.currentForReferral(tx, ended.organisationId, ended.referralId);
  if (!found) return [];
  const activity = await deps.activities.find(tx, found.activityId, { forUpdate: true });
  const current = await deps.enrolments.find(tx, ended.organisationId, found.enrolmentId, {
    forUpdate: true,
  });
  if (!activity || current?.status !== EnrolmentStatus.ENROLMENT_STATUS_ENROLLED) return [];
  await deps.enrolments.save(tx, {
    ...current,
    status: EnrolmentStatus.ENROLMENT_STATUS_WITHDRAWN,
    endedAt: ended.at,
    certificateIssued: false,
  });
  const next = { ...freeSeat(activity), updatedAt: ended.at, eventSequence: activity.eventSequence + 1 };
  await deps.activities.save(tx, next);
  await deps.events.capacityChanged(tx, next, ended.at);
  await deps.audit.record(tx, {
    at: ended.at,
    ...auditCaller(systemCaller(ended.organisationId)),
    action: "withdraw-enrolment",
    entity: "enrolment",
    entityId: current.enrolmentId,
    subjectId: ended.referralId,
  });
  return [{ caseId: current.enrolmentId, holderActorId: undefined, closed: true }];
}
