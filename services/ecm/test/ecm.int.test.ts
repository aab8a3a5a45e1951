import { status } from "@grpc/grpc-js";
import { receivingTestService } from "@kopru/casework/testkit";
import { CaseClosureReason, CaseStatus } from "@kopru/contracts/common/v1/case";
import { Sex } from "@kopru/contracts/common/v1/disaggregation";
import {
  AssistanceKind,
  DeclineReason,
  OutcomeCode,
  ReferralStatus,
  ServiceType,
} from "@kopru/contracts/common/v1/vocabulary";
import { AssistanceStatus, NeedSeverity } from "@kopru/contracts/ecm/v1/case";
import {
  AddAssistanceItemRequest,
  type AddAssistanceItemResponse,
  type ApproveAssistanceItemResponse,
  type CancelAssistanceItemResponse,
  type CloseCaseResponse,
  EcmServiceClient,
  type GetCaseResponse,
  type ListCasesRequest,
  type ListCasesResponse,
  MarkAssistanceDeliveredRequest,
  type MarkAssistanceDeliveredResponse,
  OpenCaseRequest,
  type OpenCaseResponse,
  type RecordAssessmentRequest,
  type RecordAssessmentResponse,
} from "@kopru/contracts/ecm/v1/ecm_service";
import { AssistanceDelivered, EcmCaseClosed, EcmCaseOpened } from "@kopru/contracts/ecm/v1/events";
import { ReferralStatusChanged } from "@kopru/contracts/referral/v1/events";
import type { GetReferralResponse } from "@kopru/contracts/referral/v1/inbox_service";
import { PaymentChannel } from "@kopru/contracts/referral/v1/package";
import { STREAMS } from "@kopru/events";
import { eventsOn, failure, runSuffix } from "@kopru/referral/testkit";
import type { ClientCaller } from "@kopru/service-kit";
import { v4 as uuidv4, v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spec } from "../src/app.js";
import { testReferralPackage } from "./support.js";

// The ECM service as the network runs it: an MMCC refers a family facing eviction for emergency cash;
// the unit accepts, assesses, plans, approves and pays, and the referrer learns the outcome.
const suffix = runSuffix();
const ECM = `ecm-t-${suffix}`;
const SISTER = `ecm-t-${suffix}-b`; // hosted by the same process: its callers must not see ECM's cases
const REFERRER = `mmcc-t-${suffix}`;
const DAY = 86_400_000;

const harness = receivingTestService(spec, EcmServiceClient, {
  runName: `ecm-t${suffix}`,
  hostedOrganisations: [ECM, SISTER],
});

const caseworker: ClientCaller = { organisationId: ECM, actorId: "cw-deniz", roles: ["caseworker"] };
const otherCaseworker: ClientCaller = { organisationId: ECM, actorId: "cw-elif", roles: ["caseworker"] };
const supervisor: ClientCaller = {
  organisationId: ECM,
  actorId: "sv-kemal",
  roles: ["supervisor", "ecm-approver"],
};
const sisterStaff: ClientCaller = {
  organisationId: SISTER,
  actorId: "sv-other",
  roles: ["supervisor", "ecm-approver"],
};

const { inboxCall, apiCall: ecmCall } = harness;

async function receive(
  extra: Parameters<typeof testReferralPackage>[0] | undefined = undefined,
): Promise<string> {
  const pkg = testReferralPackage(
    extra ?? { from: REFERRER, to: ECM, serviceType: ServiceType.SERVICE_TYPE_ECM_CASH },
  );
  return harness.receive(pkg, caseworker);
}

async function listCases(caller: ClientCaller, request: Partial<ListCasesRequest> = {}) {
  return (
    await ecmCall<ListCasesResponse>(
      "listCases",
      { organisationId: caller.organisationId, statuses: [], ...request },
      caller,
    )
  ).ecmCases;
}

async function caseOf(referralId: string) {
  const found = (await listCases(caseworker)).find((c) => c.referralIds.includes(referralId));
  if (!found) throw new Error(`no case serves referral ${referralId}`);
  return found;
}

