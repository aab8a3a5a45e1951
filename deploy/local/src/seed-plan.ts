import { createHash } from "node:crypto";
import { ar, base, en, Faker, fa, tr } from "@faker-js/faker";
import {
  LegalStatus,
  Sex,
  type WashingtonGroupAnswer,
  WashingtonGroupDomain,
  WashingtonGroupSeverity,
} from "@kopru/contracts/common/v1/disaggregation";
import { VulnerabilityFlag } from "@kopru/contracts/common/v1/needs";
import {
  CancelReason,
  DataCategory,
  DeclineReason,
  NotCompletedReason,
  OnHoldReason,
  OutcomeCode,
  type PartnerKind,
  Priority,
  Purpose,
  RedirectReason,
  ReferralStatus,
  ServiceType,
} from "@kopru/contracts/common/v1/vocabulary";
import { CapacityStatus } from "@kopru/contracts/coordination/v1/directory";
import { ConsentGiver, ConsentMethod } from "@kopru/contracts/referral/v1/consent";
import { ContactMethod, type HouseholdSection, Weekday } from "@kopru/contracts/referral/v1/package";
import { dataContractFor } from "@kopru/referral/domain";
import {
  type DemoOffering,
  NGOS,
  type NgoId,
  ORGANISATIONS,
  offeringId,
  offeringsFor,
  organisationKind,
  P,
  type ProvinceCode,
} from "./network.js";
import { DEFAULT_REFERRAL_COUNT, DEMO_SEED, SEED_MARKER } from "./seed-constants.js";

// The demo referrals, planned up front from a fixed seed: who is registered (clearly synthetic
// people), what they consent to, what they need, where they are referred, and which steps each
// referral goes through. Pure: the same seed gives the same plan, which the tests pin down and the
// seed executor (seed.ts) replays through the services' gRPC APIs.

export { DEFAULT_REFERRAL_COUNT, DEMO_SEED, SEED_MARKER };
/** MMCC Gaziantep → ECM cash onward chains, completed on both sides. */
export const ONWARD_CHAINS = 4;

/** Every demo person carries these, so nobody can mistake the data for a real person's. */
export const SYNTHETIC = {
  preferredName: "DEMO",
  familyNameSuffix: " (demo)",
  /** +90 555 000 xxxx: an obviously fake range. */
  phonePrefix: "+90555000",
  summaryPrefix: "DEMO (synthetic person):",
} as const;

/**
 * Categories intake can put in a package, because its API collects them (registration, screening
 * with household and Washington Group answers). Intake has no fields for protection, GBV, child
 * protection, health, MHPSS, financial or education data, so service types requiring those are in the
 * directory but not in the seeded referrals.
 */
export const INTAKE_HELD_CATEGORIES: readonly DataCategory[] = [
  DataCategory.DATA_CATEGORY_IDENTITY,
  DataCategory.DATA_CATEGORY_CONTACT,
  DataCategory.DATA_CATEGORY_DEMOGRAPHICS,
  DataCategory.DATA_CATEGORY_LEGAL_STATUS,
  DataCategory.DATA_CATEGORY_HOUSEHOLD,
  DataCategory.DATA_CATEGORY_NEEDS,
  DataCategory.DATA_CATEGORY_DISABILITY,
];

const S = ServiceType;

/** Service types the seed refers people to, with their weight. */
export const SEEDED_SERVICE_WEIGHTS: readonly { value: ServiceType; weight: number }[] = [
  { value: S.SERVICE_TYPE_MMCC_COUNSELLING, weight: 14 },
  { value: S.SERVICE_TYPE_MMCC_DIRECT_ASSISTANCE, weight: 8 },
  { value: S.SERVICE_TYPE_MMCC_INFORMATION_ORIENTATION, weight: 6 },
  { value: S.SERVICE_TYPE_ECM_TRANSPORT, weight: 4 },
  { value: S.SERVICE_TYPE_ECM_FOOD, weight: 4 },
  { value: S.SERVICE_TYPE_ECM_NFI, weight: 4 },
  { value: S.SERVICE_TYPE_ECM_CASH, weight: 5 },
  { value: S.SERVICE_TYPE_ECM_ACCOMMODATION, weight: 2 },
  { value: S.SERVICE_TYPE_LEGAL_COUNSELLING, weight: 5 },
  { value: S.SERVICE_TYPE_MHPSS_GROUP, weight: 4 },
  { value: S.SERVICE_TYPE_PSYCHOLOGICAL_FIRST_AID, weight: 3 },
  { value: S.SERVICE_TYPE_LANGUAGE_COURSE_TURKISH, weight: 5 },
  { value: S.SERVICE_TYPE_VOCATIONAL_TRAINING, weight: 3 },
  { value: S.SERVICE_TYPE_COMMUNITY_ACTIVITIES, weight: 3 },
];

/** Where the referrals end up (the final status of the referral intake made), as shares. */
export const FINAL_STATE_SHARES = {
  received: 0.08,
  // Never answered: made early in the seed's history, expired by the targets' own deadline timers.
  expired: 0.08,
  accepted: 0.1,
  in_progress: 0.12,
  completed: 0.22,
  not_completed: 0.06,
  declined: 0.1,
  on_hold: 0.08,
  cancelled: 0.08,
  redirected: 0.08,
} as const;
export type FinalState = keyof typeof FINAL_STATE_SHARES;

