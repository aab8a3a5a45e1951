import { dataCategoryToJSON, serviceTypeFromJSON } from "@kopru/contracts/common/v1/vocabulary";
import type { components } from "@kopru/contracts/openapi/console-api";
import { type DataContract, dataContractFor } from "@kopru/referral/domain";
import { PRIORITIES, SERVICE_TYPES } from "../../api/enums.js";
import type { NewStep, OutboxMethod, StoredProblem } from "../../offline/sync.js";

// The create-referral wizard's data, its checks before anything is sent, and the intake requests it
// becomes. Pure: the page renders it, the outbox sends what `submissionSteps` builds.

type Schemas = components["schemas"];
export type Sex = Schemas["kopru.common.v1.Sex"];
export type LegalStatus = Schemas["kopru.common.v1.LegalStatus"];
export type ContactMethod = Schemas["kopru.referral.v1.ContactMethod"];
export type ConsentGiver = Schemas["kopru.referral.v1.ConsentGiver"];
export type ConsentMethod = Schemas["kopru.referral.v1.ConsentMethod"];
export type PartnerKind = Schemas["kopru.common.v1.PartnerKind"];
export type Purpose = Schemas["kopru.common.v1.Purpose"];
export type DataCategory = Schemas["kopru.common.v1.DataCategory"];
export type ServiceType = Schemas["kopru.common.v1.ServiceType"];
export type VulnerabilityFlag = Schemas["kopru.common.v1.VulnerabilityFlag"];
export type WgDomain = Schemas["kopru.common.v1.WashingtonGroupDomain"];
export type WgSeverity = Schemas["kopru.common.v1.WashingtonGroupSeverity"];
export type Priority = Schemas["kopru.common.v1.Priority"];
export type ServiceMatch = Schemas["kopru.coordination.v1.ServiceMatch"];

