import { receivingTestService } from "@kopru/casework/testkit";
import { CaseClosureReason, CaseStatus } from "@kopru/contracts/common/v1/case";
import { AssistanceKind, ServiceType } from "@kopru/contracts/common/v1/vocabulary";
import { AssistanceStatus } from "@kopru/contracts/ecm/v1/case";
import {
  AddAssistanceItemRequest,
  type AddAssistanceItemResponse,
  EcmServiceClient,
  type GetCaseResponse,
  type ListCasesResponse,
  MarkAssistanceDeliveredRequest,
} from "@kopru/contracts/ecm/v1/ecm_service";
import { AssistanceDelivered } from "@kopru/contracts/ecm/v1/events";
import { PaymentChannel } from "@kopru/contracts/referral/v1/package";
import { STREAMS } from "@kopru/events";
import { eventsOn, runSuffix } from "@kopru/referral/testkit";
import type { ClientCaller } from "@kopru/service-kit";
import { v4 as uuidv4 } from "uuid";
import { afterAll, beforeAll, expect, it } from "vitest";
import { spec } from "../src/app.js";
import { testReferralPackage } from "./support.js";

// The embedded default (no DATABASE_URL): the same SQL on PGlite, money included.
const suffix = runSuffix();
const ECM = `ecm-e-${suffix}`;
const caseworker: ClientCaller = { organisationId: ECM, actorId: "cw-1", role: "caseworker" };
const supervisor: ClientCaller = {
  organisationId: ECM,
  actorId: "sv-1",
  roles: ["supervisor", "ecm-approver"],
};

const harness = receivingTestService(spec, EcmServiceClient, {
  runName: `ecm-e${suffix}`,
  hostedOrganisations: [ECM],
  embedded: true,
});
const { inboxCall, apiCall: ecmCall } = harness;

beforeAll(harness.start);
afterAll(harness.stop);

it("pays emergency cash end to end on the embedded PGlite database", async () => {
  const pkg = testReferralPackage({
    from: `mmcc-e-${suffix}`,
    to: ECM,
    serviceType: ServiceType.SERVICE_TYPE_ECM_CASH,
  });
  await harness.receive(pkg, caseworker, 20_000);
  await inboxCall("acceptReferral", { referralId: pkg.referralId }, caseworker);
  const listed = await ecmCall<ListCasesResponse>(
    "listCases",
    { organisationId: ECM, statuses: [] },
    caseworker,
  );
  const caseId = listed.ecmCases[0]?.caseId as string;

  // Far above 2^31 minor units: int8 all the way.
  const big = 3_000_000_000_00;
  const planned = await ecmCall<AddAssistanceItemResponse>(
    "addAssistanceItem",
    AddAssistanceItemRequest.fromPartial({
      requestId: uuidv4(),
      caseId,
      referralId: pkg.referralId,
      kind: AssistanceKind.ASSISTANCE_KIND_CASH,
      amount: { amountMinor: big, currency: "TRY" },
      paymentChannel: PaymentChannel.PAYMENT_CHANNEL_PREPAID_CARD,
    }),
    caseworker,
  );
  const assistanceItemId = planned.assistanceItem?.assistanceItemId;
  await ecmCall("approveAssistanceItem", { assistanceItemId }, supervisor);
  await ecmCall(
    "markAssistanceDelivered",
    MarkAssistanceDeliveredRequest.fromPartial({ assistanceItemId }),
    caseworker,
  );
  await ecmCall(
    "closeCase",
    { caseId, reason: CaseClosureReason.CASE_CLOSURE_REASON_OBJECTIVES_MET },
    caseworker,
  );

  const details = await ecmCall<GetCaseResponse>("getCase", { caseId }, caseworker);
  expect(details.ecmCase?.status).toBe(CaseStatus.CASE_STATUS_CLOSED);
  expect(details.assistanceItems[0]).toMatchObject({
    status: AssistanceStatus.ASSISTANCE_STATUS_DELIVERED,
    amount: { amountMinor: big, currency: "TRY" },
  });
  const [event] = await eventsOn(
    harness.service.nats,
    STREAMS.case.name,
    `kopru.v1.case.ecm.assistance-delivered.${ECM}`,
    AssistanceDelivered,
  );
  expect(event?.payload.amount).toEqual({ amountMinor: big, currency: "TRY" });
});
