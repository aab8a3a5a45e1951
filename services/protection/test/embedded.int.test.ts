import { status } from "@grpc/grpc-js";
import { receivingTestService } from "@kopru/casework/testkit";
import { CaseClosureReason, CaseStatus } from "@kopru/contracts/common/v1/case";
import { RiskLevel } from "@kopru/contracts/common/v1/needs";
import { ServiceType } from "@kopru/contracts/common/v1/vocabulary";
import { SafetyPlanResponsible } from "@kopru/contracts/protection/v1/case";
import {
  type AddSafetyPlanResponse,
  type GetCaseResponse,
  type ListCasesResponse,
  ProtectionServiceClient,
  RecordRiskAssessmentRequest,
} from "@kopru/contracts/protection/v1/protection_service";
import { failure, runSuffix } from "@kopru/referral/testkit";
import type { ClientCaller } from "@kopru/service-kit";
import { v4 as uuidv4 } from "uuid";
import { afterAll, beforeAll, expect, it } from "vitest";
import { spec } from "../src/app.js";
import { testReferralPackage } from "./support.js";

// The embedded default (no DATABASE_URL): the same SQL on PGlite, through a whole case.
const suffix = runSuffix();
const ORG = `prot-e-${suffix}`;
// Risk assessments and safety plans need the restricted-case role.
const caseworker: ClientCaller = {
  organisationId: ORG,
  actorId: "cw-1",
  roles: ["caseworker", "protection-restricted"],
};

const harness = receivingTestService(spec, ProtectionServiceClient, {
  runName: `protection-e${suffix}`,
  hostedOrganisations: [ORG],
  embedded: true,
});
const { inboxCall, apiCall: casesCall } = harness;

beforeAll(harness.start);
afterAll(harness.stop);

it("works a GBV case end to end on the embedded PGlite database", async () => {
  const pkg = testReferralPackage({
    from: `ngo-e-${suffix}`,
    to: ORG,
    serviceType: ServiceType.SERVICE_TYPE_GBV_CASE_MANAGEMENT,
  });
  await harness.receive(pkg, caseworker, 20_000);
  await inboxCall("acceptReferral", { referralId: pkg.referralId }, caseworker);
  const listed = await casesCall<ListCasesResponse>(
    "listCases",
    { organisationId: ORG, caseTypes: [], statuses: [], riskLevels: [] },
    caseworker,
  );
  const caseId = listed.cases[0]?.caseId as string;
  expect(listed.cases[0]).toMatchObject({ restricted: true, referralIds: [pkg.referralId] });

  await casesCall(
    "assignCase",
    { caseId, assignedCaseworkerId: "cw-1", authorisedUserIds: ["cw-2", "cw-3"] },
    caseworker,
  );
  await casesCall(
    "recordRiskAssessment",
    RecordRiskAssessmentRequest.fromPartial({
      requestId: uuidv4(),
      caseId,
      riskLevel: RiskLevel.RISK_LEVEL_CRITICAL,
    }),
    caseworker,
  );
  const plan = await casesCall<AddSafetyPlanResponse>(
    "addSafetyPlan",
    {
      requestId: uuidv4(),
      caseId,
      actions: [
        {
          description: "Call twice a day.",
          responsible: SafetyPlanResponsible.SAFETY_PLAN_RESPONSIBLE_CASEWORKER,
          dueAt: new Date(Date.now() + 3_600_000),
          done: false,
        },
        {
          description: "Keep the phone charged.",
          responsible: SafetyPlanResponsible.SAFETY_PLAN_RESPONSIBLE_BENEFICIARY,
          done: true,
        },
      ],
    },
    caseworker,
  );
  expect(plan.safetyPlan?.actions.map((a) => a.done)).toEqual([false, true]);
  await casesCall(
    "closeCase",
    { caseId, reason: CaseClosureReason.CASE_CLOSURE_REASON_OBJECTIVES_MET },
    caseworker,
  );

  const details = await casesCall<GetCaseResponse>("getCase", { caseId }, { ...caseworker, actorId: "cw-3" });
  expect(details.protectionCase).toMatchObject({
    status: CaseStatus.CASE_STATUS_CLOSED,
    riskLevel: RiskLevel.RISK_LEVEL_CRITICAL,
    authorisedUserIds: ["cw-2", "cw-3"],
  });
  expect(details.safetyPlans[0]?.actions[0]?.dueAt).toBeInstanceOf(Date);
  // Off the team and without the restricted-case role: the restricted case does not exist for them.
  const outsider: ClientCaller = { organisationId: ORG, actorId: "cw-9", roles: ["caseworker"] };
  expect((await failure(casesCall("getCase", { caseId }, outsider))).code).toBe(status.NOT_FOUND);
});
