// Every service type of the data contracts, screened for and sent by the real intake (real PostgreSQL,
// real NATS JetStream): each referral reaches its target's subject carrying its contract's required
// sections, nothing outside its contract, and the person's language needs. Then the restricted rule
// for GBV and child-protection data: consent naming the category, an organisation whose directory
// offering is that service, never a municipality, a community centre or coordination (canary strings
// seeded in the screening and looked for where they must not be).
import { randomUUID } from "node:crypto";
import { LegalStatus, Sex } from "@kopru/contracts/common/v1/disaggregation";
import {
  ChildProtectionConcern,
  DistressLevel,
  GbvIncidentType,
  ProtectionConcern,
  RiskLevel,
  TimeSinceIncident,
  VulnerabilityFlag,
} from "@kopru/contracts/common/v1/needs";
import {
  DataCategory,
  PartnerKind,
  Priority,
  Purpose,
  ServiceType,
} from "@kopru/contracts/common/v1/vocabulary";
import { CapacityStatus, type ServiceOffering } from "@kopru/contracts/coordination/v1/directory";
import type { CreateReferralRequest, ScreenNeedsRequest } from "@kopru/contracts/intake/v1/intake_service";
import type { ConsentScope } from "@kopru/contracts/referral/v1/consent";
import type { ReferralRequested } from "@kopru/contracts/referral/v1/events";
import {
  DocumentType,
  PaymentChannel,
  type ReferralPackage,
  SchoolEnrolmentStatus,
} from "@kopru/contracts/referral/v1/package";
import { EVENTS, STREAMS } from "@kopru/events";
import {
  type ContractedServiceType,
  presentDataCategories,
  SERVICE_DATA_CONTRACTS,
} from "@kopru/referral/domain";
import { type NatsTestConnection, waitFor } from "@kopru/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ALL_CATEGORIES,
  connect,
  eventsOn,
  failure,
  grpcCode,
  type IntakeUnderTest,
  messagesOn,
  outboxDrained,
  publish,
  recordTestConsent,
  startIntake,
  testKeys,
  testNetworkIds,
} from "./support.js";

const ids = testNetworkIds();
const GBV_CANARY = `CANARY-GBV-${ids.suffix}`;
const CP_CANARY = `CANARY-CP-${ids.suffix}`;
const { DATA_CATEGORY_GBV: GBV, DATA_CATEGORY_CHILD_PROTECTION: CHILD_PROTECTION } = DataCategory;

const SERVICE_TYPES = (Object.keys(SERVICE_DATA_CONTRACTS).map(Number) as ContractedServiceType[]).sort(
  (a, b) => a - b,
);

/** The kind of organisation that offers each service type in this test's directory. */
function partnerKindFor(serviceType: ServiceType): PartnerKind {
  const name = ServiceType[serviceType] ?? "";
  if (name.startsWith("SERVICE_TYPE_ECM_")) return PartnerKind.PARTNER_KIND_ECM_UNIT;
  if (name.startsWith("SERVICE_TYPE_MMCC_")) return PartnerKind.PARTNER_KIND_MUNICIPALITY;
  if (
    serviceType === ServiceType.SERVICE_TYPE_LANGUAGE_COURSE_TURKISH ||
    serviceType === ServiceType.SERVICE_TYPE_COMMUNITY_ACTIVITIES
  )
    return PartnerKind.PARTNER_KIND_COMMUNITY_CENTRE;
  if (
    [
      ServiceType.SERVICE_TYPE_PROTECTION_GENERAL,
      ServiceType.SERVICE_TYPE_GBV_CASE_MANAGEMENT,
      ServiceType.SERVICE_TYPE_CHILD_PROTECTION_CASE_MANAGEMENT,
      ServiceType.SERVICE_TYPE_MHPSS_INDIVIDUAL,
      ServiceType.SERVICE_TYPE_MHPSS_GROUP,
      ServiceType.SERVICE_TYPE_PSYCHOLOGICAL_FIRST_AID,
      ServiceType.SERVICE_TYPE_LEGAL_COUNSELLING,
    ].includes(serviceType)
  )
    return PartnerKind.PARTNER_KIND_PROTECTION_PARTNER;
  return PartnerKind.PARTNER_KIND_NATIONAL_NGO;
}