export type Step =
  | { do: "accept" }
  | { do: "start" }
  | { do: "decline"; reason: DeclineReason }
  | { do: "hold"; reason: OnHoldReason }
  | { do: "complete"; outcomes: OutcomeCode[] }
  /** A later outcome of a completed referral (e.g. the course finished after enrolment). */
  | { do: "outcome"; outcomes: OutcomeCode[] }
  /** By the target's supervisor: the referral (and its case) to a caseworker of the organisation. */
  | { do: "assign"; to: "caseworker" | "caseworker2" }
  /** At the target: a call to the person, recorded, or refused because they are not safe to contact. */
  | { do: "contactAttempt"; expect: "recorded" | "refused" }
  /** By the referrer, through intake: the person's safe-contact windows change; every holder learns. */
  | { do: "updateContact"; windows: DemoSafeWindow[] }
  | { do: "notComplete"; reason: NotCompletedReason }
  /** By the referrer, through intake. */
  | { do: "cancel"; reason: CancelReason }
  | { do: "redirect"; to: string; serviceType: ServiceType; reason: RedirectReason; childSteps: Step[] }
  | {
      do: "onward";
      to: string;
      serviceType: ServiceType;
      priority: Priority;
      reason: string;
      childSteps: Step[];
    };

/** The status a step leaves the referral in (onward leaves it unchanged). */
export function statusAfter(step: Step): ReferralStatus | undefined {
  switch (step.do) {
    case "accept":
      return ReferralStatus.REFERRAL_STATUS_ACCEPTED;
    case "start":
      return ReferralStatus.REFERRAL_STATUS_IN_PROGRESS;
    case "decline":
      return ReferralStatus.REFERRAL_STATUS_DECLINED;
    case "hold":
      return ReferralStatus.REFERRAL_STATUS_ON_HOLD;
    case "complete":
      return ReferralStatus.REFERRAL_STATUS_COMPLETED;
    case "notComplete":
      return ReferralStatus.REFERRAL_STATUS_NOT_COMPLETED;
    case "cancel":
      return ReferralStatus.REFERRAL_STATUS_CANCELLED;
    case "redirect":
      return ReferralStatus.REFERRAL_STATUS_REDIRECTED;
    case "onward":
    case "outcome":
    case "assign":
    case "contactAttempt":
    case "updateContact":
      return undefined;
  }
}

/** A weekly window in which contacting the person is safe (Europe/Istanbul), as the contract has it. */
export interface DemoSafeWindow {
  days: Weekday[];
  startMinute: number;
  endMinute: number;
}

export interface DemoPerson {
  givenName: string;
  familyName: string;
  preferredName: string;
  sex: Sex;
  birthYear: number;
  nationality: string;
  legalStatus: LegalStatus;
  provinceCode: ProvinceCode;
  phoneNumber: string;
  language: string;
  interpreterNeeded: boolean;
  contactMethod: ContactMethod;
  /** False: contact could put the person at risk; every contact attempt is refused. */
  safeToContact: boolean;
  safeWindows: DemoSafeWindow[];
}

export interface DemoConsent {
  givenBy: ConsentGiver;
  method: ConsentMethod;
  partnerKinds: PartnerKind[];
  purposes: Purpose[];
  dataCategories: DataCategory[];
}

export interface DemoScreening {
  services: ServiceType[];
  vulnerabilities: VulnerabilityFlag[];
  washingtonGroup: WashingtonGroupAnswer[];
  household: HouseholdSection;
  summary: string;
}

export type DemoRouting =
  | { kind: "explicit"; organisationId: string; serviceOfferingId: string }
  /** Intake picks the target; the plan knows which one it must be (the only fitting offering). */
  | { kind: "criteria"; provinceCode: ProvinceCode; partnerKinds: PartnerKind[]; expectedTarget: string };

export interface PlannedReferral {
  /** Stable key, also the root of the seed's idempotency keys, e.g. `s2026-r017`. */
  key: string;
  referrer: NgoId;
  person: DemoPerson;
  consent: DemoConsent;
  screening: DemoScreening;
  serviceType: ServiceType;
  priority: Priority;
  purpose: Purpose;
  reason: string;
  routing: DemoRouting;
  steps: Step[];
  finalState: FinalState | "completed_with_onward";
}

export interface SeedPlanOptions {
  seed?: number;
  count?: number;
  /** Birth years are counted back from this date's year. */
  now?: Date;
}

const SERVICE_LABEL: Partial<Record<ServiceType, string>> = {
  [S.SERVICE_TYPE_MMCC_COUNSELLING]: "counselling on services and family situation",
  [S.SERVICE_TYPE_MMCC_DIRECT_ASSISTANCE]: "direct assistance for basic needs",
  [S.SERVICE_TYPE_MMCC_INFORMATION_ORIENTATION]: "information on rights and registration",
  [S.SERVICE_TYPE_ECM_TRANSPORT]: "transport to a hospital appointment",
  [S.SERVICE_TYPE_ECM_FOOD]: "food assistance",
  [S.SERVICE_TYPE_ECM_NFI]: "hygiene kit and household items",
  [S.SERVICE_TYPE_ECM_CASH]: "emergency cash after loss of income",
  [S.SERVICE_TYPE_ECM_ACCOMMODATION]: "emergency accommodation after eviction",
  [S.SERVICE_TYPE_LEGAL_COUNSELLING]: "legal counselling on documentation",
  [S.SERVICE_TYPE_MHPSS_GROUP]: "psychosocial support group",
  [S.SERVICE_TYPE_PSYCHOLOGICAL_FIRST_AID]: "psychological first aid",
  [S.SERVICE_TYPE_LANGUAGE_COURSE_TURKISH]: "Turkish language course",
  [S.SERVICE_TYPE_VOCATIONAL_TRAINING]: "vocational training",
  [S.SERVICE_TYPE_COMMUNITY_ACTIVITIES]: "social cohesion activities",
};

