import { randomInt, randomUUID } from "node:crypto";
import type { JsonObject } from "@bufbuild/protobuf";
import { Client, Metadata, status } from "@grpc/grpc-js";
import { contractKindOf, keyedHashes, type PersonIdentifiers } from "@kopru/matching-keys";
import { authorizationMetadata, type ClientCaller, serviceAudience } from "@kopru/service-kit";
import { waitFor } from "@kopru/testing";
import type { Organisations, ServiceName, TestNetwork } from "./network.js";
import { type Answer, dig, findMethod, unaryCall } from "./rpc.js";

// What the access tests (BOLA, roles) share: callers, one raw client per process, calls with any
// caller's token (and, to forge, extra metadata), and the directory and person they start from.

export const I = "kopru.intake.v1.IntakeService";
export const C = "kopru.coordination.v1.CoordinationService";
export const E = "kopru.ecm.v1.EcmService";
export const P = "kopru.protection.v1.ProtectionService";
export const M = "kopru.municipality.v1.MunicipalityService";
export const CC = "kopru.communitycentre.v1.CommunityCentreService";
export const R = "kopru.referral.v1.ReferralInboxService";
export const N = "kopru.notification.v1.NotificationService";
export const AU = "kopru.audit.v1.AuditService";
export const MA = "kopru.matching.v1.MatchingService";

export const PROVINCE = "TUR027";
export const location = { provinceCode: PROVINCE, provinceName: "Gaziantep" };
export const COORDINATION_ORG = "iom-coordination";

export function staff(organisationId: string, actorId: string, ...roles: string[]): ClientCaller {
  return { organisationId, actorId, roles };
}

/** A partner system of the organisation: a client-credentials token, no user, no roles. */
export function partnerSystem(organisationId: string): ClientCaller {
  return { organisationId };
}

export const coordinator: ClientCaller = staff(COORDINATION_ORG, "coordinator-1", "coordinator");

export function hoursFromNow(hours: number): string {
  return new Date(Date.now() + hours * 3_600_000).toISOString();
}

/**
 * Text no request or fixture holds by chance: letters only, so it passes every field's text rules
 * (names included). Seeded into a victim's free text and names, it must never come back to anyone else.
 */
export function canary(): string {
  let letters = "";
  for (let i = 0; i < 12; i++) letters += String.fromCharCode(97 + randomInt(26));
  return `Kanarya${letters}`;
}

/**
 * A person's keyed hashes as a partner system sends them to the matching service (ADR 0027): made
 * under the network's matching secret (`TestNetwork.matchingSecret`, base64), as intake makes them.
 */
export function keyedHashesOf(secret: string, person: PersonIdentifiers): JsonObject[] {
  return keyedHashes(person, new Uint8Array(Buffer.from(secret, "base64"))).map((h) => ({
    kind: contractKindOf(h.kind),
    hash: h.hash,
  }));
}

export function codeName(answer: Answer): string {
  return answer.ok ? "OK" : (status[answer.code] ?? String(answer.code));
}

/** Raw calls to every process of a network, as any caller. */
export class RawApi {
  private readonly clients = new Map<ServiceName, Client>();

  constructor(private readonly network: TestNetwork) {}

  private client(host: ServiceName): Client {
    let client = this.clients.get(host);
    if (!client) {
      client = new Client(this.network.address(host), this.network.channel());
      this.clients.set(host, client);
    }
    return client;
  }

  /** `extra` is added to the call's metadata as given (e.g. a forged `kopru-organisation-id`). */
  async call(
    host: ServiceName,
    service: string,
    name: string,
    request: JsonObject,
    caller: ClientCaller | undefined,
    extra: Record<string, string> = {},
  ): Promise<Answer> {
    const token = caller ? await this.network.tokens(caller, serviceAudience(host)) : undefined;
    return this.callWithToken(host, service, name, request, token, extra);
  }

  async callWithToken(
    host: ServiceName,
    service: string,
    name: string,
    request: JsonObject,
    token: string | undefined,
    extra: Record<string, string> = {},
  ): Promise<Answer> {
    const metadata: Metadata = token === undefined ? new Metadata() : authorizationMetadata(token);
    for (const [key, value] of Object.entries(extra)) metadata.set(key, value);
    return unaryCall(this.client(host), findMethod(service, name), request, metadata);
  }

  async must(
    host: ServiceName,
    service: string,
    name: string,
    request: JsonObject,
    caller: ClientCaller,
  ): Promise<JsonObject> {
    const answer = await this.call(host, service, name, request, caller);
    if (!answer.ok) throw new Error(`${host} ${name} failed: ${status[answer.code]} ${answer.details}`);
    return answer.response;
  }

  close(): void {
    for (const client of this.clients.values()) client.close();
  }
}

/** What each hosted organisation offers in the access tests' directory. */
export function offeringsOf(o: Organisations): [string, string, string][] {
  return [
    [o.ecm, "SERVICE_TYPE_ECM_CASH", "PARTNER_KIND_ECM_UNIT"],
    [o.ecmOther, "SERVICE_TYPE_ECM_CASH", "PARTNER_KIND_ECM_UNIT"],
    [o.protection, "SERVICE_TYPE_LEGAL_COUNSELLING", "PARTNER_KIND_PROTECTION_PARTNER"],
    [o.protectionOther, "SERVICE_TYPE_LEGAL_COUNSELLING", "PARTNER_KIND_PROTECTION_PARTNER"],
    [o.protection, "SERVICE_TYPE_GBV_CASE_MANAGEMENT", "PARTNER_KIND_PROTECTION_PARTNER"],
    [o.mmccGaziantep, "SERVICE_TYPE_MMCC_COUNSELLING", "PARTNER_KIND_MUNICIPALITY"],
    [o.mmccKilis, "SERVICE_TYPE_MMCC_COUNSELLING", "PARTNER_KIND_MUNICIPALITY"],
    [o.centre, "SERVICE_TYPE_LANGUAGE_COURSE_TURKISH", "PARTNER_KIND_COMMUNITY_CENTRE"],
    [o.centreOther, "SERVICE_TYPE_LANGUAGE_COURSE_TURKISH", "PARTNER_KIND_COMMUNITY_CENTRE"],
  ];
}

