import type { ListReferralsRequest, ListReferralsResponse } from "@kopru/contracts/intake/v1/intake_service";
import { nextKeysetPage, readKeysetPage, referralStore, referralView } from "@kopru/referral";
import { PermissionDeniedError } from "@kopru/service-kit";
import { ownBeneficiary } from "./load.js";
import type { Caller, IntakeDeps } from "./ports.js";

/**
 * Referrals the caller's organisation made, filtered and paged by key: newest request first, or with
 * `updated_since` oldest change first (a partner system's sync). PII-free views only.
 */
export async function listReferrals(
  deps: IntakeDeps,
  caller: Caller,
  request: ListReferralsRequest,
): Promise<ListReferralsResponse> {
  if (request.referrerOrganisationId && request.referrerOrganisationId !== caller.organisationId) {
    throw new PermissionDeniedError("referrer_organisation_id must be the caller's organisation");
  }
  const page = readKeysetPage(request.page, request.updatedSince ? "updated" : "requested");
  // The listed referrals count as read: audited with the filter, in the read's transaction.
  return deps.db.transaction(async (tx) => {
    const beneficiaryRef = request.beneficiaryId
      ? (await ownBeneficiary(deps, tx, request.beneficiaryId, caller.organisationId)).beneficiaryRef
      : undefined;
    const keys = await deps.repos.referrals.sentPage(tx, {
      organisationId: caller.organisationId,
      statuses: request.statuses,
      serviceTypes: request.serviceTypes,
      priorities: request.priorities,
      beneficiaryRef,
      requestedFrom: request.requested?.start,
      requestedBefore: request.requested?.end,
      updatedSince: request.updatedSince,
      page,
    });
    const shown = nextKeysetPage(keys, page, (key) => key);
    const records = await Promise.all(
      shown.rows.map((key) => referralStore.find(tx, key.referralId, "referrer")),
    );
    const referrals = records.filter((r) => r !== undefined);
    await referralStore.auditList(tx, {
      referralIds: referrals.map((r) => r.referralId),
      action: "list-referrals",
      organisationId: caller.organisationId,
      actorId: caller.actor.actorId || undefined,
      token: caller.token,
      filter: {
        statuses: request.statuses,
        serviceTypes: request.serviceTypes,
        priorities: request.priorities,
        beneficiaryId: request.beneficiaryId,
        requestedFrom: request.requested?.start,
        requestedBefore: request.requested?.end,
        updatedSince: request.updatedSince,
      },
    });
    return { referrals: referrals.map(referralView), page: shown.page };
  });
}
