import { status } from "@grpc/grpc-js";
import { receivingTestService } from "@kopru/casework/testkit";
import { CaseClosureReason, CaseStatus } from "@kopru/contracts/common/v1/case";
import { Sex } from "@kopru/contracts/common/v1/disaggregation";
import { GbvIncidentType, ProtectionConcern, RiskLevel } from "@kopru/contracts/common/v1/needs";
import { ActorKind } from "@kopru/contracts/common/v1/refs";
import {
  DataCategory,
  DeclineReason,
  OutcomeCode,
  ReferralStatus,
  ServiceType,
} from "@kopru/contracts/common/v1/vocabulary";
import { ProtectionCaseType, SafetyPlanResponsible } from "@kopru/contracts/protection/v1/case";
import { ProtectionCaseClosed, ProtectionCaseOpened } from "@kopru/contracts/protection/v1/events";
import {
  type AddSafetyPlanRequest,
  type AddSafetyPlanResponse,
  type AssignCaseRequest,
  type AssignCaseResponse,
  type CloseCaseRequest,
  type CloseCaseResponse,
  type GetCaseRequest,
  type GetCaseResponse,
  type ListCasesRequest,
  type ListCasesResponse,
  OpenCaseRequest,
  type OpenCaseResponse,
  ProtectionServiceClient,
  RecordRiskAssessmentRequest,
  type RecordRiskAssessmentResponse,
} from "@kopru/contracts/protection/v1/protection_service";
import { ReferralStatusChanged } from "@kopru/contracts/referral/v1/events";
import type {
  GetReferralRequest,
  GetReferralResponse,
  ReferralInboxServiceClient,
} from "@kopru/contracts/referral/v1/inbox_service";
import type { ReferralPackage } from "@kopru/contracts/referral/v1/package";
import { STREAMS } from "@kopru/events";
import { eventsOn, failure, runSuffix } from "@kopru/referral/testkit";
import { authorizationMetadata, type ClientCaller, callUnary } from "@kopru/service-kit";
import { v4 as uuidv4, v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spec } from "../src/app.js";
import { testReferralPackage } from "./support.js";

// The protection service as the network runs it: referrals arrive over JetStream, staff work them
// through the shared inbox and the protection API, facts leave through the outbox.
const suffix = runSuffix();
const ORG = `prot-t-${suffix}`;
const SISTER = `prot-t-${suffix}-b`; // hosted by the same process: its callers must not see ORG's cases
const REFERRER = `ngo-t-${suffix}`;
const DAY = 86_400_000;

const harness = receivingTestService(spec, ProtectionServiceClient, {
  runName: `protection-t${suffix}`,
  hostedOrganisations: [ORG, SISTER],
});

const caseworkerA: ClientCaller = { organisationId: ORG, actorId: "cw-ayse", roles: ["caseworker"] };
const caseworkerB: ClientCaller = { organisationId: ORG, actorId: "cw-baran", roles: ["caseworker"] };
// The one who opens every restricted case of the organisation (RESTRICTED_CASE_ROLES).
const supervisor: ClientCaller = {
  organisationId: ORG,
  actorId: "sv-selin",
  roles: ["supervisor", "protection-restricted"],
};
// A supervisor without the restricted role: a title opens nothing.
const plainSupervisor: ClientCaller = { organisationId: ORG, actorId: "sv-kaan", roles: ["supervisor"] };
const sisterStaff: ClientCaller = {
  organisationId: SISTER,
  actorId: "cw-other",
  roles: ["supervisor", "protection-restricted"],
};

function referralPackage(serviceType: ServiceType, extra: Partial<ReferralPackage> = {}): ReferralPackage {
  return testReferralPackage({ from: REFERRER, to: ORG, serviceType, ...extra });
}

// Typed by request and response, so that each request literal is checked against its message.
const inboxCall = <Req, Res>(method: keyof ReferralInboxServiceClient, request: Req, caller: ClientCaller) =>
  harness.inboxCall<Res>(method, request, caller);
const casesCall = <Req, Res>(method: keyof ProtectionServiceClient, request: Req, caller: ClientCaller) =>
  harness.apiCall<Res>(method, request, caller);

async function getReferral(referralId: string, caller: ClientCaller = caseworkerA) {
  return inboxCall<GetReferralRequest, GetReferralResponse>("getReferral", { referralId }, caller);
}

function receive(pkg: ReferralPackage): Promise<string> {
  return harness.receive(pkg, caseworkerA);
}