const OUTCOMES: Partial<Record<ServiceType, OutcomeCode[]>> = {
  [S.SERVICE_TYPE_MMCC_COUNSELLING]: [OutcomeCode.OUTCOME_CODE_COUNSELLING_SESSIONS_HELD],
  [S.SERVICE_TYPE_MMCC_DIRECT_ASSISTANCE]: [OutcomeCode.OUTCOME_CODE_IN_KIND_ASSISTANCE_DELIVERED],
  [S.SERVICE_TYPE_MMCC_INFORMATION_ORIENTATION]: [OutcomeCode.OUTCOME_CODE_SERVICE_PROVIDED_FULL],
  [S.SERVICE_TYPE_ECM_TRANSPORT]: [OutcomeCode.OUTCOME_CODE_TRANSPORT_PROVIDED],
  [S.SERVICE_TYPE_ECM_FOOD]: [OutcomeCode.OUTCOME_CODE_IN_KIND_ASSISTANCE_DELIVERED],
  [S.SERVICE_TYPE_ECM_NFI]: [OutcomeCode.OUTCOME_CODE_IN_KIND_ASSISTANCE_DELIVERED],
  [S.SERVICE_TYPE_ECM_CASH]: [OutcomeCode.OUTCOME_CODE_CASH_TRANSFERRED],
  [S.SERVICE_TYPE_ECM_ACCOMMODATION]: [OutcomeCode.OUTCOME_CODE_ACCOMMODATION_PROVIDED],
  [S.SERVICE_TYPE_LEGAL_COUNSELLING]: [OutcomeCode.OUTCOME_CODE_LEGAL_ASSISTANCE_PROVIDED],
  [S.SERVICE_TYPE_MHPSS_GROUP]: [OutcomeCode.OUTCOME_CODE_COUNSELLING_SESSIONS_HELD],
  [S.SERVICE_TYPE_PSYCHOLOGICAL_FIRST_AID]: [OutcomeCode.OUTCOME_CODE_SERVICE_PROVIDED_FULL],
  [S.SERVICE_TYPE_LANGUAGE_COURSE_TURKISH]: [OutcomeCode.OUTCOME_CODE_ENROLLED_IN_COURSE],
  [S.SERVICE_TYPE_VOCATIONAL_TRAINING]: [OutcomeCode.OUTCOME_CODE_ENROLLED_IN_COURSE],
  [S.SERVICE_TYPE_COMMUNITY_ACTIVITIES]: [OutcomeCode.OUTCOME_CODE_SERVICE_PROVIDED_FULL],
};

/**
 * Redirects the seed makes: the first target forwards to a better-placed partner in the person's
 * province. Each child's required data is a subset of what the first target received.
 */
const REDIRECTS: readonly {
  provinces: readonly ProvinceCode[];
  from: (province: ProvinceCode) => string;
  serviceType: ServiceType;
  to: (province: ProvinceCode) => string;
  childServiceType: ServiceType;
  reason: RedirectReason;
}[] = [
  {
    provinces: [P.kilis],
    from: () => "mmcc-kilis",
    serviceType: S.SERVICE_TYPE_MMCC_COUNSELLING,
    to: () => "mmcc-gaziantep",
    childServiceType: S.SERVICE_TYPE_MMCC_COUNSELLING,
    reason: RedirectReason.REDIRECT_REASON_BETTER_PLACED_PARTNER,
  },
  {
    provinces: [P.mersin],
    from: () => "mmcc-mersin",
    serviceType: S.SERVICE_TYPE_MMCC_COUNSELLING,
    to: () => "mmcc-adana",
    childServiceType: S.SERVICE_TYPE_MMCC_COUNSELLING,
    reason: RedirectReason.REDIRECT_REASON_NO_CAPACITY,
  },
  {
    provinces: [P.gaziantep, P.sanliurfa, P.adana],
    from: () => "ecm-unit",
    serviceType: S.SERVICE_TYPE_ECM_FOOD,
    to: (p) => mmccOf(p),
    childServiceType: S.SERVICE_TYPE_MMCC_DIRECT_ASSISTANCE,
    reason: RedirectReason.REDIRECT_REASON_OUTSIDE_MANDATE,
  },
  {
    provinces: [P.gaziantep, P.sanliurfa, P.kilis, P.adana, P.mersin, P.ankara],
    from: () => "protection-partner",
    serviceType: S.SERVICE_TYPE_LEGAL_COUNSELLING,
    to: (p) => mmccOf(p),
    childServiceType: S.SERVICE_TYPE_MMCC_INFORMATION_ORIENTATION,
    reason: RedirectReason.REDIRECT_REASON_BETTER_PLACED_PARTNER,
  },
];

function mmccOf(province: ProvinceCode): string {
  const found = ORGANISATIONS.find((o) => o.id.startsWith("mmcc-") && o.provinces.includes(province));
  if (!found) throw new Error(`no MMCC in ${province}`);
  return found.id;
}

const PURPOSES = [
  Purpose.PURPOSE_SERVICE_PROVISION,
  Purpose.PURPOSE_CASE_MANAGEMENT,
  Purpose.PURPOSE_ASSISTANCE_DELIVERY,
  Purpose.PURPOSE_OUTCOME_FOLLOW_UP,
];