const orgFor = (serviceType: ServiceType) => `svc-${serviceType}-${ids.suffix}`;
const offeringFor = (organisationId: string, serviceType: ServiceType) => `${organisationId}-o${serviceType}`;
/** A municipality and a community centre whose directory entries (wrongly) offer GBV and CP case management. */
const MUNICIPALITY = `mun-gbv-${ids.suffix}`;
const COMMUNITY_CENTRE = `cc-gbv-${ids.suffix}`;
/** A protection partner offering general protection only. */
const PROTECTION_ONLY = `prot-general-${ids.suffix}`;

let nats: NatsTestConnection;
let intake: IntakeUnderTest;
let directoryVersion = 0;

async function publishOrganisation(organisationId: string, partnerKind: PartnerKind, offers: ServiceType[]) {
  const location = { provinceCode: ids.province, districtCode: "", provinceName: "Test", districtName: "" };
  // Packages travel sealed to the organisation's key (ADR 0022).
  await testKeys.publish(nats.js, [organisationId]);
  await publish(
    nats,
    EVENTS.organisationUpserted,
    {
      organisation: {
        organisationId,
        name: `${organisationId} (test)`,
        partnerKind,
        locations: [location],
        active: true,
        updatedAt: new Date(),
      },
    },
    { type: "organisation", id: organisationId, sequence: ++directoryVersion },
  );
  for (const serviceType of offers) {
    const serviceOffering: ServiceOffering = {
      serviceOfferingId: offeringFor(organisationId, serviceType),
      organisationId,
      serviceType,
      name: `${ServiceType[serviceType]} (test)`,
      coverage: [location],
      languages: ["ar", "tr"],
      eligibility: { sexes: [], nationalities: [], legalStatuses: [] },
      capacityStatus: CapacityStatus.CAPACITY_STATUS_AVAILABLE,
      intakeChannel: undefined,
      requiredDataCategories: [],
      acceptedDataCategories: [],
      active: true,
      updatedAt: new Date(),
    };
    await publish(
      nats,
      EVENTS.serviceOfferingUpserted,
      { serviceOffering },
      { type: "offering", id: serviceOffering.serviceOfferingId, sequence: ++directoryVersion },
    );
  }
}

beforeAll(async () => {
  nats = await connect();
  intake = await startIntake(ids, nats);
  await publishOrganisation(ids.ngo, PartnerKind.PARTNER_KIND_NATIONAL_NGO, []);
  for (const serviceType of SERVICE_TYPES) {
    await publishOrganisation(orgFor(serviceType), partnerKindFor(serviceType), [serviceType]);
  }
  const restrictedServices = [
    ServiceType.SERVICE_TYPE_GBV_CASE_MANAGEMENT,
    ServiceType.SERVICE_TYPE_CHILD_PROTECTION_CASE_MANAGEMENT,
  ];
  await publishOrganisation(MUNICIPALITY, PartnerKind.PARTNER_KIND_MUNICIPALITY, restrictedServices);
  await publishOrganisation(COMMUNITY_CENTRE, PartnerKind.PARTNER_KIND_COMMUNITY_CENTRE, restrictedServices);
  await publishOrganisation(PROTECTION_ONLY, PartnerKind.PARTNER_KIND_PROTECTION_PARTNER, [
    ServiceType.SERVICE_TYPE_PROTECTION_GENERAL,
  ]);
  await waitFor(
    async () => {
      const rows = await intake.running.context.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM directory_offerings WHERE service_offering_id LIKE $1",
        [`%${ids.suffix}-o%`],
      );
      return rows.rows[0]?.n === SERVICE_TYPES.length + 5;
    },
    { timeoutMs: 30_000, message: "intake never replicated the test directory" },
  );
}, 90_000);

afterAll(async () => {
  await intake?.stop();
  await nats?.close();
});

const restrictedStaff = () => ({
  organisationId: ids.ngo,
  actorId: "gbv-focal-point",
  roles: ["caseworker", "protection-restricted"],
});

