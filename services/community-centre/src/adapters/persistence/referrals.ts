import type { Acting, ReferralLifecycle } from "@kopru/referral";
import { actorOf } from "@kopru/service-kit";
import type { Caller, ReferralProgress } from "../../application/ports.js";

/** The shared referral lifecycle, acting for the caller's organisation as the referral's target. */
export function referralProgress(lifecycle: ReferralLifecycle): ReferralProgress {
  const acting = (caller: Caller): Acting => ({
    actor: { party: "target", kind: actorOf(caller).kind, organisationId: caller.organisationId },
    actorId: caller.actorId,
    token:
      caller.subject && caller.clientId
        ? { subject: caller.subject, clientId: caller.clientId, via: caller.via }
        : undefined,
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
