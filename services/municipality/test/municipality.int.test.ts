import { randomBytes } from "node:crypto";
import { lockPerson } from "@kopru/casework";
import { networkTestRun, sourceTestPackage } from "@kopru/casework/testkit";
import { CaseClosureReason, CaseStatus } from "@kopru/contracts/common/v1/case";
import { AgeBand, Sex } from "@kopru/contracts/common/v1/disaggregation";
import {
  AssistanceKind,
  DataCategory,
  OutcomeCode,
  PartnerKind,
  Priority,
  Purpose,
  ReferralOrigin,
  ReferralStatus,
  ServiceType,
} from "@kopru/contracts/common/v1/vocabulary";
import { Organisation } from "@kopru/contracts/coordination/v1/directory";
import {
  CounsellingSessionType,
  CounsellingTopic,
  SessionModality,
} from "@kopru/contracts/municipality/v1/case";
import {
  CounsellingSessionRecorded,
  DirectAssistanceProvided,
  MunicipalityCaseClosed,
  MunicipalityCaseOpened,
} from "@kopru/contracts/municipality/v1/events";
import { MunicipalityServiceClient } from "@kopru/contracts/municipality/v1/municipality_service";
import { ReferralOutcomeReported, ReferralRequested } from "@kopru/contracts/referral/v1/events";
import { ReferralPackage } from "@kopru/contracts/referral/v1/package";
import { STREAMS } from "@kopru/events";
import { readSubject, refusal, statusEvents } from "@kopru/referral/testkit";
import { TestKeyring } from "@kopru/sealing/testkit";
import { openDatabase } from "@kopru/storage";
import { waitFor } from "@kopru/testing";
import { v4 as uuidv4, v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spec } from "../src/app.js";

// The municipality service as the network drives it: a partner sends referrals over the real
// JetStream to two MMCCs hosted by one process on a real PostgreSQL database; MMCC staff work them
// through the inbox and the municipality API. Organisation ids are unique to this run (the dev
// machine's NATS streams are shared), e.g. `mmcc-gaziantep-t3fa2c1`.
const suffix = `t${randomBytes(3).toString("hex")}`;
const MMCC_A = `mmcc-gaziantep-${suffix}`;
const MMCC_B = `mmcc-kilis-${suffix}`;
const REFERRER = `ngo-hayat-${suffix}`;
const ECM = `ecm-unit-${suffix}`;
const DAY = 86_400_000;

const consent = {
  consentId: uuidv7(),
  scope: {
    organisationIds: [],
    partnerKinds: [PartnerKind.PARTNER_KIND_MUNICIPALITY, PartnerKind.PARTNER_KIND_ECM_UNIT],
    purposes: [Purpose.PURPOSE_SERVICE_PROVISION],
    // Even a consent that covers the restricted categories does not make them travel to an MMCC.
    dataCategories: [
      DataCategory.DATA_CATEGORY_IDENTITY,
      DataCategory.DATA_CATEGORY_CONTACT,
      DataCategory.DATA_CATEGORY_DEMOGRAPHICS,
      DataCategory.DATA_CATEGORY_HOUSEHOLD,
      DataCategory.DATA_CATEGORY_NEEDS,
      DataCategory.DATA_CATEGORY_GBV,
      DataCategory.DATA_CATEGORY_CHILD_PROTECTION,
      DataCategory.DATA_CATEGORY_HEALTH,
    ],
  },
  expiresAt: new Date(Date.now() + 365 * DAY),
};