/** What a consent must cover for these service types: their required data plus what intake holds of the rest. */
export function consentCategories(serviceTypes: readonly ServiceType[]): DataCategory[] {
  const held = new Set(INTAKE_HELD_CATEGORIES);
  const categories = new Set<DataCategory>();
  for (const type of serviceTypes) {
    const contract = dataContractFor(type);
    for (const c of contract.required) categories.add(c);
    for (const c of contract.optional) if (held.has(c)) categories.add(c);
  }
  return [...categories].sort((a, b) => a - b);
}

/** Exact counts per final state for `n` referrals (largest remainders), in a fixed order. */
export function finalStateCounts(n: number): Record<FinalState, number> {
  const entries = Object.entries(FINAL_STATE_SHARES) as [FinalState, number][];
  const counts = Object.fromEntries(
    entries.map(([state, share]) => [state, Math.floor(share * n)]),
  ) as Record<FinalState, number>;
  let left = n - Object.values(counts).reduce((a, b) => a + b, 0);
  const byRemainder = [...entries].sort((a, b) => ((b[1] * n) % 1) - ((a[1] * n) % 1));
  for (let i = 0; left > 0; i = (i + 1) % byRemainder.length, left--) {
    const state = (byRemainder[i] as [FinalState, number])[0];
    counts[state] += 1;
  }
  return counts;
}

interface Rng {
  f: Faker;
  names: Record<"ar" | "fa" | "tr", Faker>;
}

function makeRng(seed: number): Rng {
  const f = new Faker({ locale: [en, base] });
  f.seed(seed);
  const names = {
    ar: new Faker({ locale: [ar, en, base] }),
    fa: new Faker({ locale: [fa, en, base] }),
    tr: new Faker({ locale: [tr, en, base] }),
  };
  names.ar.seed(seed + 1);
  names.fa.seed(seed + 2);
  names.tr.seed(seed + 3);
  return { f, names };
}

const NGO_PROVINCES: Record<NgoId, readonly ProvinceCode[]> = Object.fromEntries(
  NGOS.map((id) => [id, ORGANISATIONS.find((o) => o.id === id)?.provinces ?? []]),
) as Record<NgoId, readonly ProvinceCode[]>;

function person(
  rng: Rng,
  index: number,
  provinceCode: ProvinceCode,
  now: Date,
  minAge: number,
  maxAge: number,
): DemoPerson {
  const { f } = rng;
  const nationality = f.helpers.weightedArrayElement([
    { value: "SY", weight: provinceCode === P.ankara ? 25 : 68 },
    { value: "AF", weight: provinceCode === P.ankara ? 45 : 10 },
    { value: "IQ", weight: 10 },
    { value: "IR", weight: provinceCode === P.ankara ? 10 : 2 },
    { value: "TR", weight: 8 },
  ]);
  const sex = f.helpers.weightedArrayElement([
    { value: Sex.SEX_FEMALE, weight: 56 },
    { value: Sex.SEX_MALE, weight: 42 },
    { value: Sex.SEX_OTHER_OR_NOT_STATED, weight: 2 },
  ]);
  const locale = nationality === "AF" || nationality === "IR" ? "fa" : nationality === "TR" ? "tr" : "ar";
  const names = rng.names[locale];
  const nameSex = sex === Sex.SEX_MALE ? "male" : sex === Sex.SEX_FEMALE ? "female" : undefined;
  const legalStatus =
    nationality === "SY"
      ? LegalStatus.LEGAL_STATUS_TEMPORARY_PROTECTION
      : nationality === "TR"
        ? LegalStatus.LEGAL_STATUS_CITIZEN_HOST_COMMUNITY
        : f.helpers.weightedArrayElement([
            { value: LegalStatus.LEGAL_STATUS_INTERNATIONAL_PROTECTION_APPLICANT, weight: 60 },
            { value: LegalStatus.LEGAL_STATUS_INTERNATIONAL_PROTECTION_HOLDER, weight: 15 },
            { value: LegalStatus.LEGAL_STATUS_RESIDENCE_PERMIT_HOLDER, weight: 10 },
            { value: LegalStatus.LEGAL_STATUS_UNDOCUMENTED, weight: 15 },
          ]);
  const language =
    locale === "fa"
      ? "fa"
      : locale === "tr"
        ? "tr"
        : f.helpers.weightedArrayElement([
            { value: "ar", weight: 85 },
            { value: "ku", weight: 15 },
          ]);
  const age = f.number.int({ min: minAge, max: maxAge });
  return {
    givenName: names.person.firstName(nameSex),
    familyName: `${names.person.lastName(nameSex)}${SYNTHETIC.familyNameSuffix}`,
    preferredName: SYNTHETIC.preferredName,
    sex,
    birthYear: now.getUTCFullYear() - age,
    nationality,
    legalStatus,
    provinceCode,
    phoneNumber: `${SYNTHETIC.phonePrefix}${String(index + 1).padStart(4, "0")}`,
    language,
    interpreterNeeded: language !== "tr" && f.datatype.boolean(0.6),
    contactMethod: f.helpers.arrayElement([
      ContactMethod.CONTACT_METHOD_PHONE_CALL,
      ContactMethod.CONTACT_METHOD_WHATSAPP,
      ContactMethod.CONTACT_METHOD_SMS,
    ]),
    safeToContact: true,
    safeWindows: [],
  };
}

