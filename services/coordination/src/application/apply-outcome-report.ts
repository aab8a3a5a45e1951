import type { ReceivedEvent } from "@kopru/bus";
import type { ReferralOutcomeReported } from "@kopru/contracts/referral/v1/events";
import type { Sql } from "@kopru/storage";
import { UnusableStatusEventError } from "./apply-status-change.js";
import type { TrackingRepository } from "./ports.js";

/**
 * Keeps the latest outcome report of a referral (PII-free by contract: ids, codes, timestamps).
 * Reports are numbered by the target; the consumer applies them in that order, and a report older
 * than the one kept never replaces it.
 */
export async function applyOutcomeReport(
  tracking: TrackingRepository,
  tx: Sql,
  event: ReceivedEvent<ReferralOutcomeReported>,
): Promise<void> {
  const report = event.payload;
  if (!report.referralId) throw new UnusableStatusEventError(`event ${event.eventId} names no referral`);
  await tracking.applyOutcomeReport(tx, report, event.aggregate.sequence, event.occurredAt);
}
