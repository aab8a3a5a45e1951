import type {
  CancelReferralRequest,
  CancelReferralResponse,
} from "@kopru/contracts/intake/v1/intake_service";
import { referralView } from "@kopru/referral";
import { SequenceConflictError, statusName } from "@kopru/referral/domain";
import { ownReferral } from "./get-referral.js";
import type { Caller, IntakeDeps } from "./ports.js";

/**
 * Asks the target to cancel a referral the caller's organisation made (ADR 0005: the target applies
 * it unless the referral already closed, and the status comes back as an event). The internal note
 * stays in intake's database and is never published.
 */
export async function cancelReferral(
  deps: IntakeDeps,
  caller: Caller,
  request: CancelReferralRequest,
): Promise<CancelReferralResponse> {
  const record = await deps.db.transaction(async (tx) => {
    const current = await ownReferral(tx, request.referralId, caller.organisationId, { forUpdate: true });
    if (request.expectedSequence !== undefined && request.expectedSequence !== current.sequence) {
      throw new SequenceConflictError(
        request.expectedSequence,
        current.sequence,
        current.status,
        statusName(current.status),
      );
    }
    const updated = await deps.lifecycle.requestCancellation(tx, {
      referralId: current.referralId,
      scope: [caller.organisationId],
      cancelReason: request.reason,
      acting: caller.acting,
    });
    if (request.internalNote?.trim()) {
      await deps.repos.notes.add(tx, {
        referralId: current.referralId,
        organisationId: caller.organisationId,
        actorId: caller.actor.actorId || undefined,
        kind: "cancellation",
        note: request.internalNote.trim(),
        at: deps.clock.now(),
      });
    }
    return updated;
  });
  deps.afterCommit();
  return { referral: referralView(record) };
}