export function offeringId(organisationId: string, serviceType: string): string {
  return `${organisationId}-${serviceType.replace("SERVICE_TYPE_", "").toLowerCase().replaceAll("_", "-")}`;
}

export function offering(organisationId: string, serviceType: string): JsonObject {
  return {
    serviceOfferingId: offeringId(organisationId, serviceType),
    organisationId,
    serviceType,
    name: `${serviceType} (test)`,
    coverage: [location],
    languages: ["ar", "tr"],
    eligibility: {},
    capacityStatus: "CAPACITY_STATUS_AVAILABLE",
    active: true,
  };
}

export function organisationEntry(organisationId: string, partnerKind: string): JsonObject {
  return {
    organisation: {
      organisationId,
      name: `${organisationId} (test)`,
      partnerKind,
      locations: [location],
      active: true,
    },
  };
}

/** Every hosted organisation and its offering, written by the coordinator. */
export async function seedDirectory(api: RawApi, o: Organisations): Promise<void> {
  const kinds = new Map<string, string>([
    [o.ngo, "PARTNER_KIND_NATIONAL_NGO"],
    [o.ngoOther, "PARTNER_KIND_NATIONAL_NGO"],
  ]);
  for (const [org, , kind] of offeringsOf(o)) kinds.set(org, kind);
  for (const [org, kind] of kinds) {
    await api.must("coordination", C, "UpsertOrganisation", organisationEntry(org, kind), coordinator);
  }
  for (const [org, serviceType] of offeringsOf(o)) {
    await api.must(
      "coordination",
      C,
      "UpsertServiceOffering",
      { serviceOffering: offering(org, serviceType) },
      coordinator,
    );
  }
}

export const CONSENTED_CATEGORIES = [
  "DATA_CATEGORY_IDENTITY",
  "DATA_CATEGORY_CONTACT",
  "DATA_CATEGORY_DEMOGRAPHICS",
  "DATA_CATEGORY_LEGAL_STATUS",
  "DATA_CATEGORY_HOUSEHOLD",
  "DATA_CATEGORY_NEEDS",
];

export function registration(organisationId: string, givenName: string, familyName: string): JsonObject {
  return {
    requestId: randomUUID(),
    organisationId,
    givenName,
    familyName,
    sex: "SEX_FEMALE",
    birthYear: 1991,
    nationality: "SY",
    legalStatus: "LEGAL_STATUS_TEMPORARY_PROTECTION",
    residence: location,
    phoneNumber: "+905550001234",
    preferredLanguage: "ar",
    safeToContact: true,
  };
}

export function consentFor(beneficiaryId: string): JsonObject {
  return {
    requestId: randomUUID(),
    beneficiaryId,
    givenBy: "CONSENT_GIVER_SELF",
    method: "CONSENT_METHOD_VERBAL_RECORDED",
    explainedInLanguage: "ar",
    recordedAt: new Date().toISOString(),
    scope: {
      partnerKinds: [
        "PARTNER_KIND_ECM_UNIT",
        "PARTNER_KIND_MUNICIPALITY",
        "PARTNER_KIND_PROTECTION_PARTNER",
        "PARTNER_KIND_COMMUNITY_CENTRE",
      ],
      purposes: ["PURPOSE_SERVICE_PROVISION"],
      dataCategories: CONSENTED_CATEGORIES,
    },
    expiresAt: hoursFromNow(365 * 24),
  };
}

/**
 * Sends a referral from intake, retried until intake's replica of the directory knows the target's
 * offering (it follows coordination's events). Returns the referral id.
 */
export async function sendReferral(
  api: RawApi,
  caller: ClientCaller,
  input: { beneficiaryId: string; consentId: string; target: string; serviceType: string; reason: string },
): Promise<string> {
  return waitFor(
    async () => {
      const answer = await api.call(
        "intake",
        I,
        "CreateReferral",
        {
          requestId: randomUUID(),
          beneficiaryId: input.beneficiaryId,
          serviceType: input.serviceType,
          priority: "PRIORITY_NORMAL",
          purpose: "PURPOSE_SERVICE_PROVISION",
          reasonForReferral: input.reason,
          consentId: input.consentId,
          explicitTarget: { organisationId: input.target },
        },
        caller,
      );
      if (!answer.ok) throw new Error(`${status[answer.code]} ${answer.details}`);
      return dig(answer.response, "referral", "referralId");
    },
    { timeoutMs: 30_000, message: `intake to accept a referral to ${input.target}` },
  );
}

/** Waits until `host`'s inbox lists the referral for the caller's organisation. */
export async function waitForInbox(
  api: RawApi,
  host: ServiceName,
  referralId: string,
  caller: ClientCaller,
): Promise<void> {
  await waitFor(
    async () => {
      const answer = await api.call(
        host,
        R,
        "ListInbox",
        { organisationId: caller.organisationId ?? "", page: { pageSize: 200 } },
        caller,
      );
      return answer.ok && JSON.stringify(answer.response).includes(referralId);
    },
    { timeoutMs: 30_000, message: `referral ${referralId} in the inbox of ${host}` },
  );
}