function cashItem(caseId: string, amountMinor: number, extra: Partial<AddAssistanceItemRequest> = {}) {
  return AddAssistanceItemRequest.fromPartial({
    requestId: uuidv4(),
    caseId,
    kind: AssistanceKind.ASSISTANCE_KIND_CASH,
    amount: { amountMinor, currency: "TRY" },
    description: "Two months' rent arrears",
    paymentChannel: PaymentChannel.PAYMENT_CHANNEL_BANK_ACCOUNT,
    ...extra,
  });
}

const deliveredSubject = () => `kopru.v1.case.ecm.assistance-delivered.${ECM}`;

beforeAll(harness.start);
afterAll(harness.stop);

describe("an emergency cash referral through the ECM service", () => {
  let referralId: string;
  let caseId: string;
  let cashId: string;

  it("opens a case when the referral is accepted, and announces it", async () => {
    referralId = await receive();
    await inboxCall("acceptReferral", { referralId }, caseworker);
    const opened = await caseOf(referralId);
    caseId = opened.caseId;
    expect(opened).toMatchObject({
      organisationId: ECM,
      status: CaseStatus.CASE_STATUS_OPEN,
      assignedCaseworkerId: caseworker.actorId,
      referralIds: [referralId],
    });
    const [event] = await eventsOn(
      harness.service.nats,
      STREAMS.case.name,
      `kopru.v1.case.ecm.case-opened.${ECM}`,
      EcmCaseOpened,
    );
    expect(event?.payload).toMatchObject({ caseId, organisationId: ECM, referralId });
    expect(event?.payload.disaggregation).toMatchObject({
      sex: Sex.SEX_MALE,
      nationality: "AF",
      provinceCode: "TUR001",
    });
    expect(event?.envelope).toMatchObject({
      aggregateType: "ecm-case",
      aggregateId: caseId,
      aggregateSequence: 1,
    });
    expect(event?.envelope.correlationId).toBe(referralId);
  });

  it("records a needs assessment once per request id", async () => {
    const request: RecordAssessmentRequest = {
      requestId: uuidv4(),
      caseId,
      needsIdentified: [AssistanceKind.ASSISTANCE_KIND_CASH, AssistanceKind.ASSISTANCE_KIND_FOOD],
      severity: NeedSeverity.NEED_SEVERITY_SEVERE,
      summary: "Synthetic: eviction notice, five in the household.",
    };
    const first = await ecmCall<RecordAssessmentResponse>("recordAssessment", request, caseworker);
    const again = await ecmCall<RecordAssessmentResponse>("recordAssessment", request, caseworker);
    expect(again.assessment?.assessmentId).toBe(first.assessment?.assessmentId);
    const details = await ecmCall<GetCaseResponse>("getCase", { caseId }, caseworker);
    expect(details.assessments).toHaveLength(1);
    expect(details.ecmCase?.latestAssessment?.severity).toBe(NeedSeverity.NEED_SEVERITY_SEVERE);
  });

  it("plans a cash item exactly once however often the request is retried, even at the same moment", async () => {
    const request = cashItem(caseId, 750_000, { referralId });
    const answers = await Promise.all(
      Array.from({ length: 5 }, () =>
        ecmCall<AddAssistanceItemResponse>("addAssistanceItem", request, caseworker),
      ),
    );
    const ids = new Set(answers.map((a) => a.assistanceItem?.assistanceItemId));
    expect(ids.size).toBe(1);
    cashId = [...ids][0] as string;
    expect(answers[0]?.assistanceItem).toMatchObject({
      status: AssistanceStatus.ASSISTANCE_STATUS_PLANNED,
      amount: { amountMinor: 750_000, currency: "TRY" },
      paymentChannel: PaymentChannel.PAYMENT_CHANNEL_BANK_ACCOUNT,
      plannedBy: { actorId: caseworker.actorId },
    });
    const later = await ecmCall<AddAssistanceItemResponse>("addAssistanceItem", request, caseworker);
    expect(later.assistanceItem?.assistanceItemId).toBe(cashId);
    const details = await ecmCall<GetCaseResponse>("getCase", { caseId }, caseworker);
    expect(details.assistanceItems.map((i) => i.assistanceItemId)).toEqual([cashId]);

    const reused = await failure(
      ecmCall("addAssistanceItem", { ...request, amount: { amountMinor: 1, currency: "TRY" } }, caseworker),
    );
    expect(reused).toMatchObject({ code: status.INVALID_ARGUMENT, fields: ["request_id"] });
  });

  it("needs an ECM approver's approval, never the planner's own", async () => {
    const refused = await failure(ecmCall("approveAssistanceItem", { assistanceItemId: cashId }, caseworker));
    expect(refused).toMatchObject({ code: status.PERMISSION_DENIED, errorCode: "approval_forbidden" });
    expect(refused.details).toContain("ECM approver");
    const ownPlan = await failure(
      ecmCall(
        "approveAssistanceItem",
        { assistanceItemId: cashId },
        { ...caseworker, roles: ["caseworker", "ecm-approver"] },
      ),
    );
    expect(ownPlan).toMatchObject({ code: status.PERMISSION_DENIED, errorCode: "approval_forbidden" });
    expect(ownPlan.details).toContain("planned");
    const early = await failure(
      ecmCall(
        "markAssistanceDelivered",
        MarkAssistanceDeliveredRequest.fromPartial({ assistanceItemId: cashId }),
        caseworker,
      ),
    );
    expect(early).toMatchObject({ code: status.FAILED_PRECONDITION, errorCode: "assistance_status" });
    const approved = await ecmCall<ApproveAssistanceItemResponse>(
      "approveAssistanceItem",
      { assistanceItemId: cashId },
      supervisor,
    );
    expect(approved.assistanceItem).toMatchObject({
      status: AssistanceStatus.ASSISTANCE_STATUS_APPROVED,
      approvedBy: { actorId: supervisor.actorId },
    });
  });

  it("records the delivery once and announces it without payment details", async () => {
    const request = MarkAssistanceDeliveredRequest.fromPartial({
      assistanceItemId: cashId,
      deliveredAmount: { amountMinor: 700_000, currency: "TRY" },
    });
    const delivered = await ecmCall<MarkAssistanceDeliveredResponse>(
      "markAssistanceDelivered",
      request,
      caseworker,
    );
    expect(delivered.assistanceItem).toMatchObject({
      status: AssistanceStatus.ASSISTANCE_STATUS_DELIVERED,
      amount: { amountMinor: 700_000, currency: "TRY" },
    });
    const repeat = await ecmCall<MarkAssistanceDeliveredResponse>(
      "markAssistanceDelivered",
      { ...request, deliveredAt: delivered.assistanceItem?.deliveredAt },
      caseworker,
    );
    expect(repeat.assistanceItem?.deliveredAt).toEqual(delivered.assistanceItem?.deliveredAt);

    const events = await eventsOn(
      harness.service.nats,
      STREAMS.case.name,
      deliveredSubject(),
      AssistanceDelivered,
    );
    expect(events).toHaveLength(1);
    expect(events[0]?.payload).toEqual({
      assistanceItemId: cashId,
      caseId,
      organisationId: ECM,
      referralId,
      kind: AssistanceKind.ASSISTANCE_KIND_CASH,
      amount: { amountMinor: 700_000, currency: "TRY" },
      deliveredAt: delivered.assistanceItem?.deliveredAt,
      disaggregation: expect.objectContaining({ sex: Sex.SEX_MALE }),
    });
    expect(events[0]?.envelope.aggregateSequence).toBe(2);
    // Nothing of the package's financial section travels: not the account, not the holder's name.
    const raw = Buffer.from(events[0]?.envelope.payload ?? []).toString("latin1");
    expect(raw).not.toContain("TR00");
    expect(raw).not.toContain("Test Person");
  });

  it("refuses to deliver a cancelled item", async () => {
    const nfi = await ecmCall<AddAssistanceItemResponse>(
      "addAssistanceItem",
      AddAssistanceItemRequest.fromPartial({
        requestId: uuidv4(),
        caseId,
        kind: AssistanceKind.ASSISTANCE_KIND_NFI,
        amount: { amountMinor: 20_000, currency: "TRY" },
        description: "Hygiene kit x2",
      }),
      caseworker,
    );
    const id = nfi.assistanceItem?.assistanceItemId as string;
    await ecmCall("approveAssistanceItem", { assistanceItemId: id }, supervisor);
    const cancelled = await ecmCall<CancelAssistanceItemResponse>(
      "cancelAssistanceItem",
      { assistanceItemId: id, internalNote: "Family received kits from the MMCC." },
      caseworker,
    );
    expect(cancelled.assistanceItem?.status).toBe(AssistanceStatus.ASSISTANCE_STATUS_CANCELLED);
    const refused = await failure(
      ecmCall(
        "markAssistanceDelivered",
        MarkAssistanceDeliveredRequest.fromPartial({ assistanceItemId: id }),
        caseworker,
      ),
    );
    expect(refused).toMatchObject({ code: status.FAILED_PRECONDITION, errorCode: "assistance_status" });
    expect(refused.details).toContain("cancelled");
  });

  it("completes the referral with outcome codes, which reaches the referrer's status subject", async () => {
    await inboxCall("startReferral", { referralId }, caseworker);
    await inboxCall(
      "completeReferral",
      { referralId, outcomeCodes: [OutcomeCode.OUTCOME_CODE_CASH_TRANSFERRED] },
      caseworker,
    );
    const events = await eventsOn(
      harness.service.nats,
      STREAMS.referral.name,
      `kopru.v1.referral.status.${REFERRER}.${ECM}`,
      ReferralStatusChanged,
      (found) => found.some((e) => e.payload.toStatus === ReferralStatus.REFERRAL_STATUS_COMPLETED),
    );
    const completed = events.find((e) => e.payload.toStatus === ReferralStatus.REFERRAL_STATUS_COMPLETED);
    expect(completed?.payload).toMatchObject({
      referralId,
      referrerOrganisationId: REFERRER,
      targetOrganisationId: ECM,
      outcomeCodes: [OutcomeCode.OUTCOME_CODE_CASH_TRANSFERRED],
    });
  });

  it("closes only once nothing is pending, and announces the closure", async () => {
    const pending = await ecmCall<AddAssistanceItemResponse>(
      "addAssistanceItem",
      AddAssistanceItemRequest.fromPartial({
        requestId: uuidv4(),
        caseId,
        kind: AssistanceKind.ASSISTANCE_KIND_TRANSPORT,
        amount: { amountMinor: 45_000, currency: "TRY" },
      }),
      caseworker,
    );
    const close = { caseId, reason: CaseClosureReason.CASE_CLOSURE_REASON_OBJECTIVES_MET };
    const refused = await failure(ecmCall("closeCase", close, caseworker));
    expect(refused).toMatchObject({
      code: status.FAILED_PRECONDITION,
      errorCode: "case_has_pending_assistance",
    });
    await ecmCall(
      "cancelAssistanceItem",
      { assistanceItemId: pending.assistanceItem?.assistanceItemId },
      caseworker,
    );
    const closed = await ecmCall<CloseCaseResponse>("closeCase", close, caseworker);
    expect(closed.ecmCase).toMatchObject({ status: CaseStatus.CASE_STATUS_CLOSED });
    await ecmCall("closeCase", close, caseworker);
    const events = await eventsOn(
      harness.service.nats,
      STREAMS.case.name,
      `kopru.v1.case.ecm.case-closed.${ECM}`,
      EcmCaseClosed,
    );
    expect(events.map((e) => [e.payload.caseId, e.envelope.aggregateSequence])).toEqual([[caseId, 3]]);
    const afterClose = await failure(ecmCall("addAssistanceItem", cashItem(caseId, 100), caseworker));
    expect(afterClose).toMatchObject({ code: status.FAILED_PRECONDITION, errorCode: "case_closed" });
  });
});