async function register(): Promise<string> {
  const registered = await intake.api.call("registerBeneficiary", {
    requestId: randomUUID(),
    organisationId: ids.ngo,
    givenName: "Rima",
    familyName: "Synthetic-Khalil",
    sex: Sex.SEX_FEMALE,
    birthYear: 1996,
    nationality: "SY",
    legalStatus: LegalStatus.LEGAL_STATUS_TEMPORARY_PROTECTION,
    residence: { provinceCode: ids.province, districtCode: "" },
    phoneNumber: "+905550000077",
    preferredLanguage: "ku",
    interpreterNeeded: true,
    interpreterLanguage: "ku",
    safeToContact: true,
    safeContactWindows: [],
    preferredContactMethod: 0,
  });
  return registered.beneficiary?.beneficiaryId ?? "";
}

/** A screening with every section a data contract can require, the restricted ones carrying canaries. */
function fullScreening(beneficiaryId: string): ScreenNeedsRequest {
  return {
    requestId: randomUUID(),
    beneficiaryId,
    servicesNeeded: [...SERVICE_TYPES],
    vulnerabilities: [VulnerabilityFlag.VULNERABILITY_FLAG_SURVIVOR_OF_VIOLENCE],
    washingtonGroupAnswers: [{ domain: 1, severity: 3 }],
    needsSummary: "Needs a safe place and cash (synthetic).",
    household: { size: 4, childrenCount: 2, femaleHeaded: true, dependantsWithDisability: 0 },
    protection: {
      riskLevel: RiskLevel.RISK_LEVEL_HIGH,
      concerns: [ProtectionConcern.PROTECTION_CONCERN_PHYSICAL_SAFETY],
      concernsSummary: "Threatened at home (synthetic).",
    },
    gbv: {
      incidentType: GbvIncidentType.GBV_INCIDENT_TYPE_PHYSICAL_ASSAULT,
      timeSinceIncident: TimeSinceIncident.TIME_SINCE_INCIDENT_6_14_DAYS,
      immediateSafetyRisk: true,
      survivorCentredNotes: `Speak to her alone ${GBV_CANARY}`,
    },
    childProtection: {
      concerns: [ChildProtectionConcern.CHILD_PROTECTION_CONCERN_CHILD_LABOUR],
      caregiverPresent: true,
      bestInterestsAssessmentDone: false,
      concernsSummary: `Older son works nights ${CP_CANARY}`,
    },
    health: { conditionsSummary: "Diabetes (synthetic).", urgentMedicalNeed: true, pregnant: false },
    mhpss: { distressLevel: DistressLevel.DISTRESS_LEVEL_MODERATE, priorSupportReceived: false },
    financial: {
      paymentChannel: PaymentChannel.PAYMENT_CHANNEL_BANK_ACCOUNT,
      accountHolderName: "Rima Synthetic-Khalil",
      accountReference: "TR000000000000000000000001",
    },
    education: {
      enrolmentStatus: SchoolEnrolmentStatus.SCHOOL_ENROLMENT_STATUS_NOT_ENROLLED,
      grade: 5,
      needsSchoolTransport: true,
    },
    legalDocument: {
      documentType: DocumentType.DOCUMENT_TYPE_TEMPORARY_PROTECTION_ID,
      documentNumber: "99000000001",
      registrationProvinceCode: "TUR027",
    },
  };
}

/** Consent for every partner kind and every category unless `scope` narrows it. */
function consent(beneficiaryId: string, scope: Partial<ConsentScope> = {}): Promise<string> {
  return recordTestConsent(intake.api, beneficiaryId, {
    partnerKinds: Object.values(PartnerKind).filter((k): k is PartnerKind => typeof k === "number" && k > 0),
    ...scope,
  });
}

function referral(
  beneficiaryId: string,
  consentId: string,
  serviceType: ServiceType,
  target: string,
  offering: string | null = offeringFor(target, serviceType),
): CreateReferralRequest {
  return {
    requestId: randomUUID(),
    beneficiaryId,
    serviceType,
    priority: Priority.PRIORITY_NORMAL,
    purpose: Purpose.PURPOSE_SERVICE_PROVISION,
    reasonForReferral: `Needs ${ServiceType[serviceType]} (synthetic).`,
    consentId,
    routing: {
      $case: "explicitTarget",
      value: { organisationId: target, serviceOfferingId: offering ?? undefined },
    },
    dataCategories: [],
  };
}