export const SEXES: readonly Sex[] = ["SEX_FEMALE", "SEX_MALE", "SEX_OTHER_OR_NOT_STATED"];
export const LEGAL_STATUSES: readonly LegalStatus[] = [
  "LEGAL_STATUS_TEMPORARY_PROTECTION",
  "LEGAL_STATUS_INTERNATIONAL_PROTECTION_APPLICANT",
  "LEGAL_STATUS_INTERNATIONAL_PROTECTION_HOLDER",
  "LEGAL_STATUS_RESIDENCE_PERMIT_HOLDER",
  "LEGAL_STATUS_CITIZEN_HOST_COMMUNITY",
  "LEGAL_STATUS_UNDOCUMENTED",
  "LEGAL_STATUS_OTHER",
];
export const CONTACT_METHODS: readonly ContactMethod[] = [
  "CONTACT_METHOD_PHONE_CALL",
  "CONTACT_METHOD_SMS",
  "CONTACT_METHOD_WHATSAPP",
  "CONTACT_METHOD_IN_PERSON",
];
export const CONSENT_GIVERS: readonly ConsentGiver[] = [
  "CONSENT_GIVER_SELF",
  "CONSENT_GIVER_CAREGIVER",
  "CONSENT_GIVER_LEGAL_GUARDIAN",
];
export const CONSENT_METHODS: readonly ConsentMethod[] = [
  "CONSENT_METHOD_VERBAL_RECORDED",
  "CONSENT_METHOD_WRITTEN_SIGNED",
  "CONSENT_METHOD_DIGITAL",
];
export const PARTNER_KINDS: readonly PartnerKind[] = [
  "PARTNER_KIND_MUNICIPALITY",
  "PARTNER_KIND_ECM_UNIT",
  "PARTNER_KIND_PROTECTION_PARTNER",
  "PARTNER_KIND_COMMUNITY_CENTRE",
  "PARTNER_KIND_UN_AGENCY",
  "PARTNER_KIND_INTERNATIONAL_NGO",
  "PARTNER_KIND_NATIONAL_NGO",
  "PARTNER_KIND_GOVERNMENT_SERVICE",
];
export const PURPOSES: readonly Purpose[] = [
  "PURPOSE_SERVICE_PROVISION",
  "PURPOSE_CASE_MANAGEMENT",
  "PURPOSE_ASSISTANCE_DELIVERY",
  "PURPOSE_OUTCOME_FOLLOW_UP",
  "PURPOSE_STATISTICAL_REPORTING",
];
export const DATA_CATEGORIES: readonly DataCategory[] = [
  "DATA_CATEGORY_IDENTITY",
  "DATA_CATEGORY_CONTACT",
  "DATA_CATEGORY_DEMOGRAPHICS",
  "DATA_CATEGORY_LEGAL_STATUS",
  "DATA_CATEGORY_HOUSEHOLD",
  "DATA_CATEGORY_NEEDS",
  "DATA_CATEGORY_DISABILITY",
  "DATA_CATEGORY_PROTECTION",
  "DATA_CATEGORY_GBV",
  "DATA_CATEGORY_CHILD_PROTECTION",
  "DATA_CATEGORY_HEALTH",
  "DATA_CATEGORY_MHPSS",
  "DATA_CATEGORY_FINANCIAL",
  "DATA_CATEGORY_EDUCATION",
];
export const VULNERABILITIES: readonly VulnerabilityFlag[] = [
  "VULNERABILITY_FLAG_UNACCOMPANIED_OR_SEPARATED_CHILD",
  "VULNERABILITY_FLAG_SINGLE_PARENT",
  "VULNERABILITY_FLAG_OLDER_PERSON_AT_RISK",
  "VULNERABILITY_FLAG_PERSON_WITH_DISABILITY",
  "VULNERABILITY_FLAG_SERIOUS_MEDICAL_CONDITION",
  "VULNERABILITY_FLAG_SURVIVOR_OF_VIOLENCE",
  "VULNERABILITY_FLAG_AT_RISK_OF_EVICTION",
  "VULNERABILITY_FLAG_PREGNANT_OR_LACTATING",
  "VULNERABILITY_FLAG_WOMAN_AT_RISK",
  "VULNERABILITY_FLAG_CHILD_AT_RISK",
];
export const WG_DOMAINS: readonly WgDomain[] = [
  "WASHINGTON_GROUP_DOMAIN_SEEING",
  "WASHINGTON_GROUP_DOMAIN_HEARING",
  "WASHINGTON_GROUP_DOMAIN_WALKING",
  "WASHINGTON_GROUP_DOMAIN_COGNITION",
  "WASHINGTON_GROUP_DOMAIN_SELF_CARE",
  "WASHINGTON_GROUP_DOMAIN_COMMUNICATION",
];
export const WG_SEVERITIES: readonly WgSeverity[] = [
  "WASHINGTON_GROUP_SEVERITY_NO_DIFFICULTY",
  "WASHINGTON_GROUP_SEVERITY_SOME_DIFFICULTY",
  "WASHINGTON_GROUP_SEVERITY_A_LOT_OF_DIFFICULTY",
  "WASHINGTON_GROUP_SEVERITY_CANNOT_DO_AT_ALL",
];
/** Provinces with refugee response (ADM1 p-codes); names are proper nouns, not translated. */
export const PROVINCES: readonly { code: string; name: string }[] = [
  { code: "TUR001", name: "Adana" },
  { code: "TUR006", name: "Ankara" },
  { code: "TUR016", name: "Bursa" },
  { code: "TUR021", name: "Diyarbakır" },
  { code: "TUR027", name: "Gaziantep" },
  { code: "TUR031", name: "Hatay" },
  { code: "TUR033", name: "Mersin" },
  { code: "TUR034", name: "İstanbul" },
  { code: "TUR035", name: "İzmir" },
  { code: "TUR042", name: "Konya" },
  { code: "TUR044", name: "Malatya" },
  { code: "TUR046", name: "Kahramanmaraş" },
  { code: "TUR047", name: "Mardin" },
  { code: "TUR063", name: "Şanlıurfa" },
  { code: "TUR079", name: "Kilis" },
];

/** Languages people are registered with (BCP 47); shown by their own names. */
export const LANGUAGE_CHOICES: readonly { tag: string; name: string }[] = [
  { tag: "ar", name: "العربية" },
  { tag: "tr", name: "Türkçe" },
  { tag: "fa", name: "فارسی" },
  { tag: "ku", name: "Kurdî" },
  { tag: "ps", name: "پښتو" },
  { tag: "ur", name: "اردو" },
  { tag: "so", name: "Soomaali" },
  { tag: "en", name: "English" },
  { tag: "fr", name: "Français" },
  { tag: "ru", name: "Русский" },
  { tag: "uk", name: "Українська" },
];

