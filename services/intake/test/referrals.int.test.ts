import {
  LegalStatus,
  Sex,
  WashingtonGroupDomain,
  WashingtonGroupSeverity,
} from "@kopru/contracts/common/v1/disaggregation";
import { VulnerabilityFlag } from "@kopru/contracts/common/v1/needs";
import { ActorKind } from "@kopru/contracts/common/v1/refs";
import {
  DataCategory,
  PartnerKind,
  Priority,
  Purpose,
  ReferralStatus,
  ServiceType,
} from "@kopru/contracts/common/v1/vocabulary";
import { MatchReason } from "@kopru/contracts/coordination/v1/directory";
import type { CreateReferralRequest } from "@kopru/contracts/intake/v1/intake_service";
import {
  ConsentGiver,
  ConsentMethod,
  type ConsentScope,
  ConsentWithdrawalReason,
} from "@kopru/contracts/referral/v1/consent";
import {
  type ReferralRequested,
  ReferralRequested as RequestedCodec,
} from "@kopru/contracts/referral/v1/events";
import { EVENTS, STREAMS } from "@kopru/events";
import { presentDataCategories } from "@kopru/referral/domain";
import type { NatsTestConnection } from "@kopru/testing";
import { waitFor } from "@kopru/testing";
import { v4 as uuidv4 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  connect,
  eventsOn,
  failure,
  grpcCode,
  type IntakeUnderTest,
  messagesOn,
  outboxDrained,
  publishDirectory,
  recordTestConsent,
  startIntake,
  startTarget,
  type TargetParty,
  testNetworkIds,
} from "./support.js";

const ids = testNetworkIds();
const {
  DATA_CATEGORY_IDENTITY: IDENTITY,
  DATA_CATEGORY_CONTACT: CONTACT,
  DATA_CATEGORY_DEMOGRAPHICS: DEMOGRAPHICS,
  DATA_CATEGORY_LEGAL_STATUS: LEGAL_STATUS,
  DATA_CATEGORY_HOUSEHOLD: HOUSEHOLD,
  DATA_CATEGORY_NEEDS: NEEDS,
  DATA_CATEGORY_DISABILITY: DISABILITY,
} = DataCategory;

let nats: NatsTestConnection;
let intake: IntakeUnderTest;
let mmcc: TargetParty;

beforeAll(async () => {
  nats = await connect();
  intake = await startIntake(ids, nats);
  mmcc = await startTarget(nats, ids.mmcc);
  await publishDirectory(nats, ids);
  await waitFor(
    async () => {
      const suggested = await intake.api.call("suggestTargets", {
        serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
        criteria: {
          location: { provinceCode: ids.province, districtCode: "" },
          partnerKinds: [],
          allowWaitlist: false,
          excludedOrganisationIds: [],
        },
        limit: 10,
      });
      return suggested.candidates.length === 2;
    },
    { timeoutMs: 30_000, message: "intake never replicated the test directory" },
  );
}, 90_000);

afterAll(async () => {
  await mmcc?.stop();
  await intake?.stop();
  await nats?.close();
});

async function register(overrides: { familyName?: string } = {}) {
  const registered = await intake.api.call("registerBeneficiary", {
    requestId: uuidv4(),
    organisationId: ids.ngo,
    givenName: "Amal",
    familyName: overrides.familyName ?? "Synthetic-Haddad",
    sex: Sex.SEX_FEMALE,
    birthYear: 1990,
    nationality: "SY",
    legalStatus: LegalStatus.LEGAL_STATUS_TEMPORARY_PROTECTION,
    residence: { provinceCode: ids.province, districtCode: "" },
    phoneNumber: "+905550000001",
    preferredLanguage: "ar",
    interpreterNeeded: true,
    interpreterLanguage: "ar",
    safeToContact: false,
    safeTimes: "weekdays 10-12 (synthetic)",
    preferredContactMethod: 0,
    safeContactWindows: [],
  });
  return registered.beneficiary?.beneficiaryId ?? "";
}