/** Everything the referrer holds about a (synthetic) person, restricted sections included. */
function sourcePackage(target: string, beneficiaryRef = uuidv7()): ReferralPackage {
  return sourceTestPackage(
    {
      from: REFERRER,
      to: target,
      serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
      priority: Priority.PRIORITY_HIGH,
      purpose: Purpose.PURPOSE_SERVICE_PROVISION,
      consent,
      beneficiaryRef,
    },
    {
      reasonForReferral: "Needs counselling on social assistance and rent arrears (synthetic).",
      disaggregation: {
        sex: Sex.SEX_FEMALE,
        ageBand: AgeBand.AGE_BAND_25_49,
        nationality: "SY",
        provinceCode: "TUR027",
      },
      identity: { givenName: "Leyla", familyName: "Synthetic-Hamdan" },
      contact: { phoneNumber: "+905550009876", safeToContact: true, preferredLanguage: "ar" },
      demographics: { sex: Sex.SEX_FEMALE, birthYear: 1990, nationality: "SY" },
      household: { size: 5, childrenCount: 3, femaleHeaded: true },
      needs: { needsSummary: "Rent arrears, three children (synthetic)." },
      gbv: { survivorCentredNotes: "SYNTHETIC-GBV-NOTE must never reach an MMCC" },
      childProtection: { caregiverPresent: false },
      health: { conditionsSummary: "synthetic" },
    },
  );
}

const staffA = { organisationId: MMCC_A, actorId: "mmcc-a-counsellor", role: "caseworker" };
const staffB = { organisationId: MMCC_B, actorId: "mmcc-b-counsellor", role: "caseworker" };

const run = networkTestRun(spec, MunicipalityServiceClient, {
  databasePrefix: "municipality",
  hostedOrganisations: [MMCC_A, MMCC_B],
  referrer: REFERRER,
  runId: suffix,
  caller: staffA,
});

async function sendTo(target: string, beneficiaryRef?: string): Promise<ReferralPackage> {
  return run.referrer.send({
    source: sourcePackage(target, beneficiaryRef),
    target: { organisationId: target, partnerKind: PartnerKind.PARTNER_KIND_MUNICIPALITY },
    serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
    purpose: Purpose.PURPOSE_SERVICE_PROVISION,
    consent,
  });
}

async function receivedBy(organisationId: string, referralId: string) {
  return waitFor(
    async () => {
      const page = await run.inbox.as({ organisationId, actorId: "staff" }).call("listInbox", {
        organisationId,
        statuses: [],
        serviceTypes: [],
        priorities: [],
        overdueOnly: false,
      });
      return page.referrals.find(
        (r) => r.referralId === referralId && r.status === ReferralStatus.REFERRAL_STATUS_RECEIVED,
      );
    },
    { timeoutMs: 20_000, message: `referral ${referralId} received by ${organisationId}` },
  );
}

beforeAll(run.start, 60_000);
afterAll(run.stop);

