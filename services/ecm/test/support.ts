import { testPackages } from "@kopru/casework/testkit";
import { AgeBand, Sex } from "@kopru/contracts/common/v1/disaggregation";
import { VulnerabilityFlag } from "@kopru/contracts/common/v1/needs";
import { DataCategory, PartnerKind, Priority, Purpose } from "@kopru/contracts/common/v1/vocabulary";
import { PaymentChannel } from "@kopru/contracts/referral/v1/package";

/**
 * A consented referral package (synthetic person) from organisation `from` to `to` for emergency
 * cash, with identity, contact, demographics, household, needs and financial sections unless `extra`
 * replaces them; the shared categories are the sections present.
 */
export const testReferralPackage = testPackages({
  referrerName: "Test MMCC",
  requestedBy: "mmcc-staff-1",
  priority: Priority.PRIORITY_EMERGENCY,
  purpose: Purpose.PURPOSE_ASSISTANCE_DELIVERY,
  consent: {
    organisationIds: [],
    partnerKinds: [PartnerKind.PARTNER_KIND_ECM_UNIT],
    dataCategories: [
      DataCategory.DATA_CATEGORY_IDENTITY,
      DataCategory.DATA_CATEGORY_CONTACT,
      DataCategory.DATA_CATEGORY_DEMOGRAPHICS,
      DataCategory.DATA_CATEGORY_HOUSEHOLD,
      DataCategory.DATA_CATEGORY_NEEDS,
      DataCategory.DATA_CATEGORY_FINANCIAL,
    ],
  },
  reasonForReferral: "Synthetic test referral: eviction notice, rent arrears.",
  person: {
    disaggregation: {
      sex: Sex.SEX_MALE,
      ageBand: AgeBand.AGE_BAND_25_49,
      nationality: "AF",
      provinceCode: "TUR001",
    },
    identity: { givenName: "Test", familyName: "Person (synthetic)" },
    contact: { phoneNumber: "+905550000001", safeToContact: true },
    demographics: { sex: Sex.SEX_MALE, birthYear: 1988, nationality: "AF" },
    household: { size: 5, childrenCount: 3 },
    needs: { vulnerabilities: [VulnerabilityFlag.VULNERABILITY_FLAG_AT_RISK_OF_EVICTION] },
    financial: {
      paymentChannel: PaymentChannel.PAYMENT_CHANNEL_BANK_ACCOUNT,
      accountHolderName: "Test Person",
      accountReference: "TR00 0000 0000 0000 0000 0000 00",
    },
  },
});
