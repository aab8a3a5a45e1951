import {
  ChildProtectionConcern,
  DistressLevel,
  GbvIncidentType,
  ProtectionConcern,
  RiskLevel,
  TimeSinceIncident,
} from "@kopru/contracts/common/v1/needs";
import type { NeedsScreening } from "@kopru/contracts/intake/v1/beneficiary";
import type { ScreenNeedsRequest } from "@kopru/contracts/intake/v1/intake_service";
import {
  DocumentType,
  PaymentChannel,
  type ReferralPackage,
  SchoolEnrolmentStatus,
} from "@kopru/contracts/referral/v1/package";
import type { Command } from "commander";
import { enumName, type ProtoEnum, parseEnum, parseEnumList } from "./enums.js";
import { integer } from "./requests.js";

// `needs screen` options for the sections some data contracts require (protection, GBV, child
// protection, health, MHPSS, financial, education, legal document). A section is sent only when one of
// its options is given; the server checks the rest (INVALID_ARGUMENT naming the field).

export const SECTION_ENUMS = {
  risk: RiskLevel,
  protectionConcern: ProtectionConcern,
  gbvIncident: GbvIncidentType,
  timeSinceIncident: TimeSinceIncident,
  childProtectionConcern: ChildProtectionConcern,
  distress: DistressLevel,
  paymentChannel: PaymentChannel,
  school: SchoolEnrolmentStatus,
  document: DocumentType,
} as const;

export interface SectionOptions {
  risk?: string;
  protectionConcern?: string[];
  protectionSummary?: string;
  gbvIncident?: string;
  gbvSince?: string;
  gbvImmediateRisk?: boolean;
  gbvNotes?: string;
  cpConcern?: string[];
  cpCaregiverPresent?: boolean;
  cpBiaDone?: boolean;
  cpSummary?: string;
  healthSummary?: string;
  urgentMedical?: boolean;
  pregnant?: boolean;
  distress?: string;
  priorMhpss?: boolean;
  priorMhpssSummary?: string;
  paymentChannel?: string;
  accountHolder?: string;
  accountReference?: string;
  school?: string;
  grade?: string;
  schoolName?: string;
  schoolTransport?: boolean;
  document?: string;
  documentNumber?: string;
  registrationProvince?: string;
}

export function addScreeningSectionOptions(command: Command): Command {
  const collect = (value: string, previous: string[] = []) => [...previous, value];
  return command
    .option("--risk <level>", "protection risk: low | medium | high | critical")
    .option("--protection-concern <concerns>", "e.g. physical_safety,documentation", collect)
    .option("--protection-summary <text>", "protection concerns in a few words (personal data)")
    .option("--gbv-incident <type>", "RESTRICTED: e.g. physical_assault, forced_marriage")
    .option("--gbv-since <time>", "time since the incident, e.g. 0_3_days, 6_14_days")
    .option("--gbv-immediate-risk", "the survivor is at immediate risk")
    .option("--gbv-notes <text>", "RESTRICTED: only what the survivor wants shared, in their words")
    .option(
      "--cp-concern <concerns>",
      "RESTRICTED: child protection, e.g. unaccompanied,child_labour",
      collect,
    )
    .option("--cp-caregiver-present", "a caregiver is present with the child")
    .option("--cp-bia-done", "a best interests assessment has been done")
    .option("--cp-summary <text>", "RESTRICTED: child-protection concerns in a few words")
    .option("--health-summary <text>", "relevant conditions (special-category data)")
    .option("--urgent-medical", "needs medical attention urgently")
    .option("--pregnant", "the person is pregnant")
    .option("--distress <level>", "MHPSS distress: mild | moderate | severe")
    .option("--prior-mhpss", "received MHPSS before")
    .option("--prior-mhpss-summary <text>", "prior MHPSS in a few words")
    .option(
      "--payment-channel <channel>",
      "bank_account | prepaid_card | cash_pickup | mobile_wallet | cash_in_hand",
    )
    .option("--account-holder <name>", "name of the account or card holder")
    .option("--account-reference <ref>", "IBAN, card reference or wallet id")
    .option("--school <status>", "enrolled | not_enrolled | dropped_out")
    .option("--grade <n>", "school grade (1-12)")
    .option("--school-name <name>", "name of the school")
    .option("--school-transport", "needs school transport")
    .option("--document <type>", "e.g. temporary_protection_id, residence_permit, passport, none")
    .option("--document-number <number>", "document number (shared only where a contract needs it)")
    .option("--registration-province <p-code>", "province where the person is registered, e.g. TUR027");
}

