import type { Beneficiary, NeedsScreening } from "@kopru/contracts/intake/v1/beneficiary";
import type { ConsentRecord } from "@kopru/contracts/referral/v1/consent";

/**
 * A registered person as intake keeps it: the contract's Beneficiary (its derived disaggregation is
 * computed when read, since the age band moves with time) plus the pseudonymous `beneficiaryRef`
 * that referral packages carry instead of intake's own id.
 */
export interface BeneficiaryRecord extends Omit<Beneficiary, "disaggregation"> {
  beneficiaryRef: string;
  /** Set once the person's data was erased (ADR 0023): the row keeps ids, codes and bands only. */
  erasedAt?: Date | undefined;
}

/**
 * A needs screening with the organisation that recorded it (every section as screened; what a caller
 * is shown is decided when it is read).
 */
export interface ScreeningRecord extends Omit<NeedsScreening, "withheldDataCategories"> {
  organisationId: string;
}

/** A consent with the organisation that recorded it and what its withdrawal did, if withdrawn. */
export interface ConsentRecordStored extends ConsentRecord {
  organisationId: string;
  withdrawalNotifiedOrganisationIds: string[];
  withdrawalCancelledReferralIds: string[];
}
