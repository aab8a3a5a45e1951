import { referralStore } from "@kopru/referral";
import type { ReceivedReferrals } from "../../application/ports.js";

/** Referrals received by one of this service's MMCCs; another organisation's answer as unknown. */
export const receivedReferrals: ReceivedReferrals = {
  async find(sql, organisationId, referralId, options = {}) {
    const record = await referralStore.find(sql, referralId, "target", options);
    return record && record.targetOrganisationId === organisationId ? record : undefined;
  },
};