const given = (...values: unknown[]) =>
  values.some((v) => v !== undefined && !(Array.isArray(v) && v.length === 0));

/** The screening sections the options describe (each only when one of its options was given). */
export function screeningSections(
  o: SectionOptions,
): Pick<
  ScreenNeedsRequest,
  "protection" | "gbv" | "childProtection" | "health" | "mhpss" | "financial" | "education" | "legalDocument"
> {
  const e = SECTION_ENUMS;
  return {
    protection: given(o.risk, o.protectionConcern, o.protectionSummary)
      ? {
          riskLevel: o.risk ? parseEnum(e.risk, o.risk, "--risk") : 0,
          concerns: parseEnumList(e.protectionConcern, o.protectionConcern, "--protection-concern"),
          concernsSummary: o.protectionSummary,
        }
      : undefined,
    gbv: given(o.gbvIncident, o.gbvSince, o.gbvImmediateRisk, o.gbvNotes)
      ? {
          incidentType: o.gbvIncident ? parseEnum(e.gbvIncident, o.gbvIncident, "--gbv-incident") : 0,
          timeSinceIncident: o.gbvSince ? parseEnum(e.timeSinceIncident, o.gbvSince, "--gbv-since") : 0,
          immediateSafetyRisk: o.gbvImmediateRisk,
          survivorCentredNotes: o.gbvNotes,
        }
      : undefined,
    childProtection: given(o.cpConcern, o.cpCaregiverPresent, o.cpBiaDone, o.cpSummary)
      ? {
          concerns: parseEnumList(e.childProtectionConcern, o.cpConcern, "--cp-concern"),
          caregiverPresent: o.cpCaregiverPresent,
          bestInterestsAssessmentDone: o.cpBiaDone,
          concernsSummary: o.cpSummary,
        }
      : undefined,
    health: given(o.healthSummary, o.urgentMedical, o.pregnant)
      ? { conditionsSummary: o.healthSummary, urgentMedicalNeed: o.urgentMedical, pregnant: o.pregnant }
      : undefined,
    mhpss: given(o.distress, o.priorMhpss, o.priorMhpssSummary)
      ? {
          distressLevel: o.distress ? parseEnum(e.distress, o.distress, "--distress") : 0,
          priorSupportReceived: o.priorMhpss,
          priorSupportSummary: o.priorMhpssSummary,
        }
      : undefined,
    financial: given(o.paymentChannel, o.accountHolder, o.accountReference)
      ? {
          paymentChannel: o.paymentChannel
            ? parseEnum(e.paymentChannel, o.paymentChannel, "--payment-channel")
            : 0,
          accountHolderName: o.accountHolder,
          accountReference: o.accountReference,
        }
      : undefined,
    education: given(o.school, o.grade, o.schoolName, o.schoolTransport)
      ? {
          enrolmentStatus: o.school ? parseEnum(e.school, o.school, "--school") : 0,
          grade: o.grade === undefined ? undefined : integer(o.grade, "--grade", 1, 12),
          schoolName: o.schoolName,
          needsSchoolTransport: o.schoolTransport,
        }
      : undefined,
    legalDocument: given(o.document, o.documentNumber, o.registrationProvince)
      ? {
          documentType: o.document ? parseEnum(e.document, o.document, "--document") : 0,
          documentNumber: o.documentNumber,
          registrationProvinceCode: o.registrationProvince?.trim().toUpperCase() ?? "",
        }
      : undefined,
  };
}