describe("four eyes on every approval", () => {
  it("refuses the planner (even an ECM approver) and a caseworker at a small amount; another approver approves", async () => {
    const referralId = await receive();
    await inboxCall("acceptReferral", { referralId }, caseworker);
    const { caseId } = await caseOf(referralId);
    const planned = await ecmCall<AddAssistanceItemResponse>("addAssistanceItem", cashItem(caseId, 10_000), {
      ...caseworker,
      roles: ["caseworker", "ecm-approver"],
    });
    const assistanceItemId = planned.assistanceItem?.assistanceItemId;

    const ownPlan = await failure(
      ecmCall(
        "approveAssistanceItem",
        { assistanceItemId },
        { ...caseworker, roles: ["caseworker", "ecm-approver"] },
      ),
    );
    expect(ownPlan).toMatchObject({ code: status.PERMISSION_DENIED, errorCode: "approval_forbidden" });
    expect(ownPlan.details).toContain("planned");
    const notApprover = await failure(
      ecmCall("approveAssistanceItem", { assistanceItemId }, otherCaseworker),
    );
    expect(notApprover).toMatchObject({ code: status.PERMISSION_DENIED, errorCode: "approval_forbidden" });
    expect(notApprover.details).toContain("ECM approver");

    const approved = await ecmCall<ApproveAssistanceItemResponse>(
      "approveAssistanceItem",
      { assistanceItemId },
      supervisor,
    );
    expect(approved.assistanceItem).toMatchObject({
      status: AssistanceStatus.ASSISTANCE_STATUS_APPROVED,
      amount: { amountMinor: 10_000, currency: "TRY" },
      plannedBy: { actorId: caseworker.actorId },
      approvedBy: { actorId: supervisor.actorId },
    });
  });
});

