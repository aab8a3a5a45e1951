import { serviceUnderTest } from "@kopru/casework/testkit";
import { AgeBand, Sex } from "@kopru/contracts/common/v1/disaggregation";
import { VulnerabilityFlag } from "@kopru/contracts/common/v1/needs";
import { ActorKind } from "@kopru/contracts/common/v1/refs";
import {
  DataCategory,
  PartnerKind,
  Priority,
  Purpose,
  ReferralOrigin,
  type ServiceType,
} from "@kopru/contracts/common/v1/vocabulary";
import { PaymentChannel, ReferralPackage } from "@kopru/contracts/referral/v1/package";
import { presentDataCategories } from "@kopru/referral";
import { v7 as uuidv7 } from "uuid";
import { spec } from "../src/app.js";

export {
  type CallFailure,
  call,
  eventsOn,
  failure,
  publishReferral,
  runSuffix,
} from "@kopru/referral/testkit";

/** This service under test (see `startTestService` in `@kopru/referral/testkit`). */
export const startTestService = serviceUnderTest(spec);
export type TestService = Awaited<ReturnType<typeof startTestService>>;

const DAY = 86_400_000;

/**
 * A consented referral package (synthetic person) from organisation `from` to `to` for emergency
 * cash, with identity, contact, demographics, household, needs and financial sections unless `extra`
 * replaces them; the shared categories are the sections present.
 */
export function testReferralPackage(
  input: { from: string; to: string; serviceType: ServiceType } & Partial<ReferralPackage>,
): ReferralPackage {
  const { from: referrer, to: target, ...extra } = input;
  const referralId = uuidv7();
  const pkg = ReferralPackage.fromPartial({
    referralId,
    rootReferralId: referralId,
    origin: ReferralOrigin.REFERRAL_ORIGIN_DIRECT,
    beneficiaryRef: `ben-${uuidv7()}`,
    referrer: { organisationId: referrer, displayName: "Test MMCC" },
    target: { organisationId: target },
    priority: Priority.PRIORITY_EMERGENCY,
    purpose: Purpose.PURPOSE_ASSISTANCE_DELIVERY,
    consentId: uuidv7(),
    consentExpiresAt: new Date(Date.now() + 365 * DAY),
    consentScope: {
      organisationIds: [],
      partnerKinds: [PartnerKind.PARTNER_KIND_ECM_UNIT],
      purposes: [Purpose.PURPOSE_ASSISTANCE_DELIVERY],
      dataCategories: [
        DataCategory.DATA_CATEGORY_IDENTITY,
        DataCategory.DATA_CATEGORY_CONTACT,
        DataCategory.DATA_CATEGORY_DEMOGRAPHICS,
        DataCategory.DATA_CATEGORY_HOUSEHOLD,
        DataCategory.DATA_CATEGORY_NEEDS,
        DataCategory.DATA_CATEGORY_FINANCIAL,
      ],
    },
    requestedBy: { kind: ActorKind.ACTOR_KIND_STAFF, organisationId: referrer, actorId: "mmcc-staff-1" },
    requestedAt: new Date(),
    reasonForReferral: "Synthetic test referral: eviction notice, rent arrears.",
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
    ...extra,
  });
  return { ...pkg, sharedDataCategories: presentDataCategories(pkg) };
}