function screening(rng: Rng, p: DemoPerson, services: ServiceType[], now: Date): DemoScreening {
  const { f } = rng;
  const asked = f.datatype.boolean(0.25);
  const withDifficulty = asked && f.datatype.boolean(0.4);
  const hardDomain = f.helpers.arrayElement([
    WashingtonGroupDomain.WASHINGTON_GROUP_DOMAIN_SEEING,
    WashingtonGroupDomain.WASHINGTON_GROUP_DOMAIN_WALKING,
    WashingtonGroupDomain.WASHINGTON_GROUP_DOMAIN_HEARING,
    WashingtonGroupDomain.WASHINGTON_GROUP_DOMAIN_COGNITION,
  ]);
  const washingtonGroup: WashingtonGroupAnswer[] = asked
    ? [
        WashingtonGroupDomain.WASHINGTON_GROUP_DOMAIN_SEEING,
        WashingtonGroupDomain.WASHINGTON_GROUP_DOMAIN_HEARING,
        WashingtonGroupDomain.WASHINGTON_GROUP_DOMAIN_WALKING,
        WashingtonGroupDomain.WASHINGTON_GROUP_DOMAIN_COGNITION,
        WashingtonGroupDomain.WASHINGTON_GROUP_DOMAIN_SELF_CARE,
        WashingtonGroupDomain.WASHINGTON_GROUP_DOMAIN_COMMUNICATION,
      ].map((domain) => ({
        domain,
        severity:
          withDifficulty && domain === hardDomain
            ? WashingtonGroupSeverity.WASHINGTON_GROUP_SEVERITY_A_LOT_OF_DIFFICULTY
            : WashingtonGroupSeverity.WASHINGTON_GROUP_SEVERITY_NO_DIFFICULTY,
      }))
    : [];
  const size = f.number.int({ min: 1, max: 9 });
  const children = size === 1 ? 0 : f.number.int({ min: 0, max: size - 1 });
  const singleParent = p.sex === Sex.SEX_FEMALE && children > 0 && f.datatype.boolean(0.3);
  const vulnerabilities = new Set<VulnerabilityFlag>();
  if (singleParent) vulnerabilities.add(VulnerabilityFlag.VULNERABILITY_FLAG_SINGLE_PARENT);
  if (withDifficulty) vulnerabilities.add(VulnerabilityFlag.VULNERABILITY_FLAG_PERSON_WITH_DISABILITY);
  const age = now.getUTCFullYear() - p.birthYear;
  if (age >= 60 && f.datatype.boolean(0.5))
    vulnerabilities.add(VulnerabilityFlag.VULNERABILITY_FLAG_OLDER_PERSON_AT_RISK);
  if (services.includes(S.SERVICE_TYPE_ECM_ACCOMMODATION) || f.datatype.boolean(0.08)) {
    vulnerabilities.add(VulnerabilityFlag.VULNERABILITY_FLAG_AT_RISK_OF_EVICTION);
  }
  if (p.sex === Sex.SEX_FEMALE && age < 45 && f.datatype.boolean(0.08)) {
    vulnerabilities.add(VulnerabilityFlag.VULNERABILITY_FLAG_PREGNANT_OR_LACTATING);
  }
  const labels = services.map((s) => SERVICE_LABEL[s] ?? ServiceType[s]).join("; ");
  return {
    services,
    vulnerabilities: [...vulnerabilities].sort((a, b) => a - b),
    washingtonGroup,
    household: {
      size,
      childrenCount: children,
      femaleHeaded: singleParent || (p.sex === Sex.SEX_FEMALE && f.datatype.boolean(0.15)),
      dependantsWithDisability: withDifficulty ? 1 : 0,
    },
    summary: `${SYNTHETIC.summaryPrefix} needs ${labels}.`,
  };
}

function consentFor(
  rng: Rng,
  organisations: readonly string[],
  services: readonly ServiceType[],
): DemoConsent {
  return {
    givenBy: ConsentGiver.CONSENT_GIVER_SELF,
    method: rng.f.helpers.weightedArrayElement([
      { value: ConsentMethod.CONSENT_METHOD_VERBAL_RECORDED, weight: 6 },
      { value: ConsentMethod.CONSENT_METHOD_WRITTEN_SIGNED, weight: 3 },
      { value: ConsentMethod.CONSENT_METHOD_DIGITAL, weight: 1 },
    ]),
    partnerKinds: [...new Set(organisations.map(organisationKind))].sort((a, b) => a - b),
    purposes: [...PURPOSES],
    dataCategories: consentCategories(services),
  };
}

function priorityOf(rng: Rng): Priority {
  return rng.f.helpers.weightedArrayElement([
    { value: Priority.PRIORITY_EMERGENCY, weight: 8 },
    { value: Priority.PRIORITY_HIGH, weight: 27 },
    { value: Priority.PRIORITY_NORMAL, weight: 65 },
  ]);
}

/** Offerings a referral may be sent to: seeded types, covering the province, open to new referrals. */
function openOfferings(serviceType: ServiceType, provinceCode: ProvinceCode, age: number): DemoOffering[] {
  return offeringsFor(serviceType, provinceCode).filter(
    (o) =>
      o.capacity !== CapacityStatus.CAPACITY_STATUS_FULL &&
      o.capacity !== CapacityStatus.CAPACITY_STATUS_SUSPENDED &&
      (o.eligibility?.minAge === undefined || age >= o.eligibility.minAge) &&
      (o.eligibility?.maxAge === undefined || age <= o.eligibility.maxAge),
  );
}

const HOST_COMMUNITY_SERVICES = new Set<ServiceType>([
  S.SERVICE_TYPE_COMMUNITY_ACTIVITIES,
  S.SERVICE_TYPE_VOCATIONAL_TRAINING,
  S.SERVICE_TYPE_MMCC_INFORMATION_ORIENTATION,
  S.SERVICE_TYPE_MMCC_COUNSELLING,
  S.SERVICE_TYPE_MHPSS_GROUP,
]);

