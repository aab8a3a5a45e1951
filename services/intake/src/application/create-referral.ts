import { ReferralOrigin } from "@kopru/contracts/common/v1/vocabulary";
import type {
  CreateReferralRequest,
  CreateReferralResponse,
} from "@kopru/contracts/intake/v1/intake_service";
import { referralStore, referralView, withdrawalRegister } from "@kopru/referral";
import { allInOrder } from "@kopru/storage";
import { v7 as uuidv7 } from "uuid";
import { liveBeneficiaryOf, ownConsentOf } from "./load.js";
import type { Caller, IntakeDeps } from "./ports.js";
import { claimedReferral, readOnce, routingOf, sendReferral } from "./send-referral.js";

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
    const directory = readOnce(deps.directory(tx));
    const referralId = uuidv7();
    const target =
      request.routing?.$case === "explicitTarget" ? request.routing.value.organisationId : undefined;
    // Everything the referral needs is read in one round trip, in the order the checks below need it:
    // the person locked like UpdateContactDetails does (the package carries the contact details as
    // they are, and a later update sees this referral), then the request key claimed, then the consent
    // locked against a withdrawal; then what only reads. A check that fails rolls all of it back.
    const [found, claimed, consent, screening, held] = await allInOrder(tx, [
      () =>
        deps.repos.beneficiaries.find(tx, request.beneficiaryId, caller.organisationId, { forUpdate: true }),
      () => referralStore.rememberRequest(tx, caller.organisationId, request.requestId, referralId),
      () => deps.repos.consents.find(tx, request.consentId, caller.organisationId, { lock: "share" }),
      () => deps.repos.screenings.latest(tx, request.beneficiaryId),
      () => withdrawalRegister.find(tx, caller.organisationId, request.consentId),
      () => directory.organisation(caller.organisationId),
      ...(target
        ? [
            () => directory.organisation(target),
            () => directory.offerings({ organisationId: target, activeOnly: false }),
          ]
        : []),
    ]);
    const person = liveBeneficiaryOf(found, request.beneficiaryId);
    const claim = await claimedReferral(
      tx,
      claimed,
      referralId,
      (first) => first.beneficiaryRef === person.beneficiaryRef,
    );
    if (claim.first) return { record: claim.first, created: false };
    const sent = await sendReferral(tx, deps, {
      referralId: claim.referralId,
      caller,
      person,
      consent: ownConsentOf(consent, request.consentId, person.beneficiaryId),
      screening,
      serviceType: request.serviceType,
      priority: request.priority,
      purpose: request.purpose,
      reasonForReferral: request.reasonForReferral.trim(),
      askedCategories: request.dataCategories,
      routing: routingOf(request.routing),
      origin: ReferralOrigin.REFERRAL_ORIGIN_DIRECT,
      directory,
      heldWithdrawal: held ?? {},
    });
    return { record: sent, created: true };
  });
  if (created) deps.afterCommit();
  return { referral: referralView(record) };
}