async function packageSentTo(target: string, referralId: string): Promise<ReferralPackage | undefined> {
  const sent: ReferralRequested[] = await eventsOn(
    nats,
    EVENTS.referralRequested,
    `kopru.v1.referral.requested.${target}`,
  );
  return sent.find((e) => e.referralPackage?.referralId === referralId)?.referralPackage;
}

/** Every message on `subject` of `stream`, raw (envelope bytes). */
async function rawMessages(stream: string, subject: string): Promise<Uint8Array[]> {
  const info = await nats.jsm.streams.info(stream, { subjects_filter: subject });
  const held = Object.values(info.state.subjects ?? {}).reduce((sum, n) => sum + n, 0);
  if (held === 0) return [];
  const consumer = await nats.js.consumers.get(stream, { filter_subjects: subject });
  const found: Uint8Array[] = [];
  try {
    for (;;) {
      const batch = await consumer.fetch({ max_messages: 500, expires: 1_000 });
      let received = 0;
      for await (const msg of batch) {
        received += 1;
        found.push(msg.data);
        if (msg.info.pending === 0) return found;
      }
      if (received === 0) return found;
    }
  } finally {
    await consumer.delete().catch(() => {});
  }
}

function containsText(messages: Uint8Array[], text: string): boolean {
  return messages.some((m) => Buffer.from(m).includes(text));
}

describe("every contracted service type is referable from intake", () => {
  let beneficiaryId: string;
  let consentId: string;

  beforeAll(async () => {
    beneficiaryId = await register();
    consentId = await consent(beneficiaryId);
    await intake.api.call("screenNeeds", fullScreening(beneficiaryId));
  });

  it.each(SERVICE_TYPES.map((t) => [ServiceType[t], t] as const))(
    "%s: sent with its contract's required sections, nothing outside it, and the language needs",
    async (_name, serviceType) => {
      const target = orgFor(serviceType);
      const created = await intake.api.call(
        "createReferral",
        referral(beneficiaryId, consentId, serviceType, target),
      );
      const referralId = created.referral?.referralId ?? "";
      const pkg = await waitFor(() => packageSentTo(target, referralId), {
        message: `no ReferralRequested reached ${target}`,
      });
      const contract = SERVICE_DATA_CONTRACTS[serviceType];
      const present = presentDataCategories(pkg);
      expect(pkg.sharedDataCategories).toEqual(present);
      for (const category of contract.required) expect(present, DataCategory[category]).toContain(category);
      const allowed = new Set([...contract.required, ...contract.optional]);
      expect(present.filter((c) => !allowed.has(c))).toEqual([]);
      expect(pkg.languageNeeds).toEqual({
        preferredLanguage: "ku",
        interpreterNeeded: true,
        interpreterLanguage: "ku",
      });
      const text = JSON.stringify(pkg);
      if (serviceType !== ServiceType.SERVICE_TYPE_GBV_CASE_MANAGEMENT)
        expect(text).not.toContain(GBV_CANARY);
      if (serviceType !== ServiceType.SERVICE_TYPE_CHILD_PROTECTION_CASE_MANAGEMENT)
        expect(text).not.toContain(CP_CANARY);
    },
  );

  it("carries the screened sections each contract requires, as screened", async () => {
    const send = async (serviceType: ServiceType) => {
      const target = orgFor(serviceType);
      const created = await intake.api.call(
        "createReferral",
        referral(beneficiaryId, consentId, serviceType, target),
      );
      return waitFor(() => packageSentTo(target, created.referral?.referralId ?? ""));
    };
    const gbv = await send(ServiceType.SERVICE_TYPE_GBV_CASE_MANAGEMENT);
    expect(gbv.gbv?.survivorCentredNotes).toContain(GBV_CANARY);
    expect(gbv.protection?.riskLevel).toBe(RiskLevel.RISK_LEVEL_HIGH);
    expect(gbv.childProtection).toBeUndefined();
    const cp = await send(ServiceType.SERVICE_TYPE_CHILD_PROTECTION_CASE_MANAGEMENT);
    expect(cp.childProtection?.concernsSummary).toContain(CP_CANARY);
    expect(cp.gbv).toBeUndefined();
    expect(cp.education?.grade).toBe(5);
    const cash = await send(ServiceType.SERVICE_TYPE_CASH_BASIC_NEEDS);
    expect(cash.financial?.accountReference).toBe("TR000000000000000000000001");
    expect(cash.legalStatus).toMatchObject({
      legalStatus: LegalStatus.LEGAL_STATUS_TEMPORARY_PROTECTION,
      documentType: DocumentType.DOCUMENT_TYPE_TEMPORARY_PROTECTION_ID,
      documentNumber: "99000000001",
      registrationProvinceCode: "TUR027",
    });
    const medical = await send(ServiceType.SERVICE_TYPE_ECM_MEDICAL);
    expect(medical.health?.urgentMedicalNeed).toBe(true);
    const mhpss = await send(ServiceType.SERVICE_TYPE_MHPSS_INDIVIDUAL);
    expect(mhpss.mhpss?.distressLevel).toBe(DistressLevel.DISTRESS_LEVEL_MODERATE);
    const transport = await send(ServiceType.SERVICE_TYPE_SCHOOL_TRANSPORTATION);
    expect(transport.education?.needsSchoolTransport).toBe(true);
  });
});