/** Service types whose completion is an enrolment, with a later "course completed" outcome. */
const COURSES: ReadonlySet<ServiceType> = new Set([
  S.SERVICE_TYPE_LANGUAGE_COURSE_TURKISH,
  S.SERVICE_TYPE_VOCATIONAL_TRAINING,
]);

function stepsFor(rng: Rng, state: FinalState, serviceType: ServiceType, waitlisted: boolean): Step[] {
  const { f } = rng;
  const outcomes = OUTCOMES[serviceType] ?? [OutcomeCode.OUTCOME_CODE_SERVICE_PROVIDED_FULL];
  const viaHold = waitlisted && f.datatype.boolean(0.5);
  const hold: Step[] = viaHold ? [{ do: "hold", reason: OnHoldReason.ON_HOLD_REASON_CAPACITY_FULL }] : [];
  switch (state) {
    case "received":
    case "expired":
      return [];
    case "accepted":
      return [...hold, { do: "accept" }];
    case "in_progress":
      return [...hold, { do: "accept" }, { do: "start" }];
    case "completed": {
      const steps: Step[] = [...hold, { do: "accept" }, { do: "start" }, { do: "complete", outcomes }];
      // A course is completed on enrolment; weeks later most learners finish it, and the outcome says so.
      if (COURSES.has(serviceType) && f.datatype.boolean(0.7))
        steps.push({ do: "outcome", outcomes: [...outcomes, OutcomeCode.OUTCOME_CODE_COURSE_COMPLETED] });
      return steps;
    }
    case "not_completed": {
      const started = f.datatype.boolean(0.5);
      return [
        { do: "accept" },
        ...(started ? [{ do: "start" } as Step] : []),
        {
          do: "notComplete",
          reason: f.helpers.weightedArrayElement([
            { value: NotCompletedReason.NOT_COMPLETED_REASON_BENEFICIARY_UNREACHABLE, weight: 5 },
            { value: NotCompletedReason.NOT_COMPLETED_REASON_BENEFICIARY_RELOCATED, weight: 3 },
            { value: NotCompletedReason.NOT_COMPLETED_REASON_BENEFICIARY_DECLINED_SERVICE, weight: 2 },
            { value: NotCompletedReason.NOT_COMPLETED_REASON_ELIGIBILITY_CHANGED, weight: 1 },
          ]),
        },
      ];
    }
    case "declined":
      return [
        ...hold,
        {
          do: "decline",
          reason: f.helpers.weightedArrayElement([
            { value: DeclineReason.DECLINE_REASON_NO_CAPACITY, weight: waitlisted ? 6 : 2 },
            { value: DeclineReason.DECLINE_REASON_ALREADY_RECEIVING_SERVICE, weight: 3 },
            { value: DeclineReason.DECLINE_REASON_INSUFFICIENT_INFORMATION, weight: 2 },
            { value: DeclineReason.DECLINE_REASON_NOT_ELIGIBLE_LOCATION, weight: 2 },
            { value: DeclineReason.DECLINE_REASON_DUPLICATE_REFERRAL, weight: 1 },
            { value: DeclineReason.DECLINE_REASON_OUTSIDE_MANDATE, weight: 1 },
          ]),
        },
      ];
    case "on_hold":
      return [
        {
          do: "hold",
          reason: f.helpers.weightedArrayElement([
            { value: OnHoldReason.ON_HOLD_REASON_CAPACITY_FULL, weight: waitlisted ? 8 : 2 },
            { value: OnHoldReason.ON_HOLD_REASON_AWAITING_DOCUMENTS, weight: 3 },
            { value: OnHoldReason.ON_HOLD_REASON_AWAITING_BENEFICIARY_AVAILABILITY, weight: 3 },
          ]),
        },
      ];
    case "cancelled":
      return [
        ...(f.datatype.boolean(0.4) ? [{ do: "accept" } as Step] : []),
        {
          do: "cancel",
          reason: f.helpers.weightedArrayElement([
            { value: CancelReason.CANCEL_REASON_NEED_RESOLVED, weight: 4 },
            { value: CancelReason.CANCEL_REASON_BENEFICIARY_RELOCATED, weight: 2 },
            { value: CancelReason.CANCEL_REASON_SENT_IN_ERROR, weight: 1 },
            { value: CancelReason.CANCEL_REASON_DUPLICATE, weight: 1 },
          ]),
        },
      ];
    case "redirected":
      throw new Error("redirects are planned by planRedirect");
  }
}

interface Choice {
  referrer: NgoId;
  provinceCode: ProvinceCode;
  serviceType: ServiceType;
  age: number;
}

/** A referrer, province, service type and age that fit an open offering (and the host-community rule). */
function choose(rng: Rng, nationalityHint: "any" | "adult"): Choice {
  const { f } = rng;
  for (;;) {
    const referrer = f.helpers.weightedArrayElement([
      { value: "ngo-hayat" as NgoId, weight: 45 },
      { value: "ngo-umut" as NgoId, weight: 25 },
      { value: "ngo-kopru-relief" as NgoId, weight: 30 },
    ]);
    const provinceCode = f.helpers.arrayElement(NGO_PROVINCES[referrer]);
    const serviceType = f.helpers.weightedArrayElement(SEEDED_SERVICE_WEIGHTS);
    const age = f.helpers.weightedArrayElement([
      { value: f.number.int({ min: 18, max: 35 }), weight: 45 },
      { value: f.number.int({ min: 36, max: 59 }), weight: 40 },
      { value: f.number.int({ min: 60, max: 80 }), weight: nationalityHint === "adult" ? 10 : 15 },
    ]);
    if (openOfferings(serviceType, provinceCode, age).length > 0)
      return { referrer, provinceCode, serviceType, age };
  }
}

