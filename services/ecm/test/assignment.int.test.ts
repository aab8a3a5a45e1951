import { receivingTestService } from "@kopru/casework/testkit";
import { ServiceType } from "@kopru/contracts/common/v1/vocabulary";
import { EcmServiceClient, type ListCasesResponse } from "@kopru/contracts/ecm/v1/ecm_service";
import type { AssignReferralResponse, ListInboxResponse } from "@kopru/contracts/referral/v1/inbox_service";
import type { StaffDirectoryPort } from "@kopru/referral";
import { refusal, runSuffix } from "@kopru/referral/testkit";
import type { ClientCaller } from "@kopru/service-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spec } from "../src/app.js";
import { testReferralPackage } from "./support.js";

// Assignment in a real receiving service: a supervisor of the ECM unit reassigns an accepted
// referral to a colleague (checked against the staff directory, in memory here), the case serving it
// follows to the same caseworker, and the new assignee finds it under "my cases". The same service
// without a staff directory refuses to assign at all.
const suffix = runSuffix();
const ECM = `ecm-a-${suffix}`;
const REFERRER = `mmcc-a-${suffix}`;

const caseworker: ClientCaller = {
  organisationId: ECM,
  actorId: `cw-deniz-${suffix}`,
  roles: ["caseworker"],
};
const colleague: ClientCaller = { organisationId: ECM, actorId: `cw-elif-${suffix}`, roles: ["caseworker"] };
const supervisor: ClientCaller = {
  organisationId: ECM,
  actorId: `sv-kemal-${suffix}`,
  roles: ["supervisor"],
};

const staff: StaffDirectoryPort = async (organisationId, id) =>
  organisationId === ECM && [caseworker.actorId, colleague.actorId].includes(id)
    ? { id, active: true }
    : undefined;

const harness = receivingTestService(spec.withStaffDirectory(staff), EcmServiceClient, {
  runName: `ecm-a${suffix}`,
  hostedOrganisations: [ECM],
});
const bare = receivingTestService(spec, EcmServiceClient, {
  runName: `ecm-b${suffix}`,
  hostedOrganisations: [ECM],
});

beforeAll(async () => {
  await harness.start();
  await bare.start();
}, 60_000);
afterAll(async () => {
  await harness.stop();
  await bare.stop();
});

const inboxOf = (caller: ClientCaller, filter: Record<string, unknown>) =>
  harness.inboxCall<ListInboxResponse>(
    "listInbox",
    { organisationId: ECM, statuses: [], serviceTypes: [], priorities: [], overdueOnly: false, ...filter },
    caller,
  );

async function caseServing(referralId: string) {
  const { ecmCases } = await harness.apiCall<ListCasesResponse>(
    "listCases",
    { organisationId: ECM, statuses: [] },
    supervisor,
  );
  return ecmCases.find((c) => c.referralIds.includes(referralId));
}

describe("assigning a referral in the ECM service", () => {
  it("moves the accepted referral and its case to the colleague, who sees it as theirs", async () => {
    const referralId = await harness.receive(
      testReferralPackage({ from: REFERRER, to: ECM, serviceType: ServiceType.SERVICE_TYPE_ECM_CASH }),
      caseworker,
    );
    await harness.inboxCall("acceptReferral", { referralId }, caseworker);
    expect((await caseServing(referralId))?.assignedCaseworkerId).toBe(caseworker.actorId);

    const response = await harness.inboxCall<AssignReferralResponse>(
      "assignReferral",
      { referralId, assigneeActorId: colleague.actorId },
      supervisor,
    );
    expect(response.referral?.assigneeActorId).toBe(colleague.actorId);
    expect((await caseServing(referralId))?.assignedCaseworkerId).toBe(colleague.actorId);
    const mine = await inboxOf(colleague, { assignedToMe: true });
    expect(mine.referrals.map((r) => r.referralId)).toEqual([referralId]);
    expect((await inboxOf(caseworker, { assignedToMe: true })).referrals).toEqual([]);
  });

  it("refuses to assign without a staff directory to check the colleague against", async () => {
    const referralId = await bare.receive(
      testReferralPackage({ from: REFERRER, to: ECM, serviceType: ServiceType.SERVICE_TYPE_ECM_CASH }),
      caseworker,
    );
    expect(
      await refusal(
        bare.inboxCall("assignReferral", { referralId, assigneeActorId: colleague.actorId }, supervisor),
      ),
    ).toMatchObject({ status: "FAILED_PRECONDITION", code: "staff_directory_missing" });
  });
});
