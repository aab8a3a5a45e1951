import {
  noticesFor,
  publishCancellation,
  publishConsentWithdrawal,
  receivingTestService,
} from "@kopru/casework/testkit";
import { CaseClosureReason, CaseStatus } from "@kopru/contracts/common/v1/case";
import {
  AssistanceKind,
  CancelReason,
  ReferralStatus,
  ServiceType,
} from "@kopru/contracts/common/v1/vocabulary";
import { AssistanceStatus } from "@kopru/contracts/ecm/v1/case";
import {
  type AddAssistanceItemResponse,
  EcmServiceClient,
  type GetCaseResponse,
  type ListCasesResponse,
} from "@kopru/contracts/ecm/v1/ecm_service";
import { NoticeKind } from "@kopru/contracts/notification/v1/events";
import { PaymentChannel } from "@kopru/contracts/referral/v1/package";
import { runSuffix, statusEvents } from "@kopru/referral/testkit";
import type { ClientCaller } from "@kopru/service-kit";
import { waitFor } from "@kopru/testing";
import { v4 as uuidv4 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spec } from "../src/app.js";
import { testReferralPackage } from "./support.js";

// A referral the ECM unit accepted ends later without its staff: the referrer cancels it, the person
// withdraws consent, or the consent expires. The case closes with the reason (nothing more is paid),
// the referrer sees the cancellation and the caseworker holding the case is told.
const suffix = runSuffix();
const ECM = `ecm-le-${suffix}`;
const REFERRER = `mmcc-le-${suffix}`;
const harness = receivingTestService(spec, EcmServiceClient, {
  runName: `ecm-le${suffix}`,
  hostedOrganisations: [ECM],
});
const caseworker: ClientCaller = { organisationId: ECM, actorId: "cw-late-end", roles: ["caseworker"] };
const { inboxCall, apiCall } = harness;

beforeAll(harness.start);
afterAll(harness.stop);

async function acceptedCase(extra: Record<string, unknown> = {}) {
  const pkg = testReferralPackage({
    from: REFERRER,
    to: ECM,
    serviceType: ServiceType.SERVICE_TYPE_ECM_CASH,
    ...extra,
  });
  await harness.receive(pkg, caseworker);
  await inboxCall("acceptReferral", { referralId: pkg.referralId }, caseworker);
  const cases = await apiCall<ListCasesResponse>(
    "listCases",
    { organisationId: ECM, statuses: [] },
    caseworker,
  );
  const found = cases.ecmCases.find((c) => c.referralIds.includes(pkg.referralId));
  if (!found) throw new Error("no case opened on acceptance");
  return { pkg, caseId: found.caseId };
}

const caseOf = (caseId: string) => apiCall<GetCaseResponse>("getCase", { caseId }, caseworker);

async function closedCase(caseId: string) {
  return waitFor(
    async () => {
      const details = await caseOf(caseId);
      return details.ecmCase?.status === CaseStatus.CASE_STATUS_CLOSED ? details : undefined;
    },
    { timeoutMs: 15_000, message: "the case never closed" },
  );
}