function consentFor(beneficiaryId: string, scope: Partial<ConsentScope> = {}) {
  return recordTestConsent(intake.api, beneficiaryId, scope);
}

async function screen(beneficiaryId: string) {
  return intake.api.call("screenNeeds", {
    requestId: uuidv4(),
    beneficiaryId,
    servicesNeeded: [ServiceType.SERVICE_TYPE_MMCC_COUNSELLING],
    // A survivor of violence: sensitive, and still no GBV details may reach an MMCC.
    vulnerabilities: [
      VulnerabilityFlag.VULNERABILITY_FLAG_SINGLE_PARENT,
      VulnerabilityFlag.VULNERABILITY_FLAG_SURVIVOR_OF_VIOLENCE,
    ],
    washingtonGroupAnswers: [
      {
        domain: WashingtonGroupDomain.WASHINGTON_GROUP_DOMAIN_WALKING,
        severity: WashingtonGroupSeverity.WASHINGTON_GROUP_SEVERITY_A_LOT_OF_DIFFICULTY,
      },
    ],
    needsSummary: "Rent arrears; needs counselling on services (synthetic).",
    household: { size: 4, childrenCount: 3, femaleHeaded: true, dependantsWithDisability: 0 },
  });
}

function referralTo(
  beneficiaryId: string,
  consentId: string,
  target: string,
  overrides: Partial<CreateReferralRequest> = {},
): CreateReferralRequest {
  return {
    requestId: uuidv4(),
    beneficiaryId,
    serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
    priority: Priority.PRIORITY_HIGH,
    purpose: Purpose.PURPOSE_SERVICE_PROVISION,
    reasonForReferral: "Needs counselling on services (synthetic).",
    consentId,
    routing: { $case: "explicitTarget", value: { organisationId: target } },
    dataCategories: [],
    ...overrides,
  };
}

async function packageSentTo(target: string, referralId: string): Promise<ReferralRequested | undefined> {
  const sent = await eventsOn(nats, EVENTS.referralRequested, `kopru.v1.referral.requested.${target}`);
  return sent.find((e) => e.referralPackage?.referralId === referralId);
}

async function outboxCount(): Promise<number> {
  const rows = await intake.running.context.db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM kopru_outbox",
  );
  return rows.rows[0]?.n ?? -1;
}

