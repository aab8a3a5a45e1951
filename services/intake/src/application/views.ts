import type { Beneficiary, NeedsScreening } from "@kopru/contracts/intake/v1/beneficiary";
import type { ConsentRecord } from "@kopru/contracts/referral/v1/consent";
import { personDisaggregation } from "../domain/disaggregation.js";
import type { BeneficiaryRecord, ConsentRecordStored, ScreeningRecord } from "../domain/records.js";

/** The contract's Beneficiary: the stored person plus the PII-free bundle as of `at`. */
export function beneficiaryView(
  record: BeneficiaryRecord,
  latestScreening: ScreeningRecord | undefined,
  at: Date,
): Beneficiary {
  const { beneficiaryRef: _ref, ...person } = record;
  return { ...person, disaggregation: personDisaggregation(record, latestScreening, at) };
}

export function consentView(stored: ConsentRecordStored): ConsentRecord {
  const {
    organisationId: _org,
    withdrawalNotifiedOrganisationIds: _notified,
    withdrawalCancelledReferralIds: _cancelled,
    ...consent
  } = stored;
  return consent;
}

export function screeningView(stored: ScreeningRecord): NeedsScreening {
  const { organisationId: _org, ...screening } = stored;
  return screening;
}