describe("late events at the ECM unit", () => {
  it("closes the case of a cancelled referral, cancels its unpaid assistance, and tells the referrer and the holder", async () => {
    const { pkg, caseId } = await acceptedCase();
    const planned = await apiCall<AddAssistanceItemResponse>(
      "addAssistanceItem",
      {
        requestId: uuidv4(),
        caseId,
        kind: AssistanceKind.ASSISTANCE_KIND_CASH,
        amount: { amountMinor: 500_000, currency: "TRY" },
        description: "Rent arrears",
        paymentChannel: PaymentChannel.PAYMENT_CHANNEL_BANK_ACCOUNT,
      },
      caseworker,
    );
    await publishCancellation(harness.service.nats, {
      referralId: pkg.referralId,
      referrer: REFERRER,
      target: ECM,
    });

    const details = await closedCase(caseId);
    expect(details.ecmCase?.closureReason).toBe(CaseClosureReason.CASE_CLOSURE_REASON_REFERRAL_CANCELLED);
    const item = details.assistanceItems.find(
      (i) => i.assistanceItemId === planned.assistanceItem?.assistanceItemId,
    );
    expect(item?.status).toBe(AssistanceStatus.ASSISTANCE_STATUS_CANCELLED);

    const statuses = await waitFor(
      async () => {
        const events = await statusEvents(harness.service.nats.js, REFERRER, ECM);
        return events.find(
          (e) => e.referralId === pkg.referralId && e.toStatus === ReferralStatus.REFERRAL_STATUS_CANCELLED,
        );
      },
      { timeoutMs: 15_000, message: "no CANCELLED status event" },
    );
    expect(statuses.fromStatus).toBe(ReferralStatus.REFERRAL_STATUS_ACCEPTED);

    const notices = await noticesFor(harness.service.nats, ECM, (n) =>
      n.some((x) => x.referralId === pkg.referralId && x.kind === NoticeKind.NOTICE_KIND_REFERRAL_CLOSED),
    );
    expect(
      notices.find(
        (n) => n.referralId === pkg.referralId && n.kind === NoticeKind.NOTICE_KIND_REFERRAL_CLOSED,
      ),
    ).toMatchObject({
      kind: NoticeKind.NOTICE_KIND_REFERRAL_CLOSED,
      recipient: { $case: "actorId", value: caseworker.actorId },
      caseId,
      status: ReferralStatus.REFERRAL_STATUS_CANCELLED,
      sourceService: "ecm",
    });
  });

  it("closes the case when the person withdraws the consent the referral was made under", async () => {
    const { pkg, caseId } = await acceptedCase();
    await publishConsentWithdrawal(harness.service.nats, {
      consentId: pkg.consentId,
      beneficiaryRef: pkg.beneficiaryRef,
      holder: ECM,
      referralIds: [pkg.referralId],
      from: REFERRER,
    });
    const details = await closedCase(caseId);
    expect(details.ecmCase?.closureReason).toBe(CaseClosureReason.CASE_CLOSURE_REASON_CONSENT_WITHDRAWN);
    const referral = await inboxCall<{ referral?: { status: number; cancelReason: number } }>(
      "getReferral",
      { referralId: pkg.referralId },
      caseworker,
    );
    expect(referral.referral).toMatchObject({
      status: ReferralStatus.REFERRAL_STATUS_CANCELLED,
      cancelReason: CancelReason.CANCEL_REASON_CONSENT_WITHDRAWN,
    });
  });

  it("closes the case when the consent expires while the referral is served (a durable timer)", async () => {
    const { caseId } = await acceptedCase({ consentExpiresAt: new Date(Date.now() + 3_000) });
    const details = await closedCase(caseId);
    expect(details.ecmCase?.closureReason).toBe(CaseClosureReason.CASE_CLOSURE_REASON_CONSENT_EXPIRED);
  });

  it("keeps a case open while it still serves another accepted referral of the person, cancelling only the ended referral's assistance", async () => {
    const first = await acceptedCase();
    const second = testReferralPackage({
      from: REFERRER,
      to: ECM,
      serviceType: ServiceType.SERVICE_TYPE_ECM_CASH,
      beneficiaryRef: first.pkg.beneficiaryRef,
    });
    await harness.receive(second, caseworker);
    await inboxCall("acceptReferral", { referralId: second.referralId }, caseworker);
    await waitFor(async () => (await caseOf(first.caseId)).ecmCase?.referralIds.includes(second.referralId), {
      timeoutMs: 10_000,
      message: "the second referral never joined the case",
    });
    const item = (referralId: string) =>
      apiCall<AddAssistanceItemResponse>(
        "addAssistanceItem",
        {
          requestId: uuidv4(),
          caseId: first.caseId,
          referralId,
          kind: AssistanceKind.ASSISTANCE_KIND_CASH,
          amount: { amountMinor: 100_000, currency: "TRY" },
          description: "Rent",
          paymentChannel: PaymentChannel.PAYMENT_CHANNEL_BANK_ACCOUNT,
        },
        caseworker,
      );
    const forFirst = (await item(first.pkg.referralId)).assistanceItem?.assistanceItemId;
    const forSecond = (await item(second.referralId)).assistanceItem?.assistanceItemId;
    await publishCancellation(harness.service.nats, {
      referralId: first.pkg.referralId,
      referrer: REFERRER,
      target: ECM,
    });
    await noticesFor(harness.service.nats, ECM, (n) =>
      n.some(
        (x) => x.referralId === first.pkg.referralId && x.kind === NoticeKind.NOTICE_KIND_REFERRAL_CLOSED,
      ),
    );
    const details = await caseOf(first.caseId);
    expect(details.ecmCase?.status).toBe(CaseStatus.CASE_STATUS_OPEN);
    const statusOf = (id: string | undefined) =>
      details.assistanceItems.find((i) => i.assistanceItemId === id)?.status;
    expect(statusOf(forFirst)).toBe(AssistanceStatus.ASSISTANCE_STATUS_CANCELLED);
    expect(statusOf(forSecond)).toBe(AssistanceStatus.ASSISTANCE_STATUS_PLANNED);
  });
});
