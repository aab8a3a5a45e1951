import type { PageRequest } from "@kopru/contracts/common/v1/refs";
import { readPage } from "@kopru/referral";
import { type Access, trackingScope } from "../domain/access.js";
import type { CoordinationDeps } from "./deps.js";
import type { Page, TrackedReferralRecord, TrackingFilter } from "./ports.js";

export interface OverdueEntry {
  referral: TrackedReferralRecord;
  overdueSeconds: number;
}

/**
 * Referrals past their answer deadline by the service clock, still REQUESTED or RECEIVED, most
 * overdue first; with `includeExpired`, also EXPIRED ones not yet re-routed. With `followUp`, instead
 * accepted referrals still open past their follow-up deadline (escalated at the target). A caller who is not a
 * coordinator sees only referrals its organisation sent or received.
 */
export async function listOverdueReferrals(
  deps: CoordinationDeps,
  input: {
    filter: TrackingFilter;
    includeExpired: boolean;
    /** Past the follow-up deadline after acceptance instead of the answer deadline. */
    followUp?: boolean | undefined;
    page: PageRequest | undefined;
  },
  access: Access,
): Promise<Page<OverdueEntry> & { offset: number; limit: number }> {
  const now = deps.clock.now();
  const { limit, offset } = readPage(input.page);
  // One snapshot: the total adds folded deadlines to rows, which must not move in between.
  const found = await deps.db.transaction(
    (tx) =>
      deps.tracking.overdue(
        tx,
        { ...input.filter, involving: trackingScope(access) },
        { now, includeExpired: input.includeExpired, followUp: input.followUp ?? false, limit, offset },
      ),
    { isolation: "repeatable read" },
  );
  return {
    items: found.items.map((referral) => ({
      referral,
      overdueSeconds: Math.max(
        0,
        Math.floor(
          (now.getTime() -
            ((input.followUp ? referral.followUpDueAt : undefined) ?? referral.respondBy).getTime()) /
            1000,
        ),
      ),
    })),
    total: found.total,
    offset,
    limit,
  };
}