function planDirect(rng: Rng, index: number, key: string, state: FinalState, now: Date): PlannedReferral {
  const { f } = rng;
  let c = choose(rng, "any");
  let p = person(rng, index, c.provinceCode, now, c.age, c.age);
  // Turkish citizens are referred to what the host community uses, not to refugee-specific services.
  while (p.nationality === "TR" && !HOST_COMMUNITY_SERVICES.has(c.serviceType)) {
    c = choose(rng, "any");
    p = person(rng, index, c.provinceCode, now, c.age, c.age);
  }
  const offering = f.helpers.arrayElement(openOfferings(c.serviceType, c.provinceCode, c.age));
  const waitlisted = offering.capacity === CapacityStatus.CAPACITY_STATUS_WAITLIST;
  const kind = organisationKind(offering.organisationId);
  // Routing criteria where intake's choice is certain: the only open offering of that kind there.
  const alone = openOfferings(c.serviceType, c.provinceCode, c.age).filter(
    (o) => organisationKind(o.organisationId) === kind,
  );
  const byCriteria =
    !waitlisted &&
    alone.length === 1 &&
    offering.capacity === CapacityStatus.CAPACITY_STATUS_AVAILABLE &&
    f.datatype.boolean(0.25);
  const routing: DemoRouting = byCriteria
    ? {
        kind: "criteria",
        provinceCode: c.provinceCode,
        partnerKinds: [kind],
        expectedTarget: offering.organisationId,
      }
    : {
        kind: "explicit",
        organisationId: offering.organisationId,
        serviceOfferingId: offeringId(offering.organisationId, c.serviceType),
      };
  return {
    key,
    referrer: c.referrer,
    person: p,
    consent: consentFor(rng, [offering.organisationId], [c.serviceType]),
    screening: screening(rng, p, [c.serviceType], now),
    serviceType: c.serviceType,
    priority: priorityOf(rng),
    purpose: Purpose.PURPOSE_SERVICE_PROVISION,
    reason: `DEMO referral (synthetic data): ${SERVICE_LABEL[c.serviceType] ?? ServiceType[c.serviceType]}.`,
    routing,
    steps: stepsFor(rng, state, c.serviceType, waitlisted),
    finalState: state,
  };
}

function planRedirect(rng: Rng, index: number, key: string, now: Date): PlannedReferral {
  const { f } = rng;
  const redirect = f.helpers.arrayElement(REDIRECTS);
  const provinceCode = f.helpers.arrayElement(redirect.provinces);
  const referrer = (NGOS.find(
    (ngo) => NGO_PROVINCES[ngo].includes(provinceCode) && f.datatype.boolean(0.6),
  ) ?? NGOS.find((ngo) => NGO_PROVINCES[ngo].includes(provinceCode))) as NgoId;
  const age = f.number.int({ min: 18, max: 64 });
  let p = person(rng, index, provinceCode, now, age, age);
  while (p.nationality === "TR") p = person(rng, index, provinceCode, now, age, age);
  const from = redirect.from(provinceCode);
  const to = redirect.to(provinceCode);
  const childSteps: Step[] = f.helpers.weightedArrayElement([
    { value: [] as Step[], weight: 2 },
    { value: [{ do: "accept" }] as Step[], weight: 2 },
    {
      value: [
        { do: "accept" },
        { do: "start" },
        {
          do: "complete",
          outcomes: OUTCOMES[redirect.childServiceType] ?? [OutcomeCode.OUTCOME_CODE_SERVICE_PROVIDED_FULL],
        },
      ] as Step[],
      weight: 1,
    },
  ]);
  return {
    key,
    referrer,
    person: p,
    consent: consentFor(rng, [from, to], [redirect.serviceType, redirect.childServiceType]),
    screening: screening(rng, p, [redirect.serviceType], now),
    serviceType: redirect.serviceType,
    priority: priorityOf(rng),
    purpose: Purpose.PURPOSE_SERVICE_PROVISION,
    reason: `DEMO referral (synthetic data): ${SERVICE_LABEL[redirect.serviceType]}.`,
    routing: {
      kind: "explicit",
      organisationId: from,
      serviceOfferingId: offeringId(from, redirect.serviceType),
    },
    steps: [
      {
        do: "redirect",
        to,
        serviceType: redirect.childServiceType,
        reason: redirect.reason,
        childSteps: childSteps,
      },
    ],
    finalState: "redirected",
  };
}