async function accept(referralId: string, caller: ClientCaller = caseworkerA) {
  return inboxCall("acceptReferral", { referralId }, caller);
}

async function listCases(caller: ClientCaller, request: Partial<ListCasesRequest> = {}) {
  return (
    await casesCall<ListCasesRequest, ListCasesResponse>(
      "listCases",
      {
        organisationId: caller.organisationId ?? "",
        caseTypes: [],
        statuses: [],
        riskLevels: [],
        ...request,
      },
      caller,
    )
  ).cases;
}

async function caseOf(referralId: string, caller: ClientCaller = caseworkerA) {
  const found = (await listCases(caller)).find((c) => c.referralIds.includes(referralId));
  if (!found) throw new Error(`no case serves referral ${referralId}`);
  return found;
}

async function getCase(caseId: string, caller: ClientCaller) {
  return casesCall<GetCaseRequest, GetCaseResponse>("getCase", { caseId }, caller);
}

beforeAll(harness.start);
afterAll(harness.stop);

describe("a GBV referral through the protection service", () => {
  let referralId: string;
  let caseId: string;

  it("is received, and only its team and restricted roles read its GBV section", async () => {
    referralId = await receive(referralPackage(ServiceType.SERVICE_TYPE_GBV_CASE_MANAGEMENT));
    const forSupervisor = await getReferral(referralId, supervisor);
    expect(forSupervisor.referralPackage?.gbv?.incidentType).toBe(
      GbvIncidentType.GBV_INCIDENT_TYPE_PHYSICAL_ASSAULT,
    );
    expect(forSupervisor.withheldDataCategories).toEqual([]);
    const forCaseworker = await getReferral(referralId, caseworkerB);
    expect(forCaseworker.referralPackage?.gbv).toBeUndefined();
    expect(forCaseworker.referralPackage?.identity?.givenName).toBe("Test");
    expect(forCaseworker.withheldDataCategories).toEqual([DataCategory.DATA_CATEGORY_GBV]);
    const forPlainSupervisor = await getReferral(referralId, plainSupervisor);
    expect(forPlainSupervisor.referralPackage?.gbv).toBeUndefined();
    expect(forPlainSupervisor.withheldDataCategories).toEqual([DataCategory.DATA_CATEGORY_GBV]);
    // A partner system's token names no user: it never reads the restricted sections.
    const forSystem = await getReferral(referralId, { organisationId: ORG });
    expect(forSystem.referralPackage?.gbv).toBeUndefined();
  });

  it("opens a restricted case, assigned to whoever accepted, when the referral is accepted", async () => {
    await accept(referralId);
    const opened = await caseOf(referralId);
    caseId = opened.caseId;
    expect(opened).toMatchObject({
      organisationId: ORG,
      caseType: ProtectionCaseType.PROTECTION_CASE_TYPE_GBV,
      restricted: true,
      status: CaseStatus.CASE_STATUS_OPEN,
      assignedCaseworkerId: caseworkerA.actorId,
      referralIds: [referralId],
    });
    // The accepting caseworker now reads the whole package.
    expect((await getReferral(referralId, caseworkerA)).referralPackage?.gbv).toBeDefined();

    const [event] = await eventsOn(
      harness.service.nats,
      STREAMS.case.name,
      `kopru.v1.case.protection.case-opened.${ORG}`,
      ProtectionCaseOpened,
    );
    expect(event?.payload).toMatchObject({
      caseId,
      organisationId: ORG,
      referralId,
      caseType: ProtectionCaseType.PROTECTION_CASE_TYPE_GBV,
    });
    // Restricted: no district or nationality that could single out a survivor.
    expect(event?.payload.disaggregation).toMatchObject({
      sex: Sex.SEX_FEMALE,
      provinceCode: "TUR027",
      districtCode: "",
      nationality: "",
    });
    expect(event?.envelope).toMatchObject({
      aggregateType: "protection-case",
      aggregateId: caseId,
      aggregateSequence: 1,
    });
  });

  it("hides the restricted case from other caseworkers as if it did not exist", async () => {
    expect((await failure(getCase(caseId, caseworkerB))).code).toBe(status.NOT_FOUND);
    expect((await listCases(caseworkerB)).map((c) => c.caseId)).not.toContain(caseId);
    expect((await getCase(caseId, supervisor)).protectionCase?.caseId).toBe(caseId);
    expect((await failure(getCase(caseId, plainSupervisor))).code).toBe(status.NOT_FOUND);
    const denied = await failure(
      casesCall(
        "assignCase",
        { caseId, assignedCaseworkerId: "cw-baran", authorisedUserIds: [] },
        caseworkerB,
      ),
    );
    expect(denied.code).toBe(status.NOT_FOUND);
  });

  it("records on every audit row the token's subject and client, and the client of a relaying service", async () => {
    const { issuer, auth, running } = harness.service;
    // The gateway calls for the supervisor: its own token, and the supervisor's beside it.
    const relayed = authorizationMetadata(
      await issuer.mintService("gateway", auth.audience),
      await issuer.mint(supervisor, auth.audience),
    );
    const { api } = harness;
    await callUnary(api, api.getCase, { caseId }, relayed);
    const reads = await running.context.db.query<Record<string, string | null>>(
      `SELECT action, actor_id, subject, client_id, via_client_id FROM casework_audit
        WHERE entity = 'case' AND entity_id = $1 AND action IN ('read-case', 'refused:read-case') ORDER BY id`,
      [caseId],
    );
    const direct = { actor_id: "sv-selin", subject: "sv-selin", client_id: "kopru-test-console" };
    expect(reads.rows).toContainEqual({ action: "read-case", ...direct, via_client_id: null });
    expect(reads.rows.at(-1)).toEqual({ action: "read-case", ...direct, via_client_id: "service-gateway" });
    // The shared inbox records package reads the same way.
    const packageReads = await running.context.db.query<Record<string, string | null>>(
      `SELECT actor_id, subject, client_id FROM referral_audit
        WHERE referral_id = $1 AND action = 'read-package' ORDER BY id`,
      [referralId],
    );
    expect(packageReads.rows).toContainEqual(direct);
    // The caseworker refused the restricted case is recorded by her own token too.
    expect(reads.rows).toContainEqual({
      action: "refused:read-case",
      actor_id: "cw-baran",
      subject: "cw-baran",
      client_id: "kopru-test-console",
      via_client_id: null,
    });
  });

  it("lets a supervisor widen the team; the new member then sees the case", async () => {
    const assigned = await casesCall<AssignCaseRequest, AssignCaseResponse>(
      "assignCase",
      { caseId, assignedCaseworkerId: "cw-ayse", authorisedUserIds: ["cw-baran", "cw-ayse"] },
      supervisor,
    );
    expect(assigned.protectionCase).toMatchObject({
      assignedCaseworkerId: "cw-ayse",
      authorisedUserIds: ["cw-baran"],
    });
    expect((await getCase(caseId, caseworkerB)).protectionCase?.caseId).toBe(caseId);
    // An authorised user may work the case but not widen the circle.
    const widening = await failure(
      casesCall(
        "assignCase",
        { caseId, assignedCaseworkerId: "cw-baran", authorisedUserIds: ["cw-x"] },
        caseworkerB,
      ),
    );
    expect(widening).toMatchObject({
      code: status.PERMISSION_DENIED,
      errorCode: "case_team_change_forbidden",
    });
  });

  it("records a risk assessment once per request id and takes its level", async () => {
    const request: RecordRiskAssessmentRequest = {
      requestId: uuidv4(),
      caseId,
      riskLevel: RiskLevel.RISK_LEVEL_HIGH,
      concerns: [ProtectionConcern.PROTECTION_CONCERN_PHYSICAL_SAFETY],
      summary: "Synthetic summary.",
    };
    const first = await casesCall<RecordRiskAssessmentRequest, RecordRiskAssessmentResponse>(
      "recordRiskAssessment",
      request,
      supervisor,
    );
    const retried = await casesCall<RecordRiskAssessmentRequest, RecordRiskAssessmentResponse>(
      "recordRiskAssessment",
      request,
      supervisor,
    );
    expect(retried.riskAssessment?.assessmentId).toBe(first.riskAssessment?.assessmentId);
    const assessedAt = first.riskAssessment?.assessedAt?.getTime() ?? 0;
    expect(first.riskAssessment?.nextReviewAt?.getTime()).toBe(assessedAt + 7 * DAY);
    expect(first.riskAssessment?.assessedBy).toMatchObject({
      kind: ActorKind.ACTOR_KIND_STAFF,
      actorId: "sv-selin",
    });

    const reused = await failure(
      casesCall("recordRiskAssessment", { ...request, riskLevel: RiskLevel.RISK_LEVEL_LOW }, supervisor),
    );
    expect(reused).toMatchObject({ code: status.INVALID_ARGUMENT, fields: ["request_id"] });

    const details = await getCase(caseId, supervisor);
    expect(details.riskAssessments).toHaveLength(1);
    expect(details.protectionCase?.riskLevel).toBe(RiskLevel.RISK_LEVEL_HIGH);
  });

  it("keeps safety plan versions, newest first", async () => {
    const plan = (requestId: string, description: string): AddSafetyPlanRequest => ({
      requestId,
      caseId,
      actions: [
        { description, responsible: SafetyPlanResponsible.SAFETY_PLAN_RESPONSIBLE_BENEFICIARY, done: false },
        {
          description: "Caseworker calls at the agreed time.",
          responsible: SafetyPlanResponsible.SAFETY_PLAN_RESPONSIBLE_CASEWORKER,
          dueAt: new Date(Date.now() + DAY),
          done: false,
        },
      ],
      notes: "Synthetic notes.",
      reviewAt: new Date(Date.now() + 7 * DAY),
    });
    const firstRequest = plan(uuidv4(), "Keep the agreed signal.");
    const first = await casesCall<AddSafetyPlanRequest, AddSafetyPlanResponse>(
      "addSafetyPlan",
      firstRequest,
      supervisor,
    );
    const again = await casesCall<AddSafetyPlanRequest, AddSafetyPlanResponse>(
      "addSafetyPlan",
      firstRequest,
      supervisor,
    );
    expect(again.safetyPlan?.safetyPlanId).toBe(first.safetyPlan?.safetyPlanId);
    const second = await casesCall<AddSafetyPlanRequest, AddSafetyPlanResponse>(
      "addSafetyPlan",
      plan(uuidv4(), "Stay with the trusted neighbour."),
      supervisor,
    );
    const details = await getCase(caseId, supervisor);
    expect(details.safetyPlans.map((p) => p.safetyPlanId)).toEqual([
      second.safetyPlan?.safetyPlanId,
      first.safetyPlan?.safetyPlanId,
    ]);
    expect(details.safetyPlans[1]?.actions.map((a) => a.description)).toEqual([
      "Keep the agreed signal.",
      "Caseworker calls at the agreed time.",
    ]);
    expect(details.protectionCase?.latestSafetyPlan?.safetyPlanId).toBe(second.safetyPlan?.safetyPlanId);
  });

  it("completes the referral with outcome codes, which reaches the referrer's status subject", async () => {
    await inboxCall("startReferral", { referralId }, caseworkerA);
    await inboxCall(
      "completeReferral",
      {
        referralId,
        outcomeCodes: [OutcomeCode.OUTCOME_CODE_CASE_OPENED, OutcomeCode.OUTCOME_CODE_SERVICE_PROVIDED_FULL],
      },
      caseworkerA,
    );
    const events = await eventsOn(
      harness.service.nats,
      STREAMS.referral.name,
      `kopru.v1.referral.status.${REFERRER}.${ORG}`,
      ReferralStatusChanged,
      (found) =>
        found.some(
          (e) =>
            e.payload.referralId === referralId &&
            e.payload.toStatus === ReferralStatus.REFERRAL_STATUS_COMPLETED,
        ),
    );
    const completed = events.find((e) => e.payload.toStatus === ReferralStatus.REFERRAL_STATUS_COMPLETED);
    expect(completed?.payload.outcomeCodes).toEqual(
      [OutcomeCode.OUTCOME_CODE_SERVICE_PROVIDED_FULL, OutcomeCode.OUTCOME_CODE_CASE_OPENED].sort(
        (a, b) => a - b,
      ),
    );
  });

  it("closes the case once, announces it, and refuses further work on it", async () => {
    const request: CloseCaseRequest = {
      caseId,
      reason: CaseClosureReason.CASE_CLOSURE_REASON_OBJECTIVES_MET,
      internalNote: "Synthetic.",
    };
    const closed = await casesCall<CloseCaseRequest, CloseCaseResponse>("closeCase", request, caseworkerA);
    expect(closed.protectionCase).toMatchObject({
      status: CaseStatus.CASE_STATUS_CLOSED,
      closureReason: CaseClosureReason.CASE_CLOSURE_REASON_OBJECTIVES_MET,
    });
    // A repeat answers the closed case and announces nothing more.
    await casesCall("closeCase", request, caseworkerA);
    const events = await eventsOn(
      harness.service.nats,
      STREAMS.case.name,
      `kopru.v1.case.protection.case-closed.${ORG}`,
      ProtectionCaseClosed,
    );
    expect(events.map((e) => e.payload.caseId)).toEqual([caseId]);
    expect(events[0]?.envelope.aggregateSequence).toBe(2);

    const refused = await failure(
      casesCall(
        "recordRiskAssessment",
        { requestId: uuidv4(), caseId, riskLevel: RiskLevel.RISK_LEVEL_LOW, concerns: [] },
        supervisor,
      ),
    );
    expect(refused).toMatchObject({ code: status.FAILED_PRECONDITION, errorCode: "case_closed" });
    const otherReason = await failure(
      casesCall(
        "closeCase",
        { caseId, reason: CaseClosureReason.CASE_CLOSURE_REASON_TRANSFERRED },
        caseworkerA,
      ),
    );
    expect(otherReason.code).toBe(status.FAILED_PRECONDITION);
  });
});

