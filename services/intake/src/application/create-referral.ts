import { ReferralOrigin } from "@kopru/contracts/common/v1/vocabulary";
import type {
  CreateReferralRequest,
  CreateReferralResponse,
} from "@kopru/contracts/intake/v1/intake_service";
import { referralView } from "@kopru/referral";
import { liveBeneficiary, ownConsent } from "./load.js";
import type { Caller, IntakeDeps } from "./ports.js";
import { claimReferralRequest, routingOf, sendReferral } from "./send-referral.js";

/**
 * Creates and sends a referral for a person the caller's organisation registered, under one of its
 * consents, to a named target or the best candidate of the directory replica. One transaction: the
 * idempotency key, the referral and its events commit together or not at all. A retry with the same
 * request_id returns the first referral.
 */
export async function createReferral(
  deps: IntakeDeps,
  caller: Caller,
  request: CreateReferralRequest,
): Promise<CreateReferralResponse> {
  const { record, created } = await deps.db.transaction(async (tx) => {
    // Locked like UpdateContactDetails does: the package carries the contact details as they are, and a
    // later update sees this referral.
    const person = await liveBeneficiary(deps, tx, request.beneficiaryId, caller.organisationId, {
      forUpdate: true,
    });
    const claim = await claimReferralRequest(
      tx,
      caller.organisationId,
      request.requestId,
      (first) => first.beneficiaryRef === person.beneficiaryRef,
    );
    if (claim.first) return { record: claim.first, created: false };
    const consent = await ownConsent(deps, tx, request.consentId, caller.organisationId, {
      beneficiaryId: person.beneficiaryId,
      lock: "share",
    });
    const sent = await sendReferral(tx, deps, {
      referralId: claim.referralId,
      caller,
      person,
      consent,
      screening: await deps.repos.screenings.latest(tx, person.beneficiaryId),
      serviceType: request.serviceType,
      priority: request.priority,
      purpose: request.purpose,
      reasonForReferral: request.reasonForReferral.trim(),
      askedCategories: request.dataCategories,
      routing: routingOf(request.routing),
      origin: ReferralOrigin.REFERRAL_ORIGIN_DIRECT,
    });
    return { record: sent, created: true };
  });
  if (created) deps.afterCommit();
  return { referral: referralView(record) };
}
