import type { GetReferralRequest, GetReferralResponse } from "@kopru/contracts/intake/v1/intake_service";
import { ReferralNotFoundError, type ReferralRecord, referralStore, referralView } from "@kopru/referral";
import type { Sql } from "@kopru/storage";
import type { Caller, IntakeDeps } from "./ports.js";
import { sentPackageView } from "./views.js";

/** A referral the caller's organisation made; anything else is NOT_FOUND. */
export async function ownReferral(
  sql: Sql,
  referralId: string,
  organisationId: string,
  options: { forUpdate?: boolean } = {},
): Promise<ReferralRecord> {
  const record = await referralStore.find(sql, referralId, "referrer", options);
  if (!record || record.referrerOrganisationId !== organisationId)
    throw new ReferralNotFoundError(referralId);
  return record;
}

/**
 * One referral the caller's organisation made, with the package as sent (GBV and child-protection
 * sections only for the protection-restricted role). The read is audited.
 */
export async function getReferral(
  deps: IntakeDeps,
  caller: Caller,
  request: GetReferralRequest,
): Promise<GetReferralResponse> {
  return deps.db.transaction(async (tx) => {
    const record = await ownReferral(tx, request.referralId, caller.organisationId);
    await referralStore.audit(tx, {
      referralId: record.referralId,
      action: "read-package",
      organisationId: caller.organisationId,
      actorId: caller.actor.actorId || undefined,
      token: caller.token,
    });
    const { referralPackage, withheld } = sentPackageView(record.package, caller.restrictedAccess);
    return { referral: referralView(record), referralPackage, withheldDataCategories: withheld };
  });
}