describe("scoping and validation", () => {
  it("answers NOT_FOUND to another organisation's staff and PERMISSION_DENIED to an organisation not hosted here", async () => {
    const referralId = await receive(
      referralPackage(ServiceType.SERVICE_TYPE_PROTECTION_GENERAL, { gbv: undefined }),
    );
    await accept(referralId);
    const { caseId } = await caseOf(referralId);
    expect((await failure(getCase(caseId, sisterStaff))).code).toBe(status.NOT_FOUND);
    expect((await failure(getReferral(referralId, sisterStaff))).code).toBe(status.NOT_FOUND);
    expect((await failure(accept(referralId, sisterStaff))).code).toBe(status.NOT_FOUND);
    expect(
      (
        await failure(
          casesCall(
            "closeCase",
            { caseId, reason: CaseClosureReason.CASE_CLOSURE_REASON_OTHER },
            sisterStaff,
          ),
        )
      ).code,
    ).toBe(status.NOT_FOUND);
    expect((await listCases(sisterStaff)).map((c) => c.caseId)).not.toContain(caseId);
    expect((await failure(listCases(sisterStaff, { organisationId: ORG }))).code).toBe(status.NOT_FOUND);
    const stranger = { organisationId: `nowhere-${suffix}`, actorId: "x", roles: ["protection-restricted"] };
    expect((await failure(getCase(caseId, stranger))).code).toBe(status.PERMISSION_DENIED);
    // An unrestricted case is open to the whole organisation.
    expect((await getCase(caseId, caseworkerB)).protectionCase?.restricted).toBe(false);
  });

  it("refuses bad input with INVALID_ARGUMENT naming every field", async () => {
    const open = await failure(
      casesCall<OpenCaseRequest, OpenCaseResponse>(
        "openCase",
        { requestId: "not-a-uuid", organisationId: ORG, caseType: 0 as ProtectionCaseType },
        caseworkerA,
      ),
    );
    expect(open.code).toBe(status.INVALID_ARGUMENT);
    expect(open.fields).toEqual(["request_id", "beneficiary_ref", "case_type"]);

    const plan = await failure(
      casesCall(
        "addSafetyPlan",
        {
          requestId: uuidv4(),
          caseId: "nope",
          actions: [{ description: "", responsible: 0, done: false }],
          reviewAt: new Date(Date.now() - DAY),
        },
        caseworkerA,
      ),
    );
    expect(plan.code).toBe(status.INVALID_ARGUMENT);
    expect(plan.fields).toEqual(["case_id", "actions[0].description", "actions[0].responsible", "review_at"]);

    const risk = await failure(
      casesCall(
        "recordRiskAssessment",
        RecordRiskAssessmentRequest.fromPartial({ requestId: uuidv4(), caseId: uuidv4() }),
        caseworkerA,
      ),
    );
    expect(risk.fields).toEqual(["risk_level"]);
    // Well-formed but unknown: NOT_FOUND.
    expect((await failure(getCase(uuidv4(), supervisor))).code).toBe(status.NOT_FOUND);
  });

  it("lets exactly one of a concurrent accept and decline win, and opens a case only for an acceptance", async () => {
    const referralId = await receive(
      referralPackage(ServiceType.SERVICE_TYPE_MHPSS_INDIVIDUAL, { gbv: undefined }),
    );
    const answers = await Promise.allSettled([
      accept(referralId),
      inboxCall(
        "declineReferral",
        { referralId, reason: DeclineReason.DECLINE_REASON_NO_CAPACITY },
        caseworkerB,
      ),
    ]);
    expect(answers.filter((a) => a.status === "fulfilled")).toHaveLength(1);
    const lost = answers.find((a) => a.status === "rejected") as PromiseRejectedResult;
    expect([status.FAILED_PRECONDITION, status.ABORTED]).toContain(lost.reason.code);
    const finalStatus = (await getReferral(referralId)).referral?.status;
    const serving = (await listCases(supervisor)).filter((c) => c.referralIds.includes(referralId));
    if (finalStatus === ReferralStatus.REFERRAL_STATUS_ACCEPTED) {
      expect(serving).toHaveLength(1);
      expect(serving[0]?.caseType).toBe(ProtectionCaseType.PROTECTION_CASE_TYPE_MHPSS);
    } else {
      expect(finalStatus).toBe(ReferralStatus.REFERRAL_STATUS_DECLINED);
      expect(serving).toHaveLength(0);
    }
  });
});

