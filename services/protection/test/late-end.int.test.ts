import {
  noticesFor,
  publishCancellation,
  publishConsentWithdrawal,
  receivingTestService,
} from "@kopru/casework/testkit";
import { CaseClosureReason, CaseStatus } from "@kopru/contracts/common/v1/case";
import { CancelReason, ReferralStatus, ServiceType } from "@kopru/contracts/common/v1/vocabulary";
import { NoticeKind } from "@kopru/contracts/notification/v1/events";
import {
  type GetCaseResponse,
  type ListCasesResponse,
  ProtectionServiceClient,
} from "@kopru/contracts/protection/v1/protection_service";
import { runSuffix } from "@kopru/referral/testkit";
import type { ClientCaller } from "@kopru/service-kit";
import { waitFor } from "@kopru/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spec } from "../src/app.js";
import { testReferralPackage } from "./support.js";

// A protection referral accepted, then cancelled or its consent withdrawn: the case closes with the
// reason and the caseworker holding it is told.
const suffix = runSuffix();
const ORG = `prot-le-${suffix}`;
const REFERRER = `ngo-le-${suffix}`;
const harness = receivingTestService(spec, ProtectionServiceClient, {
  runName: `protection-le${suffix}`,
  hostedOrganisations: [ORG],
});
const caseworker: ClientCaller = { organisationId: ORG, actorId: "cw-late", roles: ["caseworker"] };
const { inboxCall, apiCall } = harness;

beforeAll(harness.start);
afterAll(harness.stop);

async function acceptedCase() {
  const pkg = testReferralPackage({
    from: REFERRER,
    to: ORG,
    serviceType: ServiceType.SERVICE_TYPE_PROTECTION_GENERAL,
    gbv: undefined,
  });
  await harness.receive(pkg, caseworker);
  await inboxCall("acceptReferral", { referralId: pkg.referralId }, caseworker);
  const listed = await apiCall<ListCasesResponse>(
    "listCases",
    { organisationId: ORG, caseTypes: [], statuses: [], riskLevels: [] },
    caseworker,
  );
  const found = listed.cases.find((c) => c.referralIds.includes(pkg.referralId));
  if (!found) throw new Error("no case opened on acceptance");
  return { pkg, caseId: found.caseId };
}

const closedCase = (caseId: string) =>
  waitFor(
    async () => {
      const details = await apiCall<GetCaseResponse>("getCase", { caseId }, caseworker);
      return details.protectionCase?.status === CaseStatus.CASE_STATUS_CLOSED
        ? details.protectionCase
        : undefined;
    },
    { timeoutMs: 15_000, message: "the case never closed" },
  );

describe("late events at a protection organisation", () => {
  it("closes the case of a referral cancelled after acceptance and tells its holder", async () => {
    const { pkg, caseId } = await acceptedCase();
    await publishCancellation(harness.service.nats, {
      referralId: pkg.referralId,
      referrer: REFERRER,
      target: ORG,
    });
    expect((await closedCase(caseId)).closureReason).toBe(
      CaseClosureReason.CASE_CLOSURE_REASON_REFERRAL_CANCELLED,
    );
    const notices = await noticesFor(harness.service.nats, ORG, (n) =>
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
    });
  });

  it("closes the case when the consent is withdrawn", async () => {
    const { pkg, caseId } = await acceptedCase();
    await publishConsentWithdrawal(harness.service.nats, {
      consentId: pkg.consentId,
      beneficiaryRef: pkg.beneficiaryRef,
      holder: ORG,
      referralIds: [],
      from: REFERRER,
    });
    expect((await closedCase(caseId)).closureReason).toBe(
      CaseClosureReason.CASE_CLOSURE_REASON_CONSENT_WITHDRAWN,
    );
  });

  it("closes the case as consent withdrawn when the referrer cancels because consent was withdrawn", async () => {
    const { pkg, caseId } = await acceptedCase();
    await publishCancellation(harness.service.nats, {
      referralId: pkg.referralId,
      referrer: REFERRER,
      target: ORG,
      reason: CancelReason.CANCEL_REASON_CONSENT_WITHDRAWN,
    });
    expect((await closedCase(caseId)).closureReason).toBe(
      CaseClosureReason.CASE_CLOSURE_REASON_CONSENT_WITHDRAWN,
    );
  });
});