describe("scoping and validation", () => {
  it("answers NOT_FOUND to another organisation's staff and PERMISSION_DENIED to an organisation not hosted here", async () => {
    const referralId = await receive();
    await inboxCall("acceptReferral", { referralId }, caseworker);
    const { caseId } = await caseOf(referralId);
    const item = await ecmCall<AddAssistanceItemResponse>(
      "addAssistanceItem",
      cashItem(caseId, 10_000),
      caseworker,
    );
    const assistanceItemId = item.assistanceItem?.assistanceItemId;

    expect((await failure(ecmCall("getCase", { caseId }, sisterStaff))).code).toBe(status.NOT_FOUND);
    expect((await failure(ecmCall("approveAssistanceItem", { assistanceItemId }, sisterStaff))).code).toBe(
      status.NOT_FOUND,
    );
    expect((await failure(ecmCall("cancelAssistanceItem", { assistanceItemId }, sisterStaff))).code).toBe(
      status.NOT_FOUND,
    );
    expect((await failure(ecmCall("addAssistanceItem", cashItem(caseId, 10_000), sisterStaff))).code).toBe(
      status.NOT_FOUND,
    );
    expect((await failure(inboxCall("getReferral", { referralId }, sisterStaff))).code).toBe(
      status.NOT_FOUND,
    );
    expect((await failure(listCases(sisterStaff, { organisationId: ECM }))).code).toBe(status.NOT_FOUND);
    expect((await listCases(sisterStaff)).map((c) => c.caseId)).not.toContain(caseId);
    const stranger = { organisationId: `nowhere-${suffix}`, actorId: "x", roles: ["ecm-approver"] };
    expect((await failure(ecmCall("getCase", { caseId }, stranger))).code).toBe(status.PERMISSION_DENIED);
    // The item is untouched.
    const details = await ecmCall<GetCaseResponse>("getCase", { caseId }, caseworker);
    expect(details.assistanceItems[0]?.status).toBe(AssistanceStatus.ASSISTANCE_STATUS_PLANNED);
    // A referral the case does not serve cannot be named on an item.
    const unknownReferral = await failure(
      ecmCall("addAssistanceItem", cashItem(caseId, 10_000, { referralId: uuidv7() }), caseworker),
    );
    expect(unknownReferral.code).toBe(status.NOT_FOUND);
  });

  it("refuses bad input with INVALID_ARGUMENT naming every field", async () => {
    const add = await failure(
      ecmCall(
        "addAssistanceItem",
        AddAssistanceItemRequest.fromPartial({ requestId: "x", caseId: "y" }),
        caseworker,
      ),
    );
    expect(add).toMatchObject({
      code: status.INVALID_ARGUMENT,
      fields: ["request_id", "case_id", "kind", "amount"],
    });

    const cash = await failure(
      ecmCall(
        "addAssistanceItem",
        cashItem(uuidv4(), -5, { amount: { amountMinor: -5, currency: "tl" }, paymentChannel: 0 }),
        caseworker,
      ),
    );
    expect(cash.fields).toEqual(["amount.amount_minor", "amount.currency", "payment_channel"]);

    const deliver = await failure(
      ecmCall(
        "markAssistanceDelivered",
        {
          assistanceItemId: uuidv4(),
          deliveredAt: new Date(Date.now() + DAY),
          deliveredAmount: { amountMinor: -1, currency: "TRY" },
        },
        caseworker,
      ),
    );
    expect(deliver.fields).toEqual(["delivered_at", "delivered_amount.amount_minor"]);

    const assess = await failure(
      ecmCall(
        "recordAssessment",
        { requestId: uuidv4(), caseId: uuidv4(), needsIdentified: [], severity: 0 },
        caseworker,
      ),
    );
    expect(assess.fields).toEqual(["needs_identified", "severity"]);
    const closeCase = await failure(ecmCall("closeCase", { caseId: uuidv4(), reason: 0 }, caseworker));
    expect(closeCase.fields).toEqual(["reason"]);
    // Well-formed but unknown: NOT_FOUND.
    expect(
      (await failure(ecmCall("approveAssistanceItem", { assistanceItemId: uuidv4() }, supervisor))).code,
    ).toBe(status.NOT_FOUND);
  });

  it("lets exactly one of a concurrent accept and decline win, and opens a case only for an acceptance", async () => {
    for (let round = 0; round < 3; round++) {
      const referralId = await receive();
      const answers = await Promise.allSettled([
        inboxCall("acceptReferral", { referralId }, caseworker),
        inboxCall(
          "declineReferral",
          { referralId, reason: DeclineReason.DECLINE_REASON_NO_CAPACITY },
          otherCaseworker,
        ),
      ]);
      expect(answers.filter((a) => a.status === "fulfilled")).toHaveLength(1);
      const lost = answers.find((a) => a.status === "rejected") as PromiseRejectedResult;
      expect([status.FAILED_PRECONDITION, status.ABORTED]).toContain(lost.reason.code);
      const final = (await inboxCall<GetReferralResponse>("getReferral", { referralId }, caseworker)).referral
        ?.status;
      const serving = (await listCases(caseworker)).filter((c) => c.referralIds.includes(referralId));
      expect(serving).toHaveLength(final === ReferralStatus.REFERRAL_STATUS_ACCEPTED ? 1 : 0);
      expect([ReferralStatus.REFERRAL_STATUS_ACCEPTED, ReferralStatus.REFERRAL_STATUS_DECLINED]).toContain(
        final,
      );
    }
  });
});

