import { appendToOutbox } from "@kopru/bus";
import { CancelReason } from "@kopru/contracts/common/v1/vocabulary";
import type {
  WithdrawConsentRequest,
  WithdrawConsentResponse,
} from "@kopru/contracts/intake/v1/intake_service";
import { EVENTS } from "@kopru/events";
import { referralStore } from "@kopru/referral";
import { isTerminal } from "@kopru/referral/domain";
import { InvalidArgumentError } from "@kopru/service-kit";
import type { Sql } from "@kopru/storage";
import { ownBeneficiary, ownConsent } from "./load.js";
import type { Caller, IntakeDeps } from "./ports.js";
import { CLOCK_SKEW_MS } from "./record-consent.js";
import { consentView } from "./views.js";

/**
 * Withdraws a consent. Every organisation holding data shared under it — the targets of the referrals
 * the caller's organisation made under it, and of the redirects and onward referrals further down
 * those chains — gets its own ConsentWithdrawn (addressed to it, naming only its referrals). With
 * `cancel_open_referrals`, the organisation's open referrals under the consent are also cancelled
 * (reason CONSENT_WITHDRAWN). The policy chosen travels to every holder (cancel all its open
 * referrals, or let accepted work finish under the stated lawful basis); each records the withdrawal,
 * restricts what it holds and acknowledges (ConsentWithdrawalRecorded, see GetBeneficiary). All in one
 * transaction; a repeated call answers the same and sends nothing again.
 */
export async function withdrawConsent(
  deps: IntakeDeps,
  caller: Caller,
  request: WithdrawConsentRequest,
): Promise<WithdrawConsentResponse> {
  const now = deps.clock.now();
  const withdrawnAt = request.withdrawnAt ?? now;
  if (withdrawnAt.getTime() > now.getTime() + CLOCK_SKEW_MS) {
    throw new InvalidArgumentError([{ field: "withdrawn_at", description: "must not be in the future" }]);
  }
  const { response, changed } = await deps.db.transaction(async (tx) => {
    const consent = await ownConsent(deps, tx, request.consentId, caller.organisationId, { lock: "update" });
    if (consent.withdrawnAt) {
      return {
        changed: false,
        response: {
          consent: consentView(consent),
          notifiedOrganisationIds: consent.withdrawalNotifiedOrganisationIds,
          cancelledReferralIds: consent.withdrawalCancelledReferralIds,
        },
      };
    }
    if (withdrawnAt.getTime() < (consent.recordedAt?.getTime() ?? 0)) {
      throw new InvalidArgumentError([
        { field: "withdrawn_at", description: "must not be before the consent was recorded" },
      ]);
    }
    const person = await ownBeneficiary(deps, tx, consent.beneficiaryId, caller.organisationId);
    const own = await sentUnderConsent(deps, tx, consent.consentId, caller.organisationId);
    const holders = await holdersOf(deps, tx, own);
    const producer = { organisationId: caller.organisationId, service: "intake" };
    for (const [holder, referralIds] of holders) {
      await appendToOutbox(tx, producer, {
        definition: EVENTS.consentWithdrawn,
        payload: {
          consentId: consent.consentId,
          beneficiaryRef: person.beneficiaryRef,
          organisationIds: [holder],
          referralIds,
          reason: request.reason,
          withdrawnAt,
          policy: request.policy,
          continuingBasis: request.continuingBasis,
          referrerOrganisationId: caller.organisationId,
        },
        // One self-contained fact per holder: its consumer never waits for a predecessor.
        aggregate: { type: "consent-withdrawal", id: consent.consentId, sequence: 1 },
        correlationId: consent.consentId,
        occurredAt: now,
      });
    }
    const cancelled: string[] = [];
    if (request.cancelOpenReferrals) {
      for (const referral of own) {
        if (isTerminal(referral.status) || referral.cancellationRequestedAt) continue;
        await deps.lifecycle.requestCancellation(tx, {
          referralId: referral.referralId,
          scope: [caller.organisationId],
          cancelReason: CancelReason.CANCEL_REASON_CONSENT_WITHDRAWN,
          acting: caller.acting,
        });
        cancelled.push(referral.referralId);
      }
    }
    const notified = [...holders.keys()];
    await deps.repos.consents.markWithdrawn(tx, consent.consentId, {
      at: withdrawnAt,
      reason: request.reason,
      notifiedOrganisationIds: notified,
      cancelledReferralIds: cancelled,
    });
    await deps.repos.audit.record(tx, {
      organisationId: caller.organisationId,
      actor: caller.actor,
      token: caller.token,
      action: "withdraw",
      entityType: "consent",
      entityId: consent.consentId,
    });
    return {
      changed: true,
      response: {
        consent: consentView({ ...consent, withdrawnAt, withdrawalReason: request.reason }),
        notifiedOrganisationIds: notified,
        cancelledReferralIds: cancelled,
      },
    };
  });
  if (changed) deps.afterCommit();
  return response;
}

async function sentUnderConsent(deps: IntakeDeps, tx: Sql, consentId: string, organisationId: string) {
  const ids = await deps.repos.referrals.sentUnderConsent(tx, consentId, organisationId);
  const records = await Promise.all(
    ids.map((id) => referralStore.find(tx, id, "referrer", { forUpdate: true })),
  );
  return records.filter((r) => r !== undefined);
}

/**
 * Holder organisation → the referrals through which it received data under the consent: the targets
 * of intake's own referrals, and every target further down their chains (from the status events).
 */
async function holdersOf(
  deps: IntakeDeps,
  tx: Sql,
  own: readonly { referralId: string; rootReferralId: string; targetOrganisationId: string }[],
): Promise<Map<string, string[]>> {
  const held = new Map<string, Set<string>>();
  const add = (organisationId: string, referralId: string) => {
    if (!organisationId) return;
    held.set(organisationId, (held.get(organisationId) ?? new Set()).add(referralId));
  };
  for (const referral of own) add(referral.targetOrganisationId, referral.referralId);
  for (const root of new Set(own.map((r) => r.rootReferralId))) {
    for (const event of await deps.repos.referrals.chainEvents(tx, root)) {
      add(event.targetOrganisationId, event.referralId);
    }
  }
  return new Map(
    [...held.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([organisationId, ids]) => [organisationId, [...ids].sort()]),
  );
}