describe("GBV and child-protection data travel only where the restricted rule allows", () => {
  let beneficiaryId: string;

  beforeAll(async () => {
    beneficiaryId = await register();
    await intake.api.call("screenNeeds", fullScreening(beneficiaryId));
  });

  it("needs a consent that names the category", async () => {
    const withoutRestricted = await consent(beneficiaryId, {
      dataCategories: ALL_CATEGORIES.filter((c) => c !== GBV && c !== CHILD_PROTECTION),
    });
    const gbvOnly = await consent(beneficiaryId, {
      dataCategories: ALL_CATEGORIES.filter((c) => c !== CHILD_PROTECTION),
    });
    for (const [serviceType, consentId, category] of [
      [ServiceType.SERVICE_TYPE_GBV_CASE_MANAGEMENT, withoutRestricted, "gbv"],
      [ServiceType.SERVICE_TYPE_CHILD_PROTECTION_CASE_MANAGEMENT, withoutRestricted, "child_protection"],
      [ServiceType.SERVICE_TYPE_CHILD_PROTECTION_CASE_MANAGEMENT, gbvOnly, "child_protection"],
    ] as const) {
      const refused = await failure(
        intake.api.call(
          "createReferral",
          referral(beneficiaryId, consentId, serviceType, orgFor(serviceType)),
        ),
      );
      expect(grpcCode(refused)).toBe("FAILED_PRECONDITION");
      expect(refused.details).toContain(category);
    }
    // A general protection referral under a consent naming GBV still carries no GBV data.
    const everything = await consent(beneficiaryId);
    const general = ServiceType.SERVICE_TYPE_PROTECTION_GENERAL;
    const created = await intake.api.call(
      "createReferral",
      referral(beneficiaryId, everything, general, orgFor(general)),
    );
    const pkg = await waitFor(() => packageSentTo(orgFor(general), created.referral?.referralId ?? ""));
    expect(pkg.gbv).toBeUndefined();
    expect(pkg.childProtection).toBeUndefined();
    expect(JSON.stringify(pkg)).not.toContain(GBV_CANARY);
  });

  it("goes only to an organisation whose directory offering is that service type", async () => {
    const consentId = await consent(beneficiaryId);
    for (const serviceType of [
      ServiceType.SERVICE_TYPE_GBV_CASE_MANAGEMENT,
      ServiceType.SERVICE_TYPE_CHILD_PROTECTION_CASE_MANAGEMENT,
    ]) {
      // A protection partner without that offering, named as the target.
      const refused = await failure(
        intake.api.call(
          "createReferral",
          referral(beneficiaryId, consentId, serviceType, PROTECTION_ONLY, null),
        ),
      );
      expect(grpcCode(refused)).toBe("FAILED_PRECONDITION");
      expect(refused.details).toMatch(/no directory offering of its service type/);
    }
    await outboxDrained(intake);
    expect(
      await messagesOn(nats, STREAMS.referral.name, `kopru.v1.referral.requested.${PROTECTION_ONLY}`),
    ).toBe(0);
  });

  it("never goes to a municipality or a community centre, even one whose directory entry offers the service", async () => {
    const consentId = await consent(beneficiaryId);
    for (const target of [MUNICIPALITY, COMMUNITY_CENTRE]) {
      for (const serviceType of [
        ServiceType.SERVICE_TYPE_GBV_CASE_MANAGEMENT,
        ServiceType.SERVICE_TYPE_CHILD_PROTECTION_CASE_MANAGEMENT,
      ]) {
        const refused = await failure(
          intake.api.call("createReferral", referral(beneficiaryId, consentId, serviceType, target)),
        );
        expect(grpcCode(refused), `${target} ${ServiceType[serviceType]}`).toBe("FAILED_PRECONDITION");
        expect(refused.details).toMatch(/municipalities and community centres never receive it/);
      }
    }
    // SuggestTargets applies the same rule: it suggests only where the package could go.
    for (const serviceType of [
      ServiceType.SERVICE_TYPE_GBV_CASE_MANAGEMENT,
      ServiceType.SERVICE_TYPE_CHILD_PROTECTION_CASE_MANAGEMENT,
    ]) {
      const suggested = await intake.api.call("suggestTargets", {
        beneficiaryId,
        serviceType,
        consentId,
        criteria: {
          location: { provinceCode: ids.province, districtCode: "" },
          partnerKinds: [],
          allowWaitlist: true,
          excludedOrganisationIds: [],
        },
        limit: 0,
      });
      const suggestedIds = suggested.candidates.map((c) => c.organisation?.organisationId);
      expect(suggestedIds, ServiceType[serviceType]).toContain(orgFor(serviceType));
      expect(suggestedIds, ServiceType[serviceType]).not.toContain(MUNICIPALITY);
      expect(suggestedIds, ServiceType[serviceType]).not.toContain(COMMUNITY_CENTRE);
    }
    // Routed by criteria instead: the municipality and the community centre are skipped.
    const routed = await intake.api.call("createReferral", {
      ...referral(beneficiaryId, consentId, ServiceType.SERVICE_TYPE_GBV_CASE_MANAGEMENT, ""),
      routing: {
        $case: "routingCriteria",
        value: {
          location: { provinceCode: ids.province, districtCode: "" },
          partnerKinds: [],
          allowWaitlist: false,
          excludedOrganisationIds: [],
        },
      },
    });
    expect(routed.referral?.target?.organisationId).toBe(
      orgFor(ServiceType.SERVICE_TYPE_GBV_CASE_MANAGEMENT),
    );
    await outboxDrained(intake);
    for (const target of [MUNICIPALITY, COMMUNITY_CENTRE]) {
      const messages = await rawMessages(STREAMS.referral.name, `kopru.v1.referral.requested.${target}`);
      expect(messages).toEqual([]);
    }
  });

  it("never reaches coordination: no canary on any PII-free stream intake publishes to", async () => {
    await outboxDrained(intake);
    const subjects: [string, string][] = [
      [STREAMS.referral.name, `kopru.v1.referral.status.${ids.ngo}.>`],
      [STREAMS.referral.name, `kopru.v1.referral.outcome.${ids.ngo}.>`],
      [STREAMS.coordination.name, `kopru.v1.coordination.reroute.${ids.ngo}`],
      [STREAMS.notice.name, `kopru.v1.notice.${ids.ngo}`],
    ];
    let scanned = 0;
    for (const [stream, subject] of subjects) {
      const messages = await rawMessages(stream, subject).catch(() => [] as Uint8Array[]);
      scanned += messages.length;
      expect(containsText(messages, GBV_CANARY), subject).toBe(false);
      expect(containsText(messages, CP_CANARY), subject).toBe(false);
    }
    // Intake's status events for its referrals were written (so the scan read something real).
    expect(scanned).toBeGreaterThan(0);
    // Nor in intake's outbox, beyond the ReferralRequested rows addressed to the GBV and CP targets.
    const rows = await intake.running.context.db.query<{ subject: string }>(
      "SELECT subject FROM kopru_outbox WHERE position($1::bytea in envelope) > 0 OR position($2::bytea in envelope) > 0",
      [Buffer.from(GBV_CANARY), Buffer.from(CP_CANARY)],
    );
    const allowed = [
      `kopru.v1.referral.requested.${orgFor(ServiceType.SERVICE_TYPE_GBV_CASE_MANAGEMENT)}`,
      `kopru.v1.referral.requested.${orgFor(ServiceType.SERVICE_TYPE_CHILD_PROTECTION_CASE_MANAGEMENT)}`,
    ];
    expect(rows.rows.map((r) => r.subject).filter((s) => !allowed.includes(s))).toEqual([]);
  });

  it("shows the screened GBV and child-protection details at intake only to the protection-restricted role", async () => {
    const plain = await intake.api.call("getBeneficiary", { beneficiaryId });
    expect(JSON.stringify(plain)).not.toContain(GBV_CANARY);
    expect(JSON.stringify(plain)).not.toContain(CP_CANARY);
    expect(plain.latestScreening?.gbv).toBeUndefined();
    expect(plain.latestScreening?.withheldDataCategories).toEqual([GBV, CHILD_PROTECTION]);
    expect(plain.latestScreening?.health?.urgentMedicalNeed).toBe(true);
    const restricted = await intake.api.as(restrictedStaff()).call("getBeneficiary", { beneficiaryId });
    expect(restricted.latestScreening?.gbv?.survivorCentredNotes).toContain(GBV_CANARY);
    expect(restricted.latestScreening?.childProtection?.concernsSummary).toContain(CP_CANARY);
    expect(restricted.latestScreening?.withheldDataCategories).toEqual([]);

    const consentId = await consent(beneficiaryId);
    const gbvService = ServiceType.SERVICE_TYPE_GBV_CASE_MANAGEMENT;
    const created = await intake.api
      .as(restrictedStaff())
      .call("createReferral", referral(beneficiaryId, consentId, gbvService, orgFor(gbvService)));
    const referralId = created.referral?.referralId ?? "";
    const forCaseworker = await intake.api.call("getReferral", { referralId });
    expect(forCaseworker.referralPackage?.gbv).toBeUndefined();
    expect(forCaseworker.withheldDataCategories).toEqual([GBV]);
    expect(JSON.stringify(forCaseworker)).not.toContain(GBV_CANARY);
    const forRestricted = await intake.api.as(restrictedStaff()).call("getReferral", { referralId });
    expect(forRestricted.referralPackage?.gbv?.survivorCentredNotes).toContain(GBV_CANARY);
    expect(forRestricted.withheldDataCategories).toEqual([]);
  });
});

