import { consentFor, location } from "./access.js";
import { seedDirectoryAndWait } from "./clients.js";
import { TestNetwork } from "./network.js";

// What the partner API's end-to-end tests start from: the network with the gateway in front, the
// service directory seeded and replicated to intake, and the bodies of a synthetic person's
// registration, consent and screening as a partner system sends them.

/** Every service the partner API reaches, the gateway last, once intake knows the directory. */
export async function startPartnerNetwork(): Promise<TestNetwork> {
  const network = await TestNetwork.create();
  await network.start("coordination");
  await network.start("intake", "municipality", "ecm", "protection", "community-centre");
  await network.start("gateway");
  await seedDirectoryAndWait(network);
  return network;
}

/** `POST /v1/beneficiaries` for a synthetic person. */
export const PERSON_BODY = {
  givenName: "Ayşe",
  familyName: "Halabi",
  sex: "SEX_FEMALE",
  birthYear: 1991,
  nationality: "SY",
  legalStatus: "LEGAL_STATUS_TEMPORARY_PROTECTION",
  residence: location,
  phoneNumber: "+905550001234",
  preferredLanguage: "ar",
  safeToContact: true,
} as const;

/** `POST /v1/beneficiaries/{id}/screenings`: needs counselling at an MMCC. */
export const SCREENING_BODY = {
  servicesNeeded: ["SERVICE_TYPE_MMCC_COUNSELLING"],
  safeToContact: true,
  preferredLanguage: "ar",
  needsSummary: "Rent arrears, needs counselling on services (synthetic).",
  household: { size: 4, childrenCount: 3, femaleHeaded: true, dependantsWithDisability: 0 },
} as const;

/** `POST /v1/beneficiaries/{id}/consents`: the consent the referrals rely on, less what the path gives. */
export function consentBody(beneficiaryId: string): Record<string, unknown> {
  const {
    requestId: _r,
    beneficiaryId: _b,
    ...consent
  } = consentFor(beneficiaryId) as Record<string, unknown>;
  return consent;
}