/** Which sections a screening shown to the caller holds, e.g. "household, protection, health". */
export function screenedSectionNames(s: NeedsScreening): string | undefined {
  const present = (
    [
      ["household", s.household],
      ["protection", s.protection],
      ["gbv", s.gbv],
      ["child protection", s.childProtection],
      ["health", s.health],
      ["mhpss", s.mhpss],
      ["financial", s.financial],
      ["education", s.education],
      ["legal document", s.legalDocument],
    ] as const
  )
    .filter(([, section]) => section !== undefined)
    .map(([name]) => name);
  return present.length > 0 ? present.join(", ") : undefined;
}

/**
 * The package lines for the sections some data contracts require and for the language needs, in the
 * `fields` shape, for `inbox show` (and anywhere a package is printed). Restricted sections appear only
 * when the server returned them (it withholds them from anyone without the restricted role).
 */
export function packageSectionLines(p: ReferralPackage): [string, string | undefined][] {
  const e = SECTION_ENUMS;
  const name = enumName;
  const list = (enumObject: ProtoEnum, values: readonly number[]) =>
    values.map((v) => enumName(enumObject, v)).join(", ");
  const yes = (label: string, value: boolean | undefined) => (value ? label : undefined);
  const join = (...parts: (string | undefined)[]) => parts.filter((x) => x).join("; ") || undefined;
  const l = p.languageNeeds;
  return [
    [
      "language needs",
      l
        ? `${l.preferredLanguage || "?"}${l.interpreterNeeded ? ` (interpreter: ${l.interpreterLanguage ?? "yes"})` : ""}`
        : undefined,
    ],
    [
      "document",
      p.legalStatus?.documentType
        ? join(
            name(e.document, p.legalStatus.documentType),
            p.legalStatus.documentNumber,
            p.legalStatus.registrationProvinceCode || undefined,
          )
        : undefined,
    ],
    [
      "protection",
      p.protection
        ? join(
            name(e.risk, p.protection.riskLevel),
            list(e.protectionConcern, p.protection.concerns),
            p.protection.concernsSummary,
          )
        : undefined,
    ],
    [
      "GBV (restricted)",
      p.gbv
        ? join(
            name(e.gbvIncident, p.gbv.incidentType),
            p.gbv.timeSinceIncident ? name(e.timeSinceIncident, p.gbv.timeSinceIncident) : undefined,
            yes("IMMEDIATE SAFETY RISK", p.gbv.immediateSafetyRisk),
            p.gbv.survivorCentredNotes,
          )
        : undefined,
    ],
    [
      "child protection (restricted)",
      p.childProtection
        ? join(
            list(e.childProtectionConcern, p.childProtection.concerns),
            yes("caregiver present", p.childProtection.caregiverPresent),
            yes("BIA done", p.childProtection.bestInterestsAssessmentDone),
            p.childProtection.concernsSummary,
          )
        : undefined,
    ],
    [
      "health",
      p.health
        ? join(
            yes("URGENT", p.health.urgentMedicalNeed),
            yes("pregnant", p.health.pregnant),
            p.health.conditionsSummary,
          )
        : undefined,
    ],
    [
      "MHPSS",
      p.mhpss
        ? join(
            name(e.distress, p.mhpss.distressLevel),
            yes("prior support", p.mhpss.priorSupportReceived),
            p.mhpss.priorSupportSummary,
          )
        : undefined,
    ],
    [
      "payment",
      p.financial
        ? join(
            name(e.paymentChannel, p.financial.paymentChannel),
            p.financial.accountHolderName,
            p.financial.accountReference,
          )
        : undefined,
    ],
    [
      "education",
      p.education
        ? join(
            name(e.school, p.education.enrolmentStatus),
            p.education.grade ? `grade ${p.education.grade}` : undefined,
            p.education.schoolName,
            yes("needs school transport", p.education.needsSchoolTransport),
          )
        : undefined,
    ],
  ];
}
