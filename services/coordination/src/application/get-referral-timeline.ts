import { NotFoundError } from "@kopru/service-kit";
import { type Access, trackingScope } from "../domain/access.js";
import type { CoordinationDeps } from "./deps.js";
import type { TrackedReferralRecord, TransitionRecord } from "./ports.js";

function involves(record: TrackedReferralRecord, organisationId: string | undefined): boolean {
  return (
    organisationId === undefined ||
    record.referrerOrganisationId === organisationId ||
    record.targetOrganisationId === organisationId
  );
}

/**
 * The PII-free history of a referral and, with `includeChain`, of every referral of its chain
 * (same root: redirects, onward referrals, re-routes), ordered by time. A caller who is not a
 * coordinator sees only referrals its organisation sent or received; any other answers NOT_FOUND.
 */
export async function getReferralTimeline(
  deps: CoordinationDeps,
  input: { referralId: string; includeChain: boolean },
  access: Access,
): Promise<{ referrals: TrackedReferralRecord[]; transitions: TransitionRecord[] }> {
  const scope = trackingScope(access);
  return deps.db.transaction(
    async (tx) => {
      const referral = await deps.tracking.referral(tx, input.referralId);
      if (!referral || !involves(referral, scope)) throw new NotFoundError("referral", input.referralId);
      const referrals = input.includeChain
        ? (await deps.tracking.chain(tx, referral.rootReferralId)).filter((r) => involves(r, scope))
        : [referral];
      const transitions = await deps.tracking.transitions(
        tx,
        referrals.map((r) => r.referralId),
      );
      return { referrals, transitions };
    },
    { isolation: "repeatable read" },
  );
}