export const STEPS = ["person", "consent", "needs", "referral", "confirm"] as const;
export type StepId = (typeof STEPS)[number];

export interface PersonDraft {
  mode: "new" | "existing";
  existingId: string;
  givenName: string;
  familyName: string;
  preferredName: string;
  sex: Sex | "";
  birthYear: string;
  nationality: string;
  legalStatus: LegalStatus | "";
  provinceCode: string;
  districtCode: string;
  phoneNumber: string;
  preferredLanguage: string;
  interpreterNeeded: boolean;
  interpreterLanguage: string;
  safeToContact: boolean;
  safeTimes: string;
  preferredContactMethod: ContactMethod | "";
}

export interface ConsentDraft {
  givenBy: ConsentGiver;
  caregiverRelationship: string;
  method: ConsentMethod | "";
  explainedInLanguage: string;
  interpreterUsed: boolean;
  partnerKinds: PartnerKind[];
  /** Organisations named, with their directory names for display. */
  organisations: { id: string; name: string }[];
  purposes: Purpose[];
  dataCategories: DataCategory[];
  /** The last day the consent covers (yyyy-mm-dd, the user's calendar). */
  expiresOn: string;
}

export interface NeedsDraft {
  servicesNeeded: ServiceType[];
  vulnerabilities: VulnerabilityFlag[];
  wg: Partial<Record<WgDomain, WgSeverity>>;
  needsSummary: string;
  householdSize: string;
  childrenCount: string;
  dependantsWithDisability: string;
  femaleHeaded: boolean;
}

export interface ChosenTarget {
  organisationId: string;
  organisationName: string;
  partnerKind?: PartnerKind | undefined;
  serviceOfferingId?: string | undefined;
  offeringName?: string | undefined;
}

export interface ReferralDraft {
  serviceType: ServiceType | "";
  priority: Priority;
  purpose: Purpose;
  reasonForReferral: string;
  /** A target chosen among the suggestions, or null: intake picks the best match when it is sent. */
  target: ChosenTarget | null;
  /** The optional categories the referrer chose to share besides the offering's required ones. */
  extraCategories: DataCategory[];
}

export interface WizardDraft {
  person: PersonDraft;
  consent: ConsentDraft;
  needs: NeedsDraft;
  referral: ReferralDraft;
}

function isoDay(date: Date): string {
  const y = date.getFullYear();
  const m = String(date.getMonth() + 1).padStart(2, "0");
  const d = String(date.getDate()).padStart(2, "0");
  return `${y}-${m}-${d}`;
}

export function emptyDraft(now = new Date()): WizardDraft {
  const inAYear = new Date(now);
  inAYear.setFullYear(now.getFullYear() + 1);
  return {
    person: {
      mode: "new",
      existingId: "",
      givenName: "",
      familyName: "",
      preferredName: "",
      sex: "",
      birthYear: "",
      nationality: "",
      legalStatus: "",
      provinceCode: "",
      districtCode: "",
      phoneNumber: "",
      preferredLanguage: "",
      interpreterNeeded: false,
      interpreterLanguage: "",
      safeToContact: true,
      safeTimes: "",
      preferredContactMethod: "",
    },
    consent: {
      givenBy: "CONSENT_GIVER_SELF",
      caregiverRelationship: "",
      method: "",
      explainedInLanguage: "",
      interpreterUsed: false,
      partnerKinds: [],
      organisations: [],
      purposes: ["PURPOSE_SERVICE_PROVISION"],
      dataCategories: ["DATA_CATEGORY_IDENTITY", "DATA_CATEGORY_CONTACT", "DATA_CATEGORY_DEMOGRAPHICS"],
      expiresOn: isoDay(inAYear),
    },
    needs: {
      servicesNeeded: [],
      vulnerabilities: [],
      wg: {},
      needsSummary: "",
      householdSize: "",
      childrenCount: "",
      dependantsWithDisability: "",
      femaleHeaded: false,
    },
    referral: {
      serviceType: "",
      priority: "PRIORITY_NORMAL",
      purpose: "PURPOSE_SERVICE_PROVISION",
      reasonForReferral: "",
      target: null,
      extraCategories: [],
    },
  };
}

