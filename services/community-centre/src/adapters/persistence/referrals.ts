import { type Acting, type ReferralLifecycle, referralStore } from "@kopru/referral";
import type { Caller, ReceivedReferrals, ReferralProgress } from "../../application/ports.js";

/** Referrals received by one of this service's organisations; another organisation's answer as unknown. */
export const receivedReferrals: ReceivedReferrals = {
  async find(sql, organisationId, referralId, options = {}) {
    const record = await referralStore.find(sql, referralId, "target", options);
    return record && record.targetOrganisationId === organisationId ? record : undefined;
  },
};

/** The shared referral lifecycle, acting for the caller's organisation as the referral's target. */
export function referralProgress(lifecycle: ReferralLifecycle): ReferralProgress {
  const acting = (caller: Caller): Acting => ({
    actor: { party: "target", kind: caller.actorKind, organisationId: caller.organisationId },
    actorId: caller.actorId,
  });
  return {
    async start(sql, caller, referralId) {
      await lifecycle.transition(sql, {
        referralId,
        scope: [caller.organisationId],
        command: { type: "start" },
        acting: acting(caller),
      });
    },
    async complete(sql, caller, referralId, outcomes) {
      await lifecycle.transition(sql, {
        referralId,
        scope: [caller.organisationId],
        command: { type: "complete", outcomes: [...outcomes] },
        acting: acting(caller),
      });
    },
  };
}
