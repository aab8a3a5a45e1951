import type { ListReferralsRequest, ListReferralsResponse } from "@kopru/contracts/intake/v1/intake_service";
import { nextPage, readPage, referralStore, referralView } from "@kopru/referral";
import { PermissionDeniedError } from "@kopru/service-kit";
import { ownBeneficiary } from "./load.js";
import type { Caller, IntakeDeps } from "./ports.js";

/** Referrals the caller's organisation made, newest first, filtered and paged. PII-free views only. */
export async function listReferrals(
  deps: IntakeDeps,
  caller: Caller,
  request: ListReferralsRequest,
): Promise<ListReferralsResponse> {
  if (request.referrerOrganisationId && request.referrerOrganisationId !== caller.organisationId) {
    throw new PermissionDeniedError("referrer_organisation_id must be the caller's organisation");
  }
  const beneficiaryRef = request.beneficiaryId
    ? (await ownBeneficiary(deps, deps.db, request.beneficiaryId, caller.organisationId)).beneficiaryRef
    : undefined;
  const page = readPage(request.page);
  const ids = await deps.repos.referrals.sentIds(deps.db, {
    organisationId: caller.organisationId,
    statuses: request.statuses,
    serviceTypes: request.serviceTypes,
    beneficiaryRef,
    requestedFrom: request.requested?.start,
    requestedBefore: request.requested?.end,
    ...page,
  });
  const records = await Promise.all(ids.map((id) => referralStore.find(deps.db, id, "referrer")));
  return {
    referrals: records.filter((r) => r !== undefined).map(referralView),
    page: nextPage(ids.length, page),
  };
}