/** A field's problem: a translation key of the `wizard` namespace (`check.*`) or the server's reason. */
export interface FieldProblem {
  key?: string;
  reason?: string;
}
export type FieldProblems = Record<string, FieldProblem>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LANGUAGE = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;
const E164 = /^\+[1-9][0-9]{6,14}$/;
const COUNTRY = /^[A-Z]{2}$/;
const PCODE = /^[A-Z]{2,3}[0-9]{1,12}$/;

function whole(value: string): number | undefined {
  if (value.trim() === "") return undefined;
  const n = Number(value);
  return Number.isInteger(n) ? n : Number.NaN;
}

/** The checks that need no server, per step (the server checks again and may name more). */
export function checkStep(step: StepId, draft: WizardDraft, now = new Date()): FieldProblems {
  const problems: FieldProblems = {};
  const need = (field: string, ok: boolean, key: string) => {
    if (!ok && !problems[field]) problems[field] = { key };
  };
  if (step === "person") {
    const p = draft.person;
    if (p.mode === "existing") {
      need("person.existingId", UUID.test(p.existingId.trim()), "check.beneficiaryId");
      return problems;
    }
    need("person.givenName", p.givenName.trim() !== "", "check.required");
    need("person.familyName", p.familyName.trim() !== "", "check.required");
    need("person.sex", p.sex !== "", "check.required");
    const year = whole(p.birthYear);
    need(
      "person.birthYear",
      year === undefined || (year >= now.getFullYear() - 120 && year <= now.getFullYear()),
      "check.birthYear",
    );
    need("person.nationality", p.nationality === "" || COUNTRY.test(p.nationality), "check.nationality");
    need("person.provinceCode", p.provinceCode !== "", "check.required");
    need("person.provinceCode", PCODE.test(p.provinceCode), "check.pcode");
    need("person.districtCode", p.districtCode === "" || PCODE.test(p.districtCode), "check.pcode");
    need("person.phoneNumber", p.phoneNumber === "" || E164.test(p.phoneNumber), "check.phone");
    need("person.preferredLanguage", p.preferredLanguage !== "", "check.required");
    need("person.preferredLanguage", LANGUAGE.test(p.preferredLanguage), "check.language");
    if (p.interpreterNeeded)
      need("person.interpreterLanguage", LANGUAGE.test(p.interpreterLanguage), "check.language");
  }
  if (step === "consent") {
    const c = draft.consent;
    need("consent.method", c.method !== "", "check.required");
    if (c.givenBy !== "CONSENT_GIVER_SELF")
      need("consent.caregiverRelationship", c.caregiverRelationship.trim() !== "", "check.required");
    need("consent.explainedInLanguage", LANGUAGE.test(c.explainedInLanguage), "check.language");
    need("consent.partnerKinds", c.partnerKinds.length > 0 || c.organisations.length > 0, "check.withWhom");
    need("consent.purposes", c.purposes.length > 0, "check.atLeastOne");
    need("consent.dataCategories", c.dataCategories.length > 0, "check.atLeastOne");
    const expires = expiresAtOf(c.expiresOn);
    need("consent.expiresOn", expires !== undefined && Date.parse(expires) > now.getTime(), "check.future");
  }
  if (step === "needs") {
    const n = draft.needs;
    const size = whole(n.householdSize);
    const children = whole(n.childrenCount);
    const dependants = whole(n.dependantsWithDisability);
    need("needs.householdSize", size === undefined || (size >= 1 && size <= 50), "check.householdSize");
    need(
      "needs.childrenCount",
      children === undefined || (children >= 0 && children <= (size ?? 50)),
      "check.householdCount",
    );
    need(
      "needs.dependantsWithDisability",
      dependants === undefined || (dependants >= 0 && dependants <= (size ?? 50)),
      "check.householdCount",
    );
  }
  if (step === "referral") {
    const r = draft.referral;
    need("referral.serviceType", r.serviceType !== "", "check.required");
    need("referral.reasonForReferral", r.reasonForReferral.trim() !== "", "check.required");
    need("referral.purpose", draft.consent.purposes.includes(r.purpose), "check.purposeNotConsented");
    if (r.target) need("referral.target", consentCovers(draft.consent, r.target), "check.targetNotCovered");
  }
  if (step === "confirm") {
    need("confirm.categories", requiredNotConsented(draft).length === 0, "check.requiredNotConsented");
    need("confirm.categories", requiredNotHeld(draft).length === 0, "check.requiredNotHeld");
  }
  return problems;
}

