import type { ReceivedEvent } from "@kopru/bus";
import { ReferralStatus } from "@kopru/contracts/common/v1/vocabulary";
import type { ReferralStatusChanged } from "@kopru/contracts/referral/v1/events";
import type { Sql } from "@kopru/storage";
import type { TrackingRepository } from "./ports.js";

/** A status event coordination cannot fold into its read model; the consumer dead-letters it. */
export class UnusableStatusEventError extends Error {
  override readonly name = "UnusableStatusEventError";
}

/**
 * Folds one ReferralStatusChanged into the tracking read model. Runs inside the consumer's inbox
 * transaction, in each referral's sequence; the event is PII-free by contract, and only its ids,
 * codes, timestamps and disaggregation bands are kept.
 */
export async function applyStatusChange(
  tracking: TrackingRepository,
  tx: Sql,
  event: ReceivedEvent<ReferralStatusChanged>,
): Promise<void> {
  const change = event.payload;
  const sequence = change.sequence || event.aggregate.sequence;
  if (!change.referralId) throw new UnusableStatusEventError(`event ${event.eventId} names no referral`);
  if (change.toStatus === ReferralStatus.REFERRAL_STATUS_UNSPECIFIED || change.toStatus < 0) {
    throw new UnusableStatusEventError(`event ${event.eventId} has no to_status`);
  }
  if (!change.referrerOrganisationId || !change.targetOrganisationId) {
    throw new UnusableStatusEventError(`event ${event.eventId} lacks the referrer or target organisation`);
  }
  await tracking.applyStatusChange(
    tx,
    event.eventId,
    { ...change, sequence },
    change.occurredAt ?? event.occurredAt,
  );
}
