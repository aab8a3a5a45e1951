import { serviceUnderTest } from "@kopru/casework/testkit";
import { AgeBand, Sex } from "@kopru/contracts/common/v1/disaggregation";
import {
  GbvIncidentType,
  ProtectionConcern,
  RiskLevel,
  TimeSinceIncident,
} from "@kopru/contracts/common/v1/needs";
import { ActorKind } from "@kopru/contracts/common/v1/refs";
import {
  DataCategory,
  PartnerKind,
  Priority,
  Purpose,
  ReferralOrigin,
  type ServiceType,
} from "@kopru/contracts/common/v1/vocabulary";
import { ReferralPackage } from "@kopru/contracts/referral/v1/package";
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
 * A consented referral package (synthetic person) from organisation `from` to `to`, with identity,
 * contact, demographics, protection and GBV sections unless `extra` removes them; the shared
 * categories are the sections present, as the referrer's minimum-necessary cut leaves them.
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
    referrer: { organisationId: referrer, displayName: "Test NGO" },
    target: { organisationId: target },
    priority: Priority.PRIORITY_HIGH,
    purpose: Purpose.PURPOSE_CASE_MANAGEMENT,
    consentId: uuidv7(),
    consentExpiresAt: new Date(Date.now() + 365 * DAY),
    consentScope: {
      organisationIds: [target],
      partnerKinds: [PartnerKind.PARTNER_KIND_PROTECTION_PARTNER],
      purposes: [Purpose.PURPOSE_CASE_MANAGEMENT],
      dataCategories: [
        DataCategory.DATA_CATEGORY_IDENTITY,
        DataCategory.DATA_CATEGORY_CONTACT,
        DataCategory.DATA_CATEGORY_DEMOGRAPHICS,
        DataCategory.DATA_CATEGORY_PROTECTION,
        DataCategory.DATA_CATEGORY_GBV,
      ],
    },
    requestedBy: { kind: ActorKind.ACTOR_KIND_STAFF, organisationId: referrer, actorId: "ngo-staff-1" },
    requestedAt: new Date(),
    reasonForReferral: "Synthetic test referral.",
    disaggregation: {
      sex: Sex.SEX_FEMALE,
      ageBand: AgeBand.AGE_BAND_25_49,
      nationality: "SY",
      provinceCode: "TUR027",
      districtCode: "TUR027001",
    },
    identity: { givenName: "Test", familyName: "Person (synthetic)" },
    contact: { phoneNumber: "+905550000000", safeToContact: true },
    demographics: { sex: Sex.SEX_FEMALE, birthYear: 1994, nationality: "SY" },
    protection: {
      riskLevel: RiskLevel.RISK_LEVEL_HIGH,
      concerns: [ProtectionConcern.PROTECTION_CONCERN_PHYSICAL_SAFETY],
    },
    gbv: {
      incidentType: GbvIncidentType.GBV_INCIDENT_TYPE_PHYSICAL_ASSAULT,
      timeSinceIncident: TimeSinceIncident.TIME_SINCE_INCIDENT_0_3_DAYS,
      immediateSafetyRisk: true,
    },
    ...extra,
  });
  return { ...pkg, sharedDataCategories: presentDataCategories(pkg) };
}