/** The end of the chosen day in the user's time zone, as an instant. */
export function expiresAtOf(day: string): string | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!match) return undefined;
  const date = new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]), 23, 59, 59);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** Whether the consent as drafted covers sending to a target (its organisation or its kind). */
export function consentCovers(consent: ConsentDraft, target: ChosenTarget): boolean {
  return (
    consent.organisations.some((o) => o.id === target.organisationId) ||
    (target.partnerKind !== undefined && consent.partnerKinds.includes(target.partnerKind))
  );
}

/**
 * The sections this draft holds data for (the categories intake could send at all). For a person
 * registered earlier only what every registration has, and what this screening adds, is certain.
 */
export function heldCategories(draft: WizardDraft): DataCategory[] {
  const held: DataCategory[] = [
    "DATA_CATEGORY_IDENTITY",
    "DATA_CATEGORY_CONTACT",
    "DATA_CATEGORY_DEMOGRAPHICS",
  ];
  if (draft.person.mode === "new" && draft.person.legalStatus !== "") held.push("DATA_CATEGORY_LEGAL_STATUS");
  held.push("DATA_CATEGORY_NEEDS");
  const n = draft.needs;
  if (Object.keys(n.wg).length > 0) held.push("DATA_CATEGORY_DISABILITY");
  if (n.householdSize || n.childrenCount || n.dependantsWithDisability || n.femaleHeaded)
    held.push("DATA_CATEGORY_HOUSEHOLD");
  return DATA_CATEGORIES.filter((c) => held.includes(c));
}

/**
 * The service type's data contract in the console's names: the table intake cuts every package by
 * (`@kopru/referral/domain`), imported rather than restated, so the confirmation cannot drift from
 * what is sent. An offering's own required/accepted lists in the directory describe it; they do not
 * decide what a package carries.
 */
export function contractOf(serviceType: ServiceType | ""): {
  required: DataCategory[];
  optional: DataCategory[];
} {
  if (serviceType === "") return { required: [], optional: [] };
  let contract: DataContract;
  try {
    contract = dataContractFor(serviceTypeFromJSON(serviceType));
  } catch {
    // UNSPECIFIED or a type newer than this build: intake refuses it, so nothing would be shared.
    return { required: [], optional: [] };
  }
  const names = (list: readonly number[]) => list.map((c) => dataCategoryToJSON(c) as DataCategory);
  return { required: names(contract.required), optional: names(contract.optional) };
}

/**
 * Exactly the categories the referral will share with a chosen target: its service type's required
 * categories and the optional ones chosen (those the consent names and this person has data for).
 * They are sent as the referral's categories, so intake shares these and no others, or refuses. With
 * "best match" the target is not known yet: undefined.
 */
export function categoriesToShare(draft: WizardDraft): DataCategory[] | undefined {
  if (!draft.referral.target) return undefined;
  const { required } = contractOf(draft.referral.serviceType);
  const chosen = new Set(draft.referral.extraCategories);
  const extra = new Set(optionalCategories(draft).filter((c) => chosen.has(c)));
  return DATA_CATEGORIES.filter((c) => required.includes(c) || extra.has(c));
}

/**
 * What a "best match" referral shares, whichever organisation is chosen: intake's rule when the
 * referral names no categories — the service type's required categories and the optional ones the
 * consent names, of those this person has data for.
 */