describe("opening cases explicitly", () => {
  it("opens a walk-in case once per request id and one open case per person and type", async () => {
    const beneficiaryRef = `walk-in-${uuidv7()}`;
    const request: OpenCaseRequest = {
      requestId: uuidv4(),
      organisationId: ORG,
      beneficiaryRef,
      caseType: ProtectionCaseType.PROTECTION_CASE_TYPE_LEGAL,
    };
    const [first, second] = await Promise.all([
      casesCall<OpenCaseRequest, OpenCaseResponse>("openCase", request, caseworkerB),
      casesCall<OpenCaseRequest, OpenCaseResponse>("openCase", request, caseworkerB),
    ]);
    expect(second.protectionCase?.caseId).toBe(first.protectionCase?.caseId);
    expect(first.protectionCase).toMatchObject({
      assignedCaseworkerId: "cw-baran",
      restricted: false,
      referralIds: [],
    });

    const duplicate = await failure(casesCall("openCase", { ...request, requestId: uuidv4() }, caseworkerB));
    expect(duplicate).toMatchObject({ code: status.FAILED_PRECONDITION, errorCode: "case_already_open" });
    // Another type for the same person is another case.
    const mhpss = await casesCall<OpenCaseRequest, OpenCaseResponse>(
      "openCase",
      { ...request, requestId: uuidv4(), caseType: ProtectionCaseType.PROTECTION_CASE_TYPE_MHPSS },
      caseworkerB,
    );
    expect(mhpss.protectionCase?.caseId).not.toBe(first.protectionCase?.caseId);
  });

  it("refuses a case for a referral that is not accepted, and serves a second referral through the open case", async () => {
    const beneficiaryRef = `ben-${uuidv7()}`;
    const firstId = await receive(
      referralPackage(ServiceType.SERVICE_TYPE_PROTECTION_GENERAL, { beneficiaryRef, gbv: undefined }),
    );
    const notAccepted = await failure(
      casesCall(
        "openCase",
        OpenCaseRequest.fromPartial({ requestId: uuidv4(), organisationId: ORG, referralId: firstId }),
        caseworkerA,
      ),
    );
    expect(notAccepted).toMatchObject({
      code: status.FAILED_PRECONDITION,
      errorCode: "referral_not_accepted",
    });
    await accept(firstId);
    const { caseId } = await caseOf(firstId);
    const alreadyServed = await failure(
      casesCall(
        "openCase",
        OpenCaseRequest.fromPartial({ requestId: uuidv4(), organisationId: ORG, referralId: firstId }),
        caseworkerA,
      ),
    );
    expect(alreadyServed).toMatchObject({ code: status.FAILED_PRECONDITION, errorCode: "case_already_open" });

    // A later referral for the same person and need joins the open case: one case, no second opening.
    const secondId = await receive(
      referralPackage(ServiceType.SERVICE_TYPE_PROTECTION_GENERAL, { beneficiaryRef, gbv: undefined }),
    );
    await accept(secondId, caseworkerB);
    const served = await getCase(caseId, supervisor);
    expect(served.protectionCase?.referralIds).toEqual([firstId, secondId]);
    expect(served.protectionCase?.assignedCaseworkerId).toBe(caseworkerA.actorId);
    const opened = await eventsOn(
      harness.service.nats,
      STREAMS.case.name,
      `kopru.v1.case.protection.case-opened.${ORG}`,
      ProtectionCaseOpened,
    );
    expect(opened.filter((e) => e.payload.caseId === caseId)).toHaveLength(1);
  });
});

