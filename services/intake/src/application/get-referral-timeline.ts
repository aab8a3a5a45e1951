import type {
  GetReferralTimelineRequest,
  GetReferralTimelineResponse,
} from "@kopru/contracts/intake/v1/intake_service";
import { referralStore, referralView, transitionView } from "@kopru/referral";
import type { Sql } from "@kopru/storage";
import { chainTimeline, type Timeline } from "../domain/chain.js";
import { ownReferral } from "./get-referral.js";
import type { Caller, IntakeDeps } from "./ports.js";

/**
 * The history of a referral the caller's organisation made; with `include_chain`, of its whole chain:
 * intake's own referrals (re-routes included) with every transition, and the redirects and onward
 * referrals between other partners from their PII-free status events — so the referrer sees, for
 * instance, that the MMCC it referred to sent the person on to ECM and that ECM completed with cash.
 */
export async function getReferralTimeline(
  deps: IntakeDeps,
  caller: Caller,
  request: GetReferralTimelineRequest,
): Promise<GetReferralTimelineResponse> {
  // Every referral of the timeline counts as read: audited in the read's transaction.
  return deps.db.transaction(async (sql) => {
    const referral = await ownReferral(sql, request.referralId, caller.organisationId);
    const ids = request.includeChain
      ? await deps.repos.referrals.ownInChain(sql, referral.rootReferralId, caller.organisationId)
      : [];
    const own = await ownTimeline(
      sql,
      ids.includes(referral.referralId) ? ids : [...ids, referral.referralId],
    );
    await referralStore.auditList(sql, {
      referralIds: own.referrals.map((r) => r.referralId),
      action: "read-timeline",
      organisationId: caller.organisationId,
      actorId: caller.actor.actorId || undefined,
      token: caller.token,
      filter: { referralId: referral.referralId, includeChain: request.includeChain || undefined },
    });
    if (!request.includeChain) return own;
    return chainTimeline(own, await deps.repos.referrals.chainEvents(sql, referral.rootReferralId));
  });
}

async function ownTimeline(sql: Sql, referralIds: readonly string[]): Promise<Timeline> {
  const timeline: Timeline = { referrals: [], transitions: [] };
  for (const id of referralIds) {
    const record = await referralStore.find(sql, id, "referrer");
    if (!record) continue;
    timeline.referrals.push(referralView(record));
    const transitions = await referralStore.transitions(sql, id, "referrer");
    timeline.transitions.push(...transitions.map((t) => transitionView(id, t)));
  }
  return timeline;
}