describe("intake, against real NATS JetStream and PostgreSQL", () => {
  it("registers, consents, screens and sends an MMCC counselling referral carrying only its contract's sections", async () => {
    const beneficiaryId = await register();
    const consentId = await consentFor(beneficiaryId);
    const screened = await screen(beneficiaryId);
    expect(screened.screening?.disabilityStatus).toBe(1);

    const created = await intake.api.call("createReferral", referralTo(beneficiaryId, consentId, ids.mmcc));
    const referral = created.referral;
    expect(referral?.status).toBe(ReferralStatus.REFERRAL_STATUS_REQUESTED);
    expect(referral?.target?.organisationId).toBe(ids.mmcc);
    expect(referral?.serviceOfferingId).toBe(`${ids.mmcc}-${ServiceType.SERVICE_TYPE_MMCC_COUNSELLING}`);

    const sent = await waitFor(() => packageSentTo(ids.mmcc, referral?.referralId ?? ""), {
      message: "no ReferralRequested reached the MMCC's subject",
    });
    const pkg = sent.referralPackage;
    // Required (identity, contact, demographics, needs) plus the optional ones consented and held.
    expect(pkg?.sharedDataCategories).toEqual([
      IDENTITY,
      CONTACT,
      DEMOGRAPHICS,
      LEGAL_STATUS,
      HOUSEHOLD,
      NEEDS,
      DISABILITY,
    ]);
    // The sections present are exactly those categories.
    expect(presentDataCategories(pkg ?? {})).toEqual(pkg?.sharedDataCategories);
    expect(pkg?.identity?.familyName).toBe("Synthetic-Haddad");
    expect(pkg?.contact?.safeToContact).toBe(false);
    expect(pkg?.household?.size).toBe(4);
    for (const sensitive of [
      "gbv",
      "childProtection",
      "health",
      "mhpss",
      "protection",
      "financial",
      "education",
    ] as const) {
      expect(pkg?.[sensitive]).toBeUndefined();
    }
    // The person travels as the pseudonymous beneficiary_ref, never as intake's own id.
    expect(pkg?.beneficiaryRef).toMatch(/^[0-9a-f-]{36}$/);
    expect(pkg?.beneficiaryRef).not.toBe(beneficiaryId);
    expect(JSON.stringify(RequestedCodec.toJSON(sent))).not.toContain(beneficiaryId);
    expect(pkg?.disaggregation).toMatchObject({
      sex: Sex.SEX_FEMALE,
      nationality: "SY",
      provinceCode: ids.province,
      disabilityStatus: 1,
    });
    expect(pkg?.consentScope?.partnerKinds).toContain(PartnerKind.PARTNER_KIND_MUNICIPALITY);

    // The MMCC (the referral library) acknowledges it; intake learns it from the status event.
    await waitFor(
      async () => {
        const listed = await intake.api.call("listReferrals", {
          referrerOrganisationId: ids.ngo,
          statuses: [ReferralStatus.REFERRAL_STATUS_RECEIVED],
          serviceTypes: [],
          priorities: [],
          beneficiaryId,
        });
        return listed.referrals.some((r) => r.referralId === referral?.referralId);
      },
      { timeoutMs: 20_000, message: "intake never saw the referral received" },
    );

    const got = await intake.api.call("getReferral", { referralId: referral?.referralId ?? "" });
    expect(got.referralPackage?.identity?.givenName).toBe("Amal");
    const audit = await intake.running.context.db.query<{
      action: string;
      actor_id: string | null;
      subject: string | null;
      client_id: string | null;
    }>(
      `SELECT action, actor_id, subject, client_id FROM referral_audit
        WHERE referral_id = $1 AND action <> 'list-referrals' ORDER BY id`,
      [referral?.referralId],
    );
    // Both rows name the caller as its token did: the staff user's subject and the client it used.
    expect(audit.rows).toEqual([
      { action: "send", actor_id: "caseworker-1", subject: "caseworker-1", client_id: "kopru-test-console" },
      {
        action: "read-package",
        actor_id: "caseworker-1",
        subject: "caseworker-1",
        client_id: "kopru-test-console",
      },
    ]);
    // The list call that found it is audited too, with how many it listed and under which filter.
    const listed = await intake.running.context.db.query<{ detail: unknown }>(
      "SELECT detail FROM referral_audit WHERE referral_id = $1 AND action = 'list-referrals'",
      [referral?.referralId],
    );
    expect(listed.rows[0]?.detail).toEqual({
      listed: 1,
      filter: { statuses: [ReferralStatus.REFERRAL_STATUS_RECEIVED], beneficiaryId },
    });
  });

  it("sends the categories asked for, and refuses one the service type does not take, publishing nothing", async () => {
    const beneficiaryId = await register();
    const consentId = await consentFor(beneficiaryId);
    await screen(beneficiaryId);
    const created = await intake.api.call(
      "createReferral",
      referralTo(beneficiaryId, consentId, ids.mmcc, { dataCategories: [DISABILITY] }),
    );
    const sent = await waitFor(() => packageSentTo(ids.mmcc, created.referral?.referralId ?? ""));
    expect(sent.referralPackage?.sharedDataCategories).toEqual([
      IDENTITY,
      CONTACT,
      DEMOGRAPHICS,
      NEEDS,
      DISABILITY,
    ]);
    expect(presentDataCategories(sent.referralPackage ?? {})).toEqual([
      IDENTITY,
      CONTACT,
      DEMOGRAPHICS,
      NEEDS,
      DISABILITY,
    ]);
    expect(sent.referralPackage?.household).toBeUndefined();
    expect(sent.referralPackage?.legalStatus).toBeUndefined();

    const before = await outboxCount();
    const gbv = await failure(
      intake.api.call(
        "createReferral",
        referralTo(beneficiaryId, consentId, ids.mmcc, { dataCategories: [DataCategory.DATA_CATEGORY_GBV] }),
      ),
    );
    expect(grpcCode(gbv)).toBe("FAILED_PRECONDITION");
    expect(gbv.details).toMatch(/mmcc_counselling referral does not take the data categories gbv/);
    expect(await outboxCount()).toBe(before);
  });

  it("refuses a referral the consent does not cover — target, purpose, data or withdrawn — and stores and publishes nothing", async () => {
    const beneficiaryId = await register();
    await screen(beneficiaryId);
    const onlyEcm = await consentFor(beneficiaryId, { partnerKinds: [PartnerKind.PARTNER_KIND_ECM_UNIT] });
    const noNeeds = await consentFor(beneficiaryId, { dataCategories: [IDENTITY, CONTACT, DEMOGRAPHICS] });
    const withdrawn = await consentFor(beneficiaryId);
    await intake.api.call("withdrawConsent", {
      consentId: withdrawn,
      reason: ConsentWithdrawalReason.CONSENT_WITHDRAWAL_REASON_BENEFICIARY_REQUEST,
      policy: 0,
      continuingBasis: 0,
      cancelOpenReferrals: false,
    });
    const good = await consentFor(beneficiaryId);

    const subject = `kopru.v1.referral.requested.${ids.mmcc}`;
    const db = intake.running.context.db;
    await outboxDrained(intake);
    const messagesBefore = await messagesOn(nats, STREAMS.referral.name, subject);
    const outboxBefore = await outboxCount();
    const referralsBefore = (await db.query<{ n: number }>("SELECT count(*)::int AS n FROM referrals"))
      .rows[0]?.n;

    const cases: [string, Partial<CreateReferralRequest>, RegExp][] = [
      [onlyEcm, {}, new RegExp(`does not cover organisation ${ids.mmcc} \\(municipality\\)`)],
      [good, { purpose: Purpose.PURPOSE_CASE_MANAGEMENT }, /does not cover the purpose case_management/],
      [noNeeds, {}, /not covered by the consent: needs/],
      [withdrawn, {}, /it was withdrawn on/],
    ];
    for (const [consentId, overrides, message] of cases) {
      const refused = await failure(
        intake.api.call("createReferral", referralTo(beneficiaryId, consentId, ids.mmcc, overrides)),
      );
      expect(grpcCode(refused)).toBe("FAILED_PRECONDITION");
      expect(refused.details).toMatch(message);
    }

    expect(await outboxCount()).toBe(outboxBefore);
    expect((await db.query<{ n: number }>("SELECT count(*)::int AS n FROM referrals")).rows[0]?.n).toBe(
      referralsBefore,
    );
    await outboxDrained(intake);
    expect(await messagesOn(nats, STREAMS.referral.name, subject)).toBe(messagesBefore);
  });

  it("never lets a referral slip past a withdrawal of its consent that is under way", async () => {
    const beneficiaryId = await register();
    const consentId = await consentFor(beneficiaryId);
    await screen(beneficiaryId);
    const db = intake.running.context.db;
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let holding: (backendPid: number) => void = () => {};
    const lockHolder = new Promise<number>((resolve) => {
      holding = resolve;
    });
    // A withdrawal holding the consent, as WithdrawConsent does, while a referral is being made.
    const withdrawal = db.transaction(async (tx) => {
      await tx.query("SELECT 1 FROM consents WHERE consent_id = $1 FOR UPDATE", [consentId]);
      const me = await tx.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
      holding(me.rows[0]?.pid as number);
      await held;
      await tx.query(
        "UPDATE consents SET withdrawn_at = now(), withdrawal_reason = 1 WHERE consent_id = $1",
        [consentId],
      );
    });
    const holderPid = await lockHolder;
    const creating = failure(
      intake.api.call("createReferral", referralTo(beneficiaryId, consentId, ids.mmcc)),
    );
    // The race is only real once the referral's transaction queues behind the withdrawal's lock.
    await waitFor(
      async () =>
        (
          await db.query<{ n: number }>(
            "SELECT count(*)::int AS n FROM pg_stat_activity WHERE $1::int = ANY (pg_blocking_pids(pid))",
            [holderPid],
          )
        ).rows[0]?.n === 1,
      { timeoutMs: 15_000, message: "the referral to wait for the withdrawal's lock on the consent" },
    );
    release();
    await withdrawal;
    const refused = await creating;
    expect(grpcCode(refused)).toBe("FAILED_PRECONDITION");
    expect(refused.details).toMatch(/withdrawn/);
  });

  it("routes by criteria to the best candidate the consent covers, and says so in suggestions", async () => {
    const beneficiaryId = await register();
    await screen(beneficiaryId);
    // The MMCC speaking Arabic ranks first, but the person agreed only to the other one.
    const consentId = await consentFor(beneficiaryId, { organisationIds: [ids.mmccOther], partnerKinds: [] });
    const suggested = await intake.api.call("suggestTargets", {
      beneficiaryId,
      serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
      consentId,
      limit: 0,
    });
    expect(suggested.candidates.map((c) => c.organisation?.organisationId)).toEqual([
      ids.mmcc,
      ids.mmccOther,
    ]);
    expect(suggested.candidates[0]?.reasons).toContain(MatchReason.MATCH_REASON_LANGUAGE_MATCH);
    expect(suggested.candidates[0]?.reasons).toContain(MatchReason.MATCH_REASON_CONSENT_NOT_COVERING);
    expect(suggested.candidates[1]?.reasons).toContain(MatchReason.MATCH_REASON_CONSENT_COVERS);
    expect(suggested.directoryAsOf).toBeInstanceOf(Date);

    const created = await intake.api.call(
      "createReferral",
      referralTo(beneficiaryId, consentId, "", {
        routing: {
          $case: "routingCriteria",
          value: { partnerKinds: [], allowWaitlist: false, excludedOrganisationIds: [] },
        },
      }),
    );
    expect(created.referral?.target?.organisationId).toBe(ids.mmccOther);

    const none = await failure(
      intake.api.call(
        "createReferral",
        referralTo(beneficiaryId, consentId, "", {
          routing: {
            $case: "routingCriteria",
            value: { partnerKinds: [], allowWaitlist: false, excludedOrganisationIds: [ids.mmccOther] },
          },
        }),
      ),
    );
    expect(grpcCode(none)).toBe("FAILED_PRECONDITION");
    expect(none.details).toMatch(new RegExp(`does not cover organisation ${ids.mmcc}`));
  });

  it("creates a referral once per request_id", async () => {
    const beneficiaryId = await register();
    const consentId = await consentFor(beneficiaryId);
    await screen(beneficiaryId);
    const request = referralTo(beneficiaryId, consentId, ids.mmcc);
    const [first, second] = await Promise.all([
      intake.api.call("createReferral", request),
      intake.api.call("createReferral", request),
    ]);
    const again = await intake.api.call("createReferral", request);
    const referralId = first.referral?.referralId ?? "";
    expect(second.referral?.referralId).toBe(referralId);
    expect(again.referral?.referralId).toBe(referralId);
    await waitFor(() => packageSentTo(ids.mmcc, referralId));
    const copies = (
      await eventsOn(nats, EVENTS.referralRequested, `kopru.v1.referral.requested.${ids.mmcc}`)
    ).filter((e) => e.referralPackage?.referralId === referralId);
    expect(copies).toHaveLength(1);
    const rows = await intake.running.context.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM referrals WHERE beneficiary_ref = $1",
      [copies[0]?.referralPackage?.beneficiaryRef],
    );
    expect(rows.rows[0]?.n).toBe(1);

    // Registration is idempotent too; a namesake of the same birth year is flagged for staff to check.
    const namesake = await intake.api.call("registerBeneficiary", registrationRequest());
    const registration = registrationRequest();
    const outboxBefore = await outboxCount();
    const a = await intake.api.call("registerBeneficiary", registration);
    const b = await intake.api.call("registerBeneficiary", registration);
    expect(b.beneficiary?.beneficiaryId).toBe(a.beneficiary?.beneficiaryId);
    expect(b.possibleDuplicateIds).toContain(namesake.beneficiary?.beneficiaryId);
    expect(await outboxCount()).toBe(outboxBefore + 1);
  });

  it("names every bad field with INVALID_ARGUMENT", async () => {
    const bad = await failure(
      intake.api.call("createReferral", {
        requestId: "nope",
        beneficiaryId: "not-a-uuid",
        serviceType: ServiceType.SERVICE_TYPE_UNSPECIFIED,
        priority: Priority.PRIORITY_HIGH,
        purpose: Purpose.PURPOSE_UNSPECIFIED,
        reasonForReferral: "",
        consentId: "",
        routing: undefined,
        dataCategories: [99 as DataCategory],
      }),
    );
    expect(grpcCode(bad)).toBe("INVALID_ARGUMENT");
    expect(String(bad.metadata.get("kopru-invalid-fields")[0]).split(",").sort()).toEqual(
      [
        "beneficiary_id",
        "consent_id",
        "data_categories[0]",
        "purpose",
        "reason_for_referral",
        "request_id",
        "routing",
        "service_type",
      ].sort(),
    );

    const registration = await failure(
      intake.api.call("registerBeneficiary", {
        ...registrationRequest(),
        givenName: " ",
        nationality: "syria",
        residence: { provinceCode: "", districtCode: "" },
        phoneNumber: "0555",
        interpreterNeeded: true,
        interpreterLanguage: undefined,
      }),
    );
    expect(grpcCode(registration)).toBe("INVALID_ARGUMENT");
    for (const field of [
      "given_name",
      "nationality",
      "residence.province_code",
      "phone_number",
      "interpreter_language",
    ]) {
      expect(registration.details).toContain(field);
    }

    const consent = await failure(
      intake.api.call("recordConsent", {
        requestId: uuidv4(),
        beneficiaryId: uuidv4(),
        givenBy: ConsentGiver.CONSENT_GIVER_CAREGIVER,
        method: ConsentMethod.CONSENT_METHOD_UNSPECIFIED,
        explainedInLanguage: "",
        interpreterUsed: false,
        scope: { organisationIds: [], partnerKinds: [], purposes: [], dataCategories: [] },
        expiresAt: undefined,
      }),
    );
    expect(grpcCode(consent)).toBe("INVALID_ARGUMENT");
    for (const field of [
      "caregiver_relationship",
      "method",
      "explained_in_language",
      "scope",
      "scope.purposes",
      "scope.data_categories",
      "expires_at",
    ]) {
      expect(consent.details).toContain(`${field}:`);
    }
  });

  it("scopes every record to the caller's organisation and refuses organisations it does not serve", async () => {
    const beneficiaryId = await register();
    const consentId = await consentFor(beneficiaryId);
    await screen(beneficiaryId);
    const created = await intake.api.call("createReferral", referralTo(beneficiaryId, consentId, ids.mmcc));
    const other = intake.api.as({ organisationId: ids.otherNgo, actorId: "caseworker-2" });

    expect(grpcCode(await failure(other.call("getBeneficiary", { beneficiaryId })))).toBe("NOT_FOUND");
    expect(
      grpcCode(await failure(other.call("getReferral", { referralId: created.referral?.referralId ?? "" }))),
    ).toBe("NOT_FOUND");
    expect(
      grpcCode(await failure(other.call("createReferral", referralTo(beneficiaryId, consentId, ids.mmcc)))),
    ).toBe("NOT_FOUND");
    const listed = await other.call("listReferrals", {
      referrerOrganisationId: "",
      statuses: [],
      serviceTypes: [],
      priorities: [],
    });
    expect(listed.referrals).toEqual([]);

    const stranger = intake.api.as({ organisationId: "someone-else" });
    expect(grpcCode(await failure(stranger.call("getBeneficiary", { beneficiaryId })))).toBe(
      "PERMISSION_DENIED",
    );
    expect(grpcCode(await failure(intake.api.as({}).call("getBeneficiary", { beneficiaryId })))).toBe(
      "PERMISSION_DENIED",
    );

    // The owner reads the person with every consent and the latest screening, and the read is audited.
    const got = await intake.api.call("getBeneficiary", { beneficiaryId });
    expect(got.consents.map((c) => c.consentId)).toEqual([consentId]);
    expect(got.latestScreening?.household?.childrenCount).toBe(3);
    expect(got.beneficiary?.disaggregation?.disabilityStatus).toBe(1);
    const audit = await intake.running.context.db.query<{ action: string }>(
      "SELECT action FROM intake_audit WHERE entity_id = $1 ORDER BY id",
      [beneficiaryId],
    );
    expect(audit.rows.map((r) => r.action)).toEqual(["register", "read"]);

    // A partner system's read is recorded as its client: the token's subject and client_id.
    await intake.api.as({ organisationId: ids.ngo }).call("getBeneficiary", { beneficiaryId });
    const tokens = await intake.running.context.db.query<{
      action: string;
      actor_kind: number;
      actor_id: string | null;
      subject: string | null;
      client_id: string | null;
      via_client_id: string | null;
    }>(
      `SELECT action, actor_kind, actor_id, subject, client_id, via_client_id
         FROM intake_audit WHERE entity_id = $1 ORDER BY id`,
      [beneficiaryId],
    );
    const staff = { subject: "caseworker-1", client_id: "kopru-test-console", via_client_id: null };
    const partner = `partner-${ids.ngo}`;
    expect(tokens.rows).toEqual([
      { action: "register", actor_kind: ActorKind.ACTOR_KIND_STAFF, actor_id: "caseworker-1", ...staff },
      { action: "read", actor_kind: ActorKind.ACTOR_KIND_STAFF, actor_id: "caseworker-1", ...staff },
      {
        action: "read",
        actor_kind: ActorKind.ACTOR_KIND_PARTNER_CLIENT,
        actor_id: null,
        subject: partner,
        client_id: partner,
        via_client_id: null,
      },
    ]);
  });

  it("erases a person nobody else holds at once: no holder to ask, the request complete", async () => {
    const beneficiaryId = await register();
    const requestId = uuidv4();
    const started = await intake.api.call("requestErasure", { requestId, beneficiaryId, reason: 1 });
    const request = started.erasureRequest;
    expect(request?.confirmations).toEqual([]);
    expect(request?.completedAt).toEqual(request?.requestedAt);
    expect(request?.kvkkDueBy?.getTime()).toBe((request?.requestedAt?.getTime() ?? 0) + 30 * 24 * 3_600_000);
    expect(
      grpcCode(
        await failure(
          intake.api.call("requestErasure", { requestId: uuidv4(), beneficiaryId: uuidv4(), reason: 1 }),
        ),
      ),
    ).toBe("NOT_FOUND");
    // The registration keeps its id, not the person.
    const person = (await intake.api.call("getBeneficiary", { beneficiaryId })).beneficiary;
    expect(person?.givenName).toBe("");
    expect(person?.phoneNumber).toBeUndefined();
    // The same request again answers the same.
    const again = await intake.api.call("requestErasure", { requestId, beneficiaryId, reason: 1 });
    expect(again.erasureRequest?.erasureRequestId).toBe(request?.erasureRequestId);
    // Nothing new is recorded for an erased person.
    const refused = await failure(recordTestConsent(intake.api, beneficiaryId));
    expect(grpcCode(refused)).toBe("FAILED_PRECONDITION");
    expect(refused.details).toMatch(/erased/);
  });
});

function registrationRequest() {
  return {
    requestId: uuidv4(),
    organisationId: ids.ngo,
    givenName: "Rasha",
    familyName: `Synthetic-Twin-${ids.suffix}`,
    sex: Sex.SEX_FEMALE,
    birthYear: 1985,
    nationality: "SY",
    legalStatus: LegalStatus.LEGAL_STATUS_TEMPORARY_PROTECTION,
    residence: { provinceCode: ids.province, districtCode: "" },
    preferredLanguage: "ar",
    interpreterNeeded: false,
    safeToContact: true,
    preferredContactMethod: 0,
    safeContactWindows: [],
  };
}