/** MMCC Gaziantep gives direct assistance and refers onward to ECM for cash; both complete. */
function planOnward(rng: Rng, index: number, key: string, now: Date): PlannedReferral {
  const { f } = rng;
  const age = f.number.int({ min: 20, max: 55 });
  let p = person(rng, index, P.gaziantep, now, age, age);
  while (p.nationality === "TR") p = person(rng, index, P.gaziantep, now, age, age);
  const services = [S.SERVICE_TYPE_MMCC_DIRECT_ASSISTANCE, S.SERVICE_TYPE_ECM_CASH];
  return {
    key,
    referrer: index % 2 === 0 ? "ngo-hayat" : "ngo-kopru-relief",
    person: p,
    consent: consentFor(rng, ["mmcc-gaziantep", "ecm-unit"], services),
    screening: screening(rng, p, services, now),
    serviceType: S.SERVICE_TYPE_MMCC_DIRECT_ASSISTANCE,
    priority: Priority.PRIORITY_HIGH,
    purpose: Purpose.PURPOSE_SERVICE_PROVISION,
    reason: `DEMO referral (synthetic data): ${SERVICE_LABEL[S.SERVICE_TYPE_MMCC_DIRECT_ASSISTANCE]}.`,
    routing: {
      kind: "explicit",
      organisationId: "mmcc-gaziantep",
      serviceOfferingId: offeringId("mmcc-gaziantep", S.SERVICE_TYPE_MMCC_DIRECT_ASSISTANCE),
    },
    steps: [
      { do: "accept" },
      { do: "start" },
      {
        do: "onward",
        to: "ecm-unit",
        serviceType: S.SERVICE_TYPE_ECM_CASH,
        priority: Priority.PRIORITY_HIGH,
        reason: "DEMO onward referral (synthetic data): rent arrears, emergency cash needed.",
        childSteps: [
          { do: "accept" },
          { do: "start" },
          { do: "complete", outcomes: [OutcomeCode.OUTCOME_CODE_CASH_TRANSFERRED] },
        ],
      },
      {
        do: "complete",
        outcomes: [
          OutcomeCode.OUTCOME_CODE_IN_KIND_ASSISTANCE_DELIVERED,
          OutcomeCode.OUTCOME_CODE_ONWARD_REFERRAL_MADE,
        ],
      },
    ],
    finalState: "completed_with_onward",
  };
}

/**
 * The demo referrals: `ONWARD_CHAINS` onward chains first, then the rest spread over the final states
 * in exact proportions (FINAL_STATE_SHARES), shuffled by the seed. Same options, same plan.
 */
export function planSeed(options: SeedPlanOptions = {}): PlannedReferral[] {
  const seed = options.seed ?? DEMO_SEED;
  const count = options.count ?? DEFAULT_REFERRAL_COUNT;
  const now = options.now ?? new Date();
  const rng = makeRng(seed);
  const onward = Math.min(ONWARD_CHAINS, count);
  const counts = finalStateCounts(count - onward);
  const states = rng.f.helpers.shuffle(
    (Object.entries(counts) as [FinalState, number][]).flatMap(([state, n]) =>
      Array<FinalState>(n).fill(state),
    ),
  );
  const plan: PlannedReferral[] = [];
  const keyOf = (i: number) => `s${seed}-r${String(i + 1).padStart(3, "0")}`;
  for (let i = 0; i < onward; i++) plan.push(planOnward(rng, i, keyOf(i), now));
  states.forEach((state, j) => {
    const i = onward + j;
    plan.push(
      state === "redirected" ? planRedirect(rng, i, keyOf(i), now) : planDirect(rng, i, keyOf(i), state, now),
    );
  });
  return plan.map(withCasework);
}

/** A number in [0, 1) that depends only on `key`: casework choices leave the random plan as it was. */
function chance(key: string): number {
  return createHash("sha256").update(key).digest().readUInt32BE(0) / 2 ** 32;
}

const WEEKDAYS = [
  Weekday.WEEKDAY_MONDAY,
  Weekday.WEEKDAY_TUESDAY,
  Weekday.WEEKDAY_WEDNESDAY,
  Weekday.WEEKDAY_THURSDAY,
  Weekday.WEEKDAY_FRIDAY,
];

/**
 * What staff do around an accepted referral: most are assigned by the target's supervisor to a
 * caseworker (a few reassigned later to the second caseworker); some people are called, and a few of
 * them are not safe to contact, so the call is refused; a few people's safe-contact windows change
 * after the referral, and the target learns them.
 */
function withCasework(p: PlannedReferral): PlannedReferral {
  const accepted = p.steps.findIndex((s) => s.do === "accept");
  if (accepted < 0) return p;
  const roll = (what: string) => chance(`${p.key}/${what}`);
  const after: Step[] = [];
  if (roll("assign") < 0.7) after.push({ do: "assign", to: "caseworker" });
  let person = p.person;
  const contact = roll("contact");
  if (contact < 0.08) {
    person = { ...person, safeToContact: false };
    after.push({ do: "contactAttempt", expect: "refused" });
  } else if (contact < 0.4) {
    after.push({ do: "contactAttempt", expect: "recorded" });
  } else if (contact < 0.48) {
    person = { ...person, safeWindows: [{ days: WEEKDAYS, startMinute: 9 * 60, endMinute: 17 * 60 }] };
  }
  const steps = [...p.steps.slice(0, accepted + 1), ...after, ...p.steps.slice(accepted + 1)];
  const last = steps.length - 1;
  if (after.some((s) => s.do === "assign") && roll("reassign") < 0.2 && last > accepted + after.length)
    steps.splice(last, 0, { do: "assign", to: "caseworker2" });
  if (roll("update-contact") < 0.06 && person.safeToContact)
    steps.push({
      do: "updateContact",
      windows: [{ days: WEEKDAYS, startMinute: 10 * 60, endMinute: 16 * 60 }],
    });
  return { ...p, person, steps };
}

/** Every service type a plan refers to, directly or through redirects and onward referrals. */
export function serviceTypesOf(referral: PlannedReferral): ServiceType[] {
  const types = new Set<ServiceType>([referral.serviceType]);
  const walk = (steps: readonly Step[]) => {
    for (const step of steps) {
      if (step.do === "redirect" || step.do === "onward") {
        types.add(step.serviceType);
        walk(step.childSteps);
      }
    }
  };
  walk(referral.steps);
  return [...types];
}
