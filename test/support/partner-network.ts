import { randomUUID } from "node:crypto";
import { consentFor, location } from "./access.js";
import { seedDirectoryAndWait } from "./clients.js";
import { type ServiceName, TestNetwork } from "./network.js";
import type { PartnerApi } from "./partner-api.js";

// What the partner API's end-to-end tests start from: the network with the gateway in front, the
// service directory seeded and replicated to intake, and the bodies of a synthetic person's
// registration, consent and screening as a partner system sends them.

/**
 * The services a scenario needs (default every one the partner API reaches), the gateway last, once
 * intake's replica of the directory offers at least `candidates` MMCC counselling offerings in
 * Gaziantep.
 */
export async function startPartnerNetwork(
  options: { services?: readonly ServiceName[]; candidates?: number; network?: TestNetwork } = {},
): Promise<TestNetwork> {
  const network = options.network ?? (await TestNetwork.create());
  await network.start("coordination");
  await network.start(
    ...(options.services ?? ["intake", "municipality", "ecm", "protection", "community-centre"]),
  );
  await network.start("gateway");
  await seedDirectoryAndWait(network, options.candidates ?? 1);
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

/**
 * A synthetic person registered by the partner system behind `api`, with the consent and the
 * screening a referral to an MMCC needs; throws the problem of any step that fails.
 */
export async function registerPerson(
  api: PartnerApi,
  options: { givenName?: string; servicesNeeded?: readonly string[] } = {},
): Promise<{ beneficiaryId: string; consentId: string; location: string | null }> {
  const key = () => ({ "idempotency-key": randomUUID() });
  const registered = await api.POST("/v1/beneficiaries", {
    headers: key(),
    body: { ...PERSON_BODY, ...(options.givenName ? { givenName: options.givenName } : {}) } as never,
  });
  if (registered.response.status !== 201) throw new Error(`register: ${JSON.stringify(registered.error)}`);
  const beneficiaryId = registered.data?.beneficiary?.beneficiaryId as string;
  const recorded = await api.POST("/v1/beneficiaries/{beneficiaryId}/consents", {
    params: { path: { beneficiaryId } },
    headers: key(),
    body: consentBody(beneficiaryId) as never,
  });
  if (recorded.response.status !== 201) throw new Error(`consent: ${JSON.stringify(recorded.error)}`);
  const screened = await api.POST("/v1/beneficiaries/{beneficiaryId}/screenings", {
    params: { path: { beneficiaryId } },
    headers: key(),
    body: {
      ...SCREENING_BODY,
      ...(options.servicesNeeded ? { servicesNeeded: options.servicesNeeded } : {}),
    } as never,
  });
  if (screened.response.status !== 201) throw new Error(`screening: ${JSON.stringify(screened.error)}`);
  return {
    beneficiaryId,
    consentId: recorded.data?.consent?.consentId as string,
    location: registered.response.headers.get("location"),
  };
}