describe("risk assessments, safety plans and risk levels: the restricted-case role only", () => {
  // A unique string in every part that is for the restricted role only, searched for in whole answers.
  const canary = `canary-${uuidv4()}`;
  let caseId: string;
  let walkIn: OpenCaseRequest;
  const withoutRole: [string, ClientCaller][] = [
    ["the assigned caseworker", caseworkerA],
    ["another caseworker", caseworkerB],
    ["a supervisor without the role", plainSupervisor],
    ["a partner system", { organisationId: ORG }],
  ];
  const text = (answer: unknown) => JSON.stringify(answer);

  beforeAll(async () => {
    // An unrestricted case: everyone of the organisation may see the case itself.
    const referralId = await receive(
      referralPackage(ServiceType.SERVICE_TYPE_PROTECTION_GENERAL, { gbv: undefined }),
    );
    await accept(referralId);
    caseId = (await caseOf(referralId)).caseId;
    await casesCall<RecordRiskAssessmentRequest, RecordRiskAssessmentResponse>(
      "recordRiskAssessment",
      {
        requestId: uuidv4(),
        caseId,
        riskLevel: RiskLevel.RISK_LEVEL_CRITICAL,
        concerns: [ProtectionConcern.PROTECTION_CONCERN_PHYSICAL_SAFETY],
        summary: `Assessment ${canary}`,
      },
      supervisor,
    );
    await casesCall<AddSafetyPlanRequest, AddSafetyPlanResponse>(
      "addSafetyPlan",
      {
        requestId: uuidv4(),
        caseId,
        actions: [
          {
            description: `Action ${canary}`,
            responsible: SafetyPlanResponsible.SAFETY_PLAN_RESPONSIBLE_BENEFICIARY,
            done: false,
          },
        ],
        notes: `Plan ${canary}`,
      },
      supervisor,
    );
    // A walk-in case opened by a caseworker, assessed by the restricted role afterwards.
    walkIn = {
      requestId: uuidv4(),
      organisationId: ORG,
      beneficiaryRef: `walk-in-${uuidv7()}`,
      caseType: ProtectionCaseType.PROTECTION_CASE_TYPE_LEGAL,
    };
    const opened = await casesCall<OpenCaseRequest, OpenCaseResponse>("openCase", walkIn, caseworkerB);
    await casesCall(
      "recordRiskAssessment",
      {
        requestId: uuidv4(),
        caseId: opened.protectionCase?.caseId as string,
        riskLevel: RiskLevel.RISK_LEVEL_HIGH,
        concerns: [],
        summary: `Walk-in ${canary}`,
      },
      supervisor,
    );
  });

  it("gives the restricted role the assessments, plans and risk level in every read", async () => {
    const details = await getCase(caseId, supervisor);
    expect(details.protectionCase?.riskLevel).toBe(RiskLevel.RISK_LEVEL_CRITICAL);
    expect(details.riskAssessments.map((a) => a.summary)).toEqual([`Assessment ${canary}`]);
    expect(details.safetyPlans.map((p) => p.notes)).toEqual([`Plan ${canary}`]);
    expect(details.protectionCase?.latestSafetyPlan?.actions[0]?.description).toBe(`Action ${canary}`);
    const listed = (await listCases(supervisor)).find((c) => c.caseId === caseId);
    expect(listed?.latestRiskAssessment?.summary).toBe(`Assessment ${canary}`);
    const critical = await listCases(supervisor, { riskLevels: [RiskLevel.RISK_LEVEL_CRITICAL] });
    expect(critical.map((c) => c.caseId)).toContain(caseId);
  });

  it("gives everyone else the case without them: GetCase, ListCases, OpenCase's retry", async () => {
    for (const [who, caller] of withoutRole) {
      const details = await getCase(caseId, caller);
      expect(details.protectionCase?.caseId, who).toBe(caseId);
      expect(text(details), who).not.toContain(canary);
      expect(details.riskAssessments, who).toEqual([]);
      expect(details.safetyPlans, who).toEqual([]);
      expect(details.protectionCase?.riskLevel, who).toBe(RiskLevel.RISK_LEVEL_UNSPECIFIED);
      expect(details.protectionCase?.latestRiskAssessment, who).toBeUndefined();
      expect(details.protectionCase?.latestSafetyPlan, who).toBeUndefined();

      const listed = await listCases(caller);
      expect(
        listed.map((c) => c.caseId),
        who,
      ).toContain(caseId);
      expect(text(listed), who).not.toContain(canary);
      expect(
        listed.filter((c) => c.riskLevel !== RiskLevel.RISK_LEVEL_UNSPECIFIED),
        who,
      ).toEqual([]);
      // Newest first, not by risk: the order alone would rank the people by it.
      const opened = listed.map((c) => c.openedAt?.getTime() ?? 0);
      expect(opened, who).toEqual([...opened].sort((x, y) => y - x));
      // Filtering by risk level would tell it too.
      expect(
        await failure(listCases(caller, { riskLevels: [RiskLevel.RISK_LEVEL_CRITICAL] })),
        who,
      ).toMatchObject({ code: status.PERMISSION_DENIED, errorCode: "restricted_role_required" });
    }
    // The caseworker who opened the walk-in case gets it back on a retry, still without them.
    const retried = await casesCall<OpenCaseRequest, OpenCaseResponse>("openCase", walkIn, caseworkerB);
    expect(retried.protectionCase?.caseId).toBeDefined();
    expect(text(retried)).not.toContain(canary);
    expect(retried.protectionCase?.riskLevel).toBe(RiskLevel.RISK_LEVEL_UNSPECIFIED);
  });

  it("refuses everyone else the writes with PERMISSION_DENIED naming the role, and writes nothing", async () => {
    for (const [who, caller] of withoutRole) {
      const assessment = await failure(
        casesCall(
          "recordRiskAssessment",
          {
            requestId: uuidv4(),
            caseId,
            riskLevel: RiskLevel.RISK_LEVEL_LOW,
            concerns: [],
            summary: "Lowered.",
          },
          caller,
        ),
      );
      expect(assessment, who).toMatchObject({
        code: status.PERMISSION_DENIED,
        errorCode: "restricted_role_required",
      });
      expect(assessment.details, who).toContain("protection-restricted");
      const plan = await failure(
        casesCall(
          "addSafetyPlan",
          {
            requestId: uuidv4(),
            caseId,
            actions: [
              {
                description: "Replaced.",
                responsible: SafetyPlanResponsible.SAFETY_PLAN_RESPONSIBLE_CASEWORKER,
                done: false,
              },
            ],
          },
          caller,
        ),
      );
      expect(plan, who).toMatchObject({
        code: status.PERMISSION_DENIED,
        errorCode: "restricted_role_required",
      });
      expect(plan.details, who).toContain("safety plan");
    }
    const details = await getCase(caseId, supervisor);
    expect(details.riskAssessments).toHaveLength(1);
    expect(details.safetyPlans).toHaveLength(1);
    expect(details.protectionCase?.riskLevel).toBe(RiskLevel.RISK_LEVEL_CRITICAL);
  });

  it("answers AssignCase and CloseCase without them to everyone else", async () => {
    const assigned = await casesCall<AssignCaseRequest, AssignCaseResponse>(
      "assignCase",
      { caseId, assignedCaseworkerId: "cw-ayse", authorisedUserIds: ["cw-baran"] },
      caseworkerA,
    );
    expect(assigned.protectionCase?.authorisedUserIds).toEqual(["cw-baran"]);
    expect(text(assigned)).not.toContain(canary);
    expect(assigned.protectionCase?.riskLevel).toBe(RiskLevel.RISK_LEVEL_UNSPECIFIED);
    const forRole = await casesCall<AssignCaseRequest, AssignCaseResponse>(
      "assignCase",
      { caseId, assignedCaseworkerId: "cw-ayse", authorisedUserIds: ["cw-baran"] },
      supervisor,
    );
    expect(text(forRole)).toContain(canary);

    const closed = await casesCall<CloseCaseRequest, CloseCaseResponse>(
      "closeCase",
      { caseId, reason: CaseClosureReason.CASE_CLOSURE_REASON_OBJECTIVES_MET },
      caseworkerA,
    );
    expect(closed.protectionCase?.status).toBe(CaseStatus.CASE_STATUS_CLOSED);
    expect(text(closed)).not.toContain(canary);
    expect(closed.protectionCase?.riskLevel).toBe(RiskLevel.RISK_LEVEL_UNSPECIFIED);
  });
});