export function mostSharedByBestMatch(draft: WizardDraft): DataCategory[] {
  const { required, optional } = contractOf(draft.referral.serviceType);
  const held = new Set(heldCategories(draft));
  const consented = new Set(draft.consent.dataCategories);
  return DATA_CATEGORIES.filter(
    (c) => held.has(c) && (required.includes(c) || (optional.includes(c) && consented.has(c))),
  );
}

/** The service type's required categories this (new) person has no data for: intake would refuse. */
export function requiredNotHeld(draft: WizardDraft): DataCategory[] {
  if (!draft.referral.target || draft.person.mode !== "new") return [];
  const held = new Set(heldCategories(draft));
  return contractOf(draft.referral.serviceType).required.filter((c) => !held.has(c));
}

/** Optional categories the referrer may add: in the service type's contract, consented and held. */
export function optionalCategories(draft: WizardDraft): DataCategory[] {
  if (!draft.referral.target) return [];
  const held = new Set(heldCategories(draft));
  return contractOf(draft.referral.serviceType).optional.filter(
    (c) => held.has(c) && draft.consent.dataCategories.includes(c),
  );
}

/** The service type's required categories the consent does not name (the referral would be refused). */
export function requiredNotConsented(draft: WizardDraft): DataCategory[] {
  if (!draft.referral.target) return [];
  return contractOf(draft.referral.serviceType).required.filter(
    (c) => !draft.consent.dataCategories.includes(c),
  );
}

function optionalText(value: string): string | undefined {
  const trimmed = value.trim();
  return trimmed === "" ? undefined : trimmed;
}

/** The intake requests the draft becomes, in order (the outbox adds keys and the ids answered). */
export function submissionSteps(draft: WizardDraft, organisationId: string, at: string): NewStep[] {
  const p = draft.person;
  const c = draft.consent;
  const n = draft.needs;
  const r = draft.referral;
  const steps: NewStep[] = [];
  if (p.mode === "new") {
    const year = whole(p.birthYear);
    steps.push({
      method: "RegisterBeneficiary",
      request: prune({
        organisationId,
        givenName: p.givenName.trim(),
        familyName: p.familyName.trim(),
        preferredName: optionalText(p.preferredName),
        sex: p.sex || undefined,
        birthYear: year,
        nationality: p.nationality,
        legalStatus: p.legalStatus || undefined,
        residence: prune({ provinceCode: p.provinceCode, districtCode: optionalText(p.districtCode) }),
        phoneNumber: optionalText(p.phoneNumber),
        preferredLanguage: p.preferredLanguage,
        interpreterNeeded: p.interpreterNeeded,
        interpreterLanguage: p.interpreterNeeded ? optionalText(p.interpreterLanguage) : undefined,
        safeToContact: p.safeToContact,
        safeTimes: optionalText(p.safeTimes),
        preferredContactMethod: p.preferredContactMethod || undefined,
      }),
    });
  }
  steps.push({
    method: "RecordConsent",
    inputs: ["beneficiaryId"],
    request: prune({
      givenBy: c.givenBy,
      caregiverRelationship:
        c.givenBy === "CONSENT_GIVER_SELF" ? undefined : optionalText(c.caregiverRelationship),
      method: c.method || undefined,
      explainedInLanguage: c.explainedInLanguage,
      interpreterUsed: c.interpreterUsed,
      recordedAt: at,
      scope: {
        organisationIds: c.organisations.map((o) => o.id),
        partnerKinds: [...c.partnerKinds],
        purposes: [...c.purposes],
        dataCategories: [...c.dataCategories],
      },
      expiresAt: expiresAtOf(c.expiresOn),
    }),
  });
  const size = whole(n.householdSize);
  const children = whole(n.childrenCount);
  const dependants = whole(n.dependantsWithDisability);
  const household =
    size !== undefined || children !== undefined || dependants !== undefined || n.femaleHeaded
      ? prune({
          size,
          childrenCount: children,
          dependantsWithDisability: dependants,
          femaleHeaded: n.femaleHeaded,
        })
      : undefined;
  steps.push({
    method: "ScreenNeeds",
    inputs: ["beneficiaryId"],
    request: prune({
      servicesNeeded: [...n.servicesNeeded],
      vulnerabilities: [...n.vulnerabilities],
      washingtonGroupAnswers: WG_DOMAINS.filter((d) => n.wg[d]).map((domain) => ({
        domain,
        severity: n.wg[domain],
      })),
      needsSummary: optionalText(n.needsSummary),
      household,
    }),
  });
  // With a chosen target, exactly the categories the confirmation showed; else intake's rule for the
  // service (its required categories and the optional ones the consent names).
  const shared = categoriesToShare(draft) ?? [];
  steps.push({
    method: "CreateReferral",
    inputs: ["beneficiaryId", "consentId"],
    request: prune({
      serviceType: r.serviceType || undefined,
      priority: r.priority,
      purpose: r.purpose,
      reasonForReferral: r.reasonForReferral.trim(),
      ...(r.target
        ? {
            explicitTarget: prune({
              organisationId: r.target.organisationId,
              serviceOfferingId: r.target.serviceOfferingId,
            }),
          }
        : {
            routingCriteria: prune({
              location: p.mode === "new" ? { provinceCode: p.provinceCode } : undefined,
              language: p.mode === "new" ? p.preferredLanguage || undefined : undefined,
            }),
          }),
      dataCategories: shared,
    }),
  });
  return steps;
}