describe("opening cases explicitly", () => {
  it("opens a walk-in case once per request id and keeps one open case per person", async () => {
    const request = OpenCaseRequest.fromPartial({
      requestId: uuidv4(),
      organisationId: ECM,
      beneficiaryRef: `walk-in-${uuidv7()}`,
    });
    const [first, second] = await Promise.all([
      ecmCall<OpenCaseResponse>("openCase", request, otherCaseworker),
      ecmCall<OpenCaseResponse>("openCase", request, otherCaseworker),
    ]);
    expect(second.ecmCase?.caseId).toBe(first.ecmCase?.caseId);
    expect(first.ecmCase).toMatchObject({ assignedCaseworkerId: otherCaseworker.actorId, referralIds: [] });
    const duplicate = await failure(
      ecmCall("openCase", { ...request, requestId: uuidv4() }, otherCaseworker),
    );
    expect(duplicate).toMatchObject({ code: status.FAILED_PRECONDITION, errorCode: "case_already_open" });
  });

  it("serves a second accepted referral for the same person through the open case", async () => {
    const beneficiaryRef = `ben-${uuidv7()}`;
    const firstId = await receive({
      from: REFERRER,
      to: ECM,
      serviceType: ServiceType.SERVICE_TYPE_ECM_CASH,
      beneficiaryRef,
    });
    const notAccepted = await failure(
      ecmCall(
        "openCase",
        OpenCaseRequest.fromPartial({ requestId: uuidv4(), organisationId: ECM, referralId: firstId }),
        caseworker,
      ),
    );
    expect(notAccepted).toMatchObject({
      code: status.FAILED_PRECONDITION,
      errorCode: "referral_not_accepted",
    });
    await inboxCall("acceptReferral", { referralId: firstId }, caseworker);
    const secondId = await receive({
      from: REFERRER,
      to: ECM,
      serviceType: ServiceType.SERVICE_TYPE_ECM_MEDICAL,
      beneficiaryRef,
    });
    await inboxCall("acceptReferral", { referralId: secondId }, otherCaseworker);
    const { caseId, referralIds } = await caseOf(firstId);
    expect(referralIds).toEqual([firstId, secondId]);
    const opened = await eventsOn(
      harness.service.nats,
      STREAMS.case.name,
      `kopru.v1.case.ecm.case-opened.${ECM}`,
      EcmCaseOpened,
    );
    expect(opened.filter((e) => e.payload.caseId === caseId)).toHaveLength(1);
  });
});