describe("the municipality service", () => {
  it("lists the MMCCs it hosts, with their provinces", async () => {
    const all = await run.api.call("listCentres", { provinceCodes: [] });
    expect(all.centres.map((c) => [c.organisationId, c.location?.provinceCode, c.active])).toEqual([
      [MMCC_A, "TUR027", true],
      [MMCC_B, "TUR079", true],
    ]);
    const kilis = await run.api.as({}).call("listCentres", { provinceCodes: ["TUR079"] });
    expect(kilis.centres.map((c) => c.name)).toEqual(["Kilis Municipality MMCC"]);
  });

  it("receives a referral, opens a case on acceptance, records counselling and assistance, and reports completion to the referrer", async () => {
    const sent = await sendTo(MMCC_A);
    const id = sent.referralId;
    expect((await receivedBy(MMCC_A, id)).beneficiaryRef).toBe(sent.beneficiaryRef);

    const read = await run.inbox.call("getReferral", { referralId: id });
    expect(read.referralPackage?.identity?.givenName).toBe("Leyla");
    expect(read.referralPackage?.gbv).toBeUndefined();

    const accepted = await run.inbox.call("acceptReferral", { referralId: id });
    expect(accepted.referral?.status).toBe(ReferralStatus.REFERRAL_STATUS_ACCEPTED);

    // The case was opened in the acceptance's transaction.
    const cases = await run.api.call("listCases", { organisationId: MMCC_A, statuses: [] });
    const opened = cases.municipalityCases.find((c) => c.referralIds.includes(id));
    expect(opened).toMatchObject({
      organisationId: MMCC_A,
      status: CaseStatus.CASE_STATUS_OPEN,
      beneficiaryRef: sent.beneficiaryRef,
      assignedCaseworkerId: "mmcc-a-counsellor",
    });
    const caseId = opened?.caseId ?? "";
    // Opening the case on acceptance is audited under the token that accepted.
    const openedBy = await run.service.context.db.query<Record<string, string | null>>(
      `SELECT actor_id, subject, client_id FROM casework_audit
        WHERE entity = 'case' AND entity_id = $1 AND action = 'open-case'`,
      [caseId],
    );
    expect(openedBy.rows).toEqual([
      { actor_id: staffA.actorId, subject: staffA.actorId, client_id: "kopru-test-console" },
    ]);

    await run.inbox.call("startReferral", { referralId: id });
    const sessionRequest = {
      requestId: uuidv4(),
      caseId,
      sessionType: CounsellingSessionType.COUNSELLING_SESSION_TYPE_INDIVIDUAL,
      modality: SessionModality.SESSION_MODALITY_IN_PERSON,
      topics: [
        CounsellingTopic.COUNSELLING_TOPIC_SOCIAL_ASSISTANCE,
        CounsellingTopic.COUNSELLING_TOPIC_HOUSING,
      ],
      interpreterUsed: true,
      interpreterLanguage: "ar",
      durationMinutes: 50,
      notes: "SYNTHETIC-SESSION-NOTE stays in the municipality database",
    };
    const session = await run.api.call("recordCounsellingSession", sessionRequest);
    expect(session.counsellingSession).toMatchObject({
      caseId,
      interpreterUsed: true,
      interpreterLanguage: "ar",
      counsellor: { organisationId: MMCC_A, actorId: "mmcc-a-counsellor" },
    });
    // A retried request (same request_id) returns the same session and records nothing new.
    const retried = await run.api.call("recordCounsellingSession", sessionRequest);
    expect(retried.counsellingSession?.sessionId).toBe(session.counsellingSession?.sessionId);

    const assistance = await run.api.call("recordDirectAssistance", {
      requestId: uuidv4(),
      caseId,
      referralId: id,
      kind: AssistanceKind.ASSISTANCE_KIND_CASH,
      amount: { amountMinor: 150_000, currency: "" },
      description: "One-off winter support",
    });
    expect(assistance.directAssistance?.amount).toEqual({ amountMinor: 150_000, currency: "TRY" });

    const full = await run.api.call("getCase", { caseId });
    expect(full.counsellingSessions).toHaveLength(1);
    expect(full.counsellingSessions[0]?.notes).toContain("SYNTHETIC-SESSION-NOTE");
    expect(full.directAssistance).toHaveLength(1);

    const completed = await run.inbox.call("completeReferral", {
      referralId: id,
      outcomeCodes: [
        OutcomeCode.OUTCOME_CODE_COUNSELLING_SESSIONS_HELD,
        OutcomeCode.OUTCOME_CODE_CASH_TRANSFERRED,
      ],
    });
    expect(completed.referral?.status).toBe(ReferralStatus.REFERRAL_STATUS_COMPLETED);

    // The referrer learns every step on its addressed, PII-free subject.
    const history = await waitFor(
      async () => {
        const events = (await statusEvents(run.nats.js, REFERRER, MMCC_A)).filter((e) => e.referralId === id);
        return events.some((e) => e.toStatus === ReferralStatus.REFERRAL_STATUS_COMPLETED) && events;
      },
      { timeoutMs: 20_000, message: "ReferralStatusChanged COMPLETED on the status subject" },
    );
    expect(history.map((e) => [e.sequence, e.toStatus])).toEqual([
      [1, ReferralStatus.REFERRAL_STATUS_REQUESTED],
      [2, ReferralStatus.REFERRAL_STATUS_RECEIVED],
      [3, ReferralStatus.REFERRAL_STATUS_ACCEPTED],
      [4, ReferralStatus.REFERRAL_STATUS_IN_PROGRESS],
      [5, ReferralStatus.REFERRAL_STATUS_COMPLETED],
    ]);
    expect(history.at(-1)?.outcomeCodes).toEqual(
      [OutcomeCode.OUTCOME_CODE_CASH_TRANSFERRED, OutcomeCode.OUTCOME_CODE_COUNSELLING_SESSIONS_HELD].sort(
        (a, b) => a - b,
      ),
    );

    const closed = await run.api.call("closeCase", {
      caseId,
      reason: CaseClosureReason.CASE_CLOSURE_REASON_OBJECTIVES_MET,
      internalNote: "SYNTHETIC-CLOSURE-NOTE",
    });
    expect(closed.municipalityCase?.status).toBe(CaseStatus.CASE_STATUS_CLOSED);

    // The case facts left through the outbox, in the case's sequence, and carry no personal data.
    const facts = await waitFor(
      async () => {
        const messages = await readSubject(
          run.nats.js,
          STREAMS.case.name,
          `kopru.v1.case.municipality.*.${MMCC_A}`,
        );
        const mine = messages.filter((m) => m.envelope.aggregateId === caseId);
        return mine.length === 4 && mine;
      },
      { timeoutMs: 15_000, message: "four case events of the case on JetStream" },
    );
    expect(facts.map((m) => [m.subject.split(".")[4], m.envelope.aggregateSequence])).toEqual([
      ["case-opened", 1],
      ["counselling-recorded", 2],
      ["assistance-provided", 3],
      ["case-closed", 4],
    ]);
    const [openedFact, sessionFact, assistanceFact, closedFact] = facts.map((m) => m.envelope.payload);
    expect(MunicipalityCaseOpened.decode(openedFact as Uint8Array)).toMatchObject({
      referralId: id,
      disaggregation: { sex: Sex.SEX_FEMALE, nationality: "SY" },
    });
    expect(CounsellingSessionRecorded.decode(sessionFact as Uint8Array)).toMatchObject({
      interpreterUsed: true,
      durationMinutes: 50,
    });
    expect(DirectAssistanceProvided.decode(assistanceFact as Uint8Array).amount).toEqual({
      amountMinor: 150_000,
      currency: "TRY",
    });
    expect(MunicipalityCaseClosed.decode(closedFact as Uint8Array).closureReason).toBe(
      CaseClosureReason.CASE_CLOSURE_REASON_OBJECTIVES_MET,
    );
    const published = Buffer.concat(facts.map((m) => m.data)).toString("latin1");
    for (const secret of ["SYNTHETIC", "Leyla", "+90555", sent.beneficiaryRef, "mmcc-a-counsellor"])
      expect(published).not.toContain(secret);

    // A closed case takes no more sessions.
    expect(
      await refusal(run.api.call("recordCounsellingSession", { ...sessionRequest, requestId: uuidv4() })),
    ).toMatchObject({ status: "FAILED_PRECONDITION", code: "case_closed" });
  });

  it("joins a further accepted referral for the same person to the open case", async () => {
    const person = uuidv7();
    const first = await sendTo(MMCC_A, person);
    const second = await sendTo(MMCC_A, person);
    await receivedBy(MMCC_A, first.referralId);
    await receivedBy(MMCC_A, second.referralId);
    await run.inbox.call("acceptReferral", { referralId: first.referralId });
    await run.inbox.call("acceptReferral", { referralId: second.referralId });
    const cases = await run.api.call("listCases", {
      organisationId: MMCC_A,
      statuses: [CaseStatus.CASE_STATUS_OPEN],
    });
    const mine = cases.municipalityCases.filter((c) => c.beneficiaryRef === person);
    expect(mine).toHaveLength(1);
    expect(mine[0]?.referralIds.sort()).toEqual([first.referralId, second.referralId].sort());
  });

  it("accepts two referrals for the same person at once, refusing neither, and serves both in one case", async () => {
    const person = uuidv7();
    const first = await sendTo(MMCC_A, person);
    const second = await sendTo(MMCC_A, person);
    await receivedBy(MMCC_A, first.referralId);
    await receivedBy(MMCC_A, second.referralId);
    // Hold the person's casework lock from outside, so both acceptances queue behind it together.
    const probe = await openDatabase({ service: "lock-probe", url: run.database.url });
    try {
      let release = () => {};
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      let held = () => {};
      const holding = new Promise<void>((resolve) => {
        held = resolve;
      });
      const holder = probe.transaction(async (tx) => {
        await lockPerson(tx, { organisationId: MMCC_A, beneficiaryRef: person });
        held();
        await released;
      });
      await holding;
      const accepts = [first, second].map((r) =>
        run.inbox.call("acceptReferral", { referralId: r.referralId }),
      );
      await waitFor(
        async () => {
          const waiting = await probe.query<{ n: number | string }>(
            `SELECT count(*) AS n FROM pg_locks
              WHERE locktype = 'advisory' AND NOT granted
                AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
          );
          return Number(waiting.rows[0]?.n) >= 2;
        },
        { message: "both acceptances waiting on the person's lock" },
      );
      release();
      await holder;
      await Promise.all(accepts);
    } finally {
      await probe.close();
    }
    const cases = await run.api.call("listCases", {
      organisationId: MMCC_A,
      statuses: [CaseStatus.CASE_STATUS_OPEN],
    });
    const mine = cases.municipalityCases.filter((c) => c.beneficiaryRef === person);
    expect(mine).toHaveLength(1);
    expect(mine[0]?.referralIds.sort()).toEqual([first.referralId, second.referralId].sort());
  });

  it("opens a walk-in case once per request and once per person", async () => {
    const request = { requestId: uuidv4(), organisationId: MMCC_B, beneficiaryRef: `walk-in-${uuidv7()}` };
    const opened = await run.api.as(staffB).call("openCase", request);
    expect(opened.municipalityCase).toMatchObject({ organisationId: MMCC_B, referralIds: [] });
    const again = await run.api.as(staffB).call("openCase", request);
    expect(again.municipalityCase?.caseId).toBe(opened.municipalityCase?.caseId);
    expect(
      await refusal(run.api.as(staffB).call("openCase", { ...request, requestId: uuidv4() })),
    ).toMatchObject({
      status: "FAILED_PRECONDITION",
      code: "case_already_open",
    });
    // The same person at another MMCC is another tenant's business.
    const atA = await run.api.call("openCase", { ...request, requestId: uuidv4(), organisationId: MMCC_A });
    expect(atA.municipalityCase?.organisationId).toBe(MMCC_A);
  });

  it("reports the outcome of a closed referral later, to the referrer only, each report replacing the last", async () => {
    const sent = await sendTo(MMCC_A);
    const id = sent.referralId;
    await receivedBy(MMCC_A, id);
    await run.inbox.call("acceptReferral", { referralId: id });
    const codes = [OutcomeCode.OUTCOME_CODE_COUNSELLING_SESSIONS_HELD];
    // Not yet closed: refused, naming the state.
    expect(
      await refusal(run.inbox.call("reportOutcome", { referralId: id, outcomeCodes: codes })),
    ).toMatchObject({
      status: "FAILED_PRECONDITION",
    });
    await run.inbox.call("startReferral", { referralId: id });
    await run.inbox.call("completeReferral", { referralId: id, outcomeCodes: codes });
    // Another MMCC's staff: the referral does not exist for them.
    expect(
      await refusal(run.inbox.as(staffB).call("reportOutcome", { referralId: id, outcomeCodes: codes })),
    ).toMatchObject({ status: "NOT_FOUND" });

    const partial = [OutcomeCode.OUTCOME_CODE_SERVICE_PROVIDED_PARTIAL];
    const reported = await run.inbox.call("reportOutcome", { referralId: id, outcomeCodes: partial });
    expect(reported.referral).toMatchObject({
      status: ReferralStatus.REFERRAL_STATUS_COMPLETED,
      outcomeCodes: partial,
    });
    // The same set again changes nothing.
    await run.inbox.call("reportOutcome", { referralId: id, outcomeCodes: partial });
    const full = [OutcomeCode.OUTCOME_CODE_SERVICE_PROVIDED_FULL];
    await run.inbox.call("reportOutcome", { referralId: id, outcomeCodes: full });
    expect((await run.inbox.call("getReferral", { referralId: id })).referral?.outcomeCodes).toEqual(full);
    // No service provided has no place in a completed referral.
    expect(
      await refusal(
        run.inbox.call("reportOutcome", {
          referralId: id,
          outcomeCodes: [OutcomeCode.OUTCOME_CODE_NO_SERVICE_PROVIDED],
        }),
      ),
    ).toMatchObject({ status: "INVALID_ARGUMENT" });

    const audited = await run.service.context.db.query<{ action: string; subject: string | null }>(
      "SELECT action, subject FROM referral_audit WHERE referral_id = $1 AND action = 'reportOutcome'",
      [id],
    );
    expect(audited.rows).toEqual([
      { action: "reportOutcome", subject: staffA.actorId },
      { action: "reportOutcome", subject: staffA.actorId },
    ]);

    // Report 1 with the completion, then the two changes, on the subject addressed to the referrer.
    const reports = await waitFor(
      async () => {
        const messages = await readSubject(
          run.nats.js,
          STREAMS.referral.name,
          `kopru.v1.referral.outcome.${REFERRER}.${MMCC_A}`,
        );
        const mine = messages.filter((m) => m.envelope.aggregateId === id);
        return mine.length === 3 && mine;
      },
      { timeoutMs: 15_000, message: "three outcome reports of the referral on JetStream" },
    );
    expect(
      reports.map((m) => [
        m.envelope.aggregateSequence,
        ReferralOutcomeReported.decode(m.envelope.payload as Uint8Array).outcomeCodes,
      ]),
    ).toEqual([
      [1, codes],
      [2, partial],
      [3, full],
    ]);
    const published = Buffer.concat(reports.map((m) => m.data)).toString("latin1");
    for (const secret of ["Leyla", "+90555", sent.beneficiaryRef]) expect(published).not.toContain(secret);
  });

  it("keeps each MMCC's referrals and cases from the other", async () => {
    const sent = await sendTo(MMCC_A);
    await receivedBy(MMCC_A, sent.referralId);
    await run.inbox.call("acceptReferral", { referralId: sent.referralId });
    const cases = await run.api.call("listCases", { organisationId: MMCC_A, statuses: [] });
    const caseId = cases.municipalityCases.find((c) => c.referralIds.includes(sent.referralId))?.caseId ?? "";

    const asB = run.inbox.as(staffB);
    const mmccB = run.api.as(staffB);
    const notFound = { status: "NOT_FOUND" };
    expect(await refusal(asB.call("getReferral", { referralId: sent.referralId }))).toMatchObject(notFound);
    expect(await refusal(asB.call("startReferral", { referralId: sent.referralId }))).toMatchObject(notFound);
    expect(await refusal(mmccB.call("getCase", { caseId }))).toMatchObject(notFound);
    expect(await refusal(mmccB.call("closeCase", { caseId, reason: 1 }))).toMatchObject(notFound);
    expect(
      await refusal(
        mmccB.call("recordCounsellingSession", {
          requestId: uuidv4(),
          caseId,
          sessionType: CounsellingSessionType.COUNSELLING_SESSION_TYPE_INDIVIDUAL,
          modality: SessionModality.SESSION_MODALITY_PHONE,
          topics: [CounsellingTopic.COUNSELLING_TOPIC_HEALTH_ACCESS],
          interpreterUsed: false,
          durationMinutes: 20,
        }),
      ),
    ).toMatchObject(notFound);
    expect(await refusal(mmccB.call("listCases", { organisationId: MMCC_A, statuses: [] }))).toMatchObject(
      notFound,
    );
    expect(
      await refusal(
        mmccB.call("openCase", { requestId: uuidv4(), organisationId: MMCC_B, referralId: sent.referralId }),
      ),
    ).toMatchObject(notFound);
    const listB = await mmccB.call("listCases", { organisationId: MMCC_B, statuses: [] });
    expect(listB.municipalityCases.every((c) => c.organisationId === MMCC_B)).toBe(true);
    // An organisation this service does not host is refused outright.
    expect(
      await refusal(run.api.as({ organisationId: "mmcc-elsewhere" }).call("getCase", { caseId })),
    ).toMatchObject({ status: "PERMISSION_DENIED" });
  });

  it("names every bad field (INVALID_ARGUMENT)", async () => {
    expect(
      await refusal(
        run.api.call("recordCounsellingSession", {
          requestId: "not-a-uuid",
          caseId: uuidv4(),
          sessionType: 0,
          modality: SessionModality.SESSION_MODALITY_ONLINE,
          topics: [],
          interpreterUsed: true,
          durationMinutes: 0,
        }),
      ),
    ).toEqual({
      status: "INVALID_ARGUMENT",
      code: "invalid_argument",
      fields: ["request_id", "session_type", "topics", "interpreter_language", "duration_minutes"],
    });
    expect(
      await refusal(run.api.call("openCase", { requestId: uuidv4(), organisationId: MMCC_A })),
    ).toMatchObject({
      status: "INVALID_ARGUMENT",
      fields: ["beneficiary_ref"],
    });
    expect(
      await refusal(
        run.api.call("recordDirectAssistance", {
          requestId: uuidv4(),
          caseId: uuidv4(),
          kind: AssistanceKind.ASSISTANCE_KIND_CASH,
          amount: { amountMinor: 100, currency: "lira" },
        }),
      ),
    ).toMatchObject({ status: "INVALID_ARGUMENT", fields: ["amount.currency"] });
    expect(await refusal(run.api.call("closeCase", { caseId: "x", reason: 0 }))).toMatchObject({
      fields: ["case_id", "reason"],
    });
    expect(await refusal(run.api.call("listCentres", { provinceCodes: ["Gaziantep"] }))).toMatchObject({
      fields: ["province_codes[0]"],
    });
  });

  it("holds no protection-only data: no GBV or child-protection columns, and no such section in stored packages", async () => {
    const sent = await sendTo(MMCC_B);
    await receivedBy(MMCC_B, sent.referralId);
    const columns = await run.service.context.db.query<{ table_name: string; column_name: string }>(
      "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'",
    );
    expect(columns.rows.length).toBeGreaterThan(50);
    const protectionOnly = columns.rows.filter((c) =>
      /gbv|child_?protection|survivor|perpetrator|incident/i.test(`${c.table_name}.${c.column_name}`),
    );
    expect(protectionOnly).toEqual([]);

    const stored = await run.service.context.db.query<{ referral_id: string; package: Uint8Array }>(
      "SELECT referral_id, package FROM referrals WHERE role = 'target'",
    );
    expect(stored.rows.length).toBeGreaterThan(0);
    for (const row of stored.rows) {
      const pkg = ReferralPackage.decode(row.package);
      expect(pkg.serviceType).toBe(ServiceType.SERVICE_TYPE_MMCC_COUNSELLING);
      expect(pkg.gbv).toBeUndefined();
      expect(pkg.childProtection).toBeUndefined();
      expect(pkg.health).toBeUndefined();
      expect(pkg.sharedDataCategories).not.toContain(DataCategory.DATA_CATEGORY_GBV);
      expect(pkg.sharedDataCategories).not.toContain(DataCategory.DATA_CATEGORY_CHILD_PROTECTION);
      expect(Buffer.from(row.package).toString("utf8")).not.toContain("SYNTHETIC-GBV-NOTE");
    }
  });

  it("refers onward to ECM for cash with a package cut again for ECM, while its own referral stays open", async () => {
    // The directory replica normally learns ECM from coordination's directory events; this run's ECM
    // unit is written straight into the replica so the permanent directory stream stays clean.
    const ecm = Organisation.fromPartial({
      organisationId: ECM,
      name: "ECM unit (test)",
      partnerKind: PartnerKind.PARTNER_KIND_ECM_UNIT,
      active: true,
      updatedAt: new Date(),
    });
    await run.service.context.db.query(
      `INSERT INTO directory_organisations (organisation_id, partner_kind, active, organisation, updated_at)
       VALUES ($1, $2, true, $3, now())`,
      [ECM, ecm.partnerKind, Buffer.from(Organisation.encode(ecm).finish())],
    );
    // The ECM unit's sealing key, as its own service would publish it: the package is sealed to it.
    const ecmKeys = new TestKeyring();
    await ecmKeys.publish(run.nats.js, [ECM]);
    const sent = await sendTo(MMCC_A);
    await receivedBy(MMCC_A, sent.referralId);
    await run.inbox.call("acceptReferral", { referralId: sent.referralId });

    const onward = await run.inbox.call("makeOnwardReferral", {
      requestId: uuidv4(),
      consentId: consent.consentId,
      parentReferralId: sent.referralId,
      targetOrganisationId: ECM,
      serviceType: ServiceType.SERVICE_TYPE_ECM_CASH,
      priority: Priority.PRIORITY_HIGH,
      purpose: Purpose.PURPOSE_SERVICE_PROVISION,
      reasonForReferral: "Rent arrears beyond what the MMCC can cover (synthetic).",
      dataCategories: [],
    });
    const child = onward.referral;
    expect(child).toMatchObject({
      parentReferralId: sent.referralId,
      rootReferralId: sent.referralId,
      origin: ReferralOrigin.REFERRAL_ORIGIN_ONWARD,
      referrer: { organisationId: MMCC_A },
      target: { organisationId: ECM },
      status: ReferralStatus.REFERRAL_STATUS_REQUESTED,
    });
    const subject = `kopru.v1.referral.requested.${ECM}`;
    const requested = await waitFor(
      async () => {
        for (const m of await readSubject(run.nats.js, STREAMS.referral.name, subject)) {
          expect(m.envelope.sealedPayload?.recipientOrganisationId).toBe(ECM);
          const opened = await ecmKeys.openEnvelope(m.envelope, subject);
          if (ReferralRequested.decode(opened.payload).referralPackage?.referralId === child?.referralId)
            return opened;
        }
        return undefined;
      },
      { timeoutMs: 15_000, message: "the onward ReferralRequested addressed to ECM" },
    );
    const pkg = ReferralRequested.decode(requested.payload).referralPackage;
    expect(pkg?.household?.size).toBe(5);
    expect(pkg?.gbv).toBeUndefined();
    expect(pkg?.childProtection).toBeUndefined();
    expect(requested.producer).toEqual({
      organisationId: MMCC_A,
      service: "municipality",
    });
    const parent = await run.inbox.call("getReferral", { referralId: sent.referralId });
    expect(parent.referral?.status).toBe(ReferralStatus.REFERRAL_STATUS_ACCEPTED);
    expect(parent.referral?.childReferralIds).toContain(child?.referralId);
  });
});