/** Without undefined members (proto3 JSON: absent, not null). */
function prune<T extends Record<string, unknown>>(value: T): T {
  const out: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value)) if (member !== undefined) out[key] = member;
  return out as T;
}

/** Where a step of the submission is edited in the wizard. */
export function stepOfMethod(method: OutboxMethod): StepId {
  switch (method) {
    case "RegisterBeneficiary":
      return "person";
    case "RecordConsent":
      return "consent";
    case "ScreenNeeds":
      return "needs";
    case "CreateReferral":
      return "referral";
  }
}

const FIELD_ALIASES: Record<OutboxMethod, Record<string, string>> = {
  RegisterBeneficiary: {
    "residence.provinceCode": "person.provinceCode",
    "residence.districtCode": "person.districtCode",
    residence: "person.provinceCode",
  },
  RecordConsent: {
    beneficiaryId: "person.existingId",
    scope: "consent.partnerKinds",
    "scope.organisationIds": "consent.partnerKinds",
    "scope.partnerKinds": "consent.partnerKinds",
    "scope.purposes": "consent.purposes",
    "scope.dataCategories": "consent.dataCategories",
    expiresAt: "consent.expiresOn",
    recordedAt: "consent.expiresOn",
  },
  ScreenNeeds: {
    beneficiaryId: "person.existingId",
    washingtonGroupAnswers: "needs.wg",
    "household.size": "needs.householdSize",
    "household.childrenCount": "needs.childrenCount",
    "household.dependantsWithDisability": "needs.dependantsWithDisability",
    household: "needs.householdSize",
  },
  CreateReferral: {
    beneficiaryId: "person.existingId",
    consentId: "consent.partnerKinds",
    explicitTarget: "referral.target",
    "explicitTarget.organisationId": "referral.target",
    "explicitTarget.serviceOfferingId": "referral.target",
    routingCriteria: "referral.target",
    dataCategories: "referral.target",
  },
};

/** A server's field name ("body.residence.province_code", "scope.purposes[0]") as the draft's field. */
export function draftFieldOf(method: OutboxMethod, name: string): string {
  const path = name
    .replace(/^(body|\/body)[./]?/, "")
    .replace(/^\//, "")
    .replace(/\//g, ".")
    .replace(/\[\d+\]/g, "")
    .replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
  const aliases = FIELD_ALIASES[method];
  for (let parts = path.split("."); parts.length > 0; parts = parts.slice(0, -1)) {
    const alias = aliases[parts.join(".")];
    if (alias) return alias;
  }
  return `${stepOfMethod(method)}.${path.split(".")[0]}`;
}

/** The server's refusal as field problems of the draft. */
export function problemsOfRefusal(method: OutboxMethod, problem: StoredProblem): FieldProblems {
  const problems: FieldProblems = {};
  for (const param of problem.invalidParams) {
    const field = draftFieldOf(method, param.name);
    problems[field] ??= { reason: `${param.name}: ${param.reason}` };
  }
  return problems;
}

export { PRIORITIES, SERVICE_TYPES };
