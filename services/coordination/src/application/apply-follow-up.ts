import type { ReceivedEvent } from "@kopru/bus";
import type { ReferralFollowUpChanged } from "@kopru/contracts/referral/v1/events";
import type { Sql } from "@kopru/storage";
import { UnusableStatusEventError } from "./apply-status-change.js";
import type { TrackingRepository } from "./ports.js";

/**
 * Keeps the latest follow-up and assignment state of a referral (PII-free by contract: assigned
 * yes/no, never who; the follow-up stage and deadline). Numbered by the target; an older state never
 * replaces a newer one.
 */
export async function applyFollowUp(
  tracking: TrackingRepository,
  tx: Sql,
  event: ReceivedEvent<ReferralFollowUpChanged>,
): Promise<void> {
  const change = event.payload;
  if (!change.referralId) throw new UnusableStatusEventError(`event ${event.eventId} names no referral`);
  await tracking.applyFollowUp(
    tx,
    { ...change, occurredAt: change.occurredAt ?? event.occurredAt },
    event.aggregate.sequence,
  );
}