describe("screening input is checked field by field", () => {
  it("answers INVALID_ARGUMENT naming every bad section field", async () => {
    const beneficiaryId = await register();
    const bad = await failure(
      intake.api.call("screenNeeds", {
        ...fullScreening(beneficiaryId),
        protection: { riskLevel: 0, concerns: [999 as ProtectionConcern], concernsSummary: undefined },
        gbv: { incidentType: 0, timeSinceIncident: 0, survivorCentredNotes: "x".repeat(2_001) },
        childProtection: { concerns: [] },
        health: {},
        mhpss: { distressLevel: 0 },
        financial: { paymentChannel: PaymentChannel.PAYMENT_CHANNEL_BANK_ACCOUNT },
        education: { enrolmentStatus: SchoolEnrolmentStatus.SCHOOL_ENROLMENT_STATUS_ENROLLED, grade: 13 },
        legalDocument: {
          documentType: DocumentType.DOCUMENT_TYPE_NONE,
          documentNumber: "123",
          registrationProvinceCode: "Gaziantep",
        },
      }),
    );
    expect(grpcCode(bad)).toBe("INVALID_ARGUMENT");
    for (const field of [
      "protection.risk_level",
      "protection.concerns[0]",
      "gbv.incident_type",
      "gbv.survivor_centred_notes",
      "child_protection.concerns",
      "health",
      "mhpss.distress_level",
      "financial.account_reference",
      "education.grade",
      "legal_document.document_number",
      "legal_document.registration_province_code",
    ]) {
      expect(bad.details, field).toContain(field);
    }
    // Nothing was recorded.
    const person = await intake.api.as(restrictedStaff()).call("getBeneficiary", { beneficiaryId });
    expect(person.latestScreening).toBeUndefined();
  });
});
