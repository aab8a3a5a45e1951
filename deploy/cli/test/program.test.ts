import { status } from "@grpc/grpc-js";
import {
  NotCompletedReason,
  OutcomeCode,
  ReferralStatus,
  ServiceType,
} from "@kopru/contracts/common/v1/vocabulary";
import type { ClientCaller } from "@kopru/service-kit";
import { describe, expect, it } from "vitest";
import { GrpcCallError } from "../src/errors.js";
import type { Api, Gateway } from "../src/grpc.js";
import { runCli } from "../src/program.js";
import type { ServiceName } from "../src/services.js";

interface Call {
  service: ServiceName;
  method: string;
  request: unknown;
  caller: ClientCaller;
}

const REFERRAL = {
  referralId: "11111111-1111-4111-8111-111111111111",
  rootReferralId: "11111111-1111-4111-8111-111111111111",
  parentReferralId: "",
  childReferralIds: [],
  origin: 1,
  beneficiaryRef: "ref-1",
  referrer: { organisationId: "ngo-hayat" },
  target: { organisationId: "mmcc-gaziantep" },
  serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
  priority: 2,
  purpose: 1,
  consentId: "c-1",
  status: ReferralStatus.REFERRAL_STATUS_ACCEPTED,
  declineReason: 0,
  notCompletedReason: 0,
  cancelReason: 0,
  onHoldReason: 0,
  redirectReason: 0,
  outcomeCodes: [],
  requestedAt: new Date("2026-11-25T10:00:00Z"),
  respondBy: new Date("2026-11-28T10:00:00Z"),
  sequence: 3,
};

/** Records every call and answers from `answers` (or throws what it holds). */
function fakeGateway(answers: Record<string, unknown> = {}) {
  const calls: Call[] = [];
  const api = (service: ServiceName, caller: ClientCaller): Api<never> =>
    ({
      service,
      address: `127.0.0.1:5005x`,
      async call(method: string, request: unknown) {
        calls.push({ service, method, request, caller });
        const answer = answers[method] ?? { referral: REFERRAL };
        if (answer instanceof Error) throw answer;
        return answer;
      },
      as: (next: ClientCaller) => api(service, next),
    }) as unknown as Api<never>;
  const gateway = {
    intake: (caller: ClientCaller) => api("intake", caller),
    coordination: (caller: ClientCaller) => api("coordination", caller),
    inbox: (service: ServiceName, caller: ClientCaller) => api(service, caller),
    notifications: (caller: ClientCaller) => api("notifications", caller),
    // As the real gateway does with no kept login for the organisation: --as names it.
    acting: (as: string | undefined) => (as ? { organisationId: as } : undefined),
    close() {},
  } as unknown as Gateway;
  return { gateway, calls };
}

async function run(args: string, answers?: Record<string, unknown>) {
  const { gateway, calls } = fakeGateway(answers);
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args.split(" "), gateway, {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    now: () => new Date("2026-11-26T10:00:00Z"),
    newId: () => "00000000-0000-4000-8000-000000000001",
  });
  return { code, calls, out: out.join("\n"), err: err.join("\n") };
}

describe("kopru command line", () => {
  it("answers a referral at the inbox of the service that hosts the organisation", async () => {
    const mmcc = await run(`referral accept ${REFERRAL.referralId} --as mmcc-gaziantep`);
    expect(mmcc.code).toBe(0);
    expect(mmcc.calls).toEqual([
      {
        service: "municipality",
        method: "acceptReferral",
        request: { referralId: REFERRAL.referralId },
        caller: { organisationId: "mmcc-gaziantep" },
      },
    ]);
    expect(mmcc.out).toBe(`Referral ${REFERRAL.referralId}: accepted`);

    const cc = await run(
      `referral hold ${REFERRAL.referralId} --as cc-gaziantep-sahinbey --reason capacity_full`,
    );
    expect(cc.calls[0]?.service).toBe("community-centre");
    expect(cc.calls[0]?.request).toMatchObject({ reason: 1 });

    const via = await run(`referral start ${REFERRAL.referralId} --as some-partner --via protection`);
    expect(via.calls[0]?.service).toBe("protection");
  });

  it("sends referrals through intake as the referring organisation", async () => {
    const { code, calls } = await run(
      "referral submit --as ngo-hayat --beneficiary b-1 --consent c-1 --service mmcc_counselling --priority high --to mmcc-gaziantep --reason counselling",
    );
    expect(code).toBe(0);
    expect(calls[0]).toMatchObject({
      service: "intake",
      method: "createReferral",
      caller: { organisationId: "ngo-hayat" },
      request: {
        requestId: "00000000-0000-4000-8000-000000000001",
        serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
        routing: { $case: "explicitTarget", value: { organisationId: "mmcc-gaziantep" } },
      },
    });
  });

  it("reports the outcome of a closed referral at the target's inbox, and the referrer's show prints it", async () => {
    const completed = {
      ...REFERRAL,
      status: ReferralStatus.REFERRAL_STATUS_COMPLETED,
      outcomeCodes: [OutcomeCode.OUTCOME_CODE_ENROLLED_IN_COURSE, OutcomeCode.OUTCOME_CODE_COURSE_COMPLETED],
    };
    const reported = await run(
      `referral outcome ${REFERRAL.referralId} --as cc-gaziantep-sahinbey --outcome enrolled_in_course,course_completed`,
      { reportOutcome: { referral: completed } },
    );
    expect(reported.code).toBe(0);
    expect(reported.calls).toEqual([
      {
        service: "community-centre",
        method: "reportOutcome",
        request: {
          referralId: REFERRAL.referralId,
          outcomeCodes: [
            OutcomeCode.OUTCOME_CODE_ENROLLED_IN_COURSE,
            OutcomeCode.OUTCOME_CODE_COURSE_COMPLETED,
          ],
          completedAt: undefined,
        },
        caller: { organisationId: "cc-gaziantep-sahinbey" },
      },
    ]);
    expect(reported.out).toBe(
      `Referral ${REFERRAL.referralId}: completed (enrolled_in_course,course_completed)`,
    );

    const notCompleted = {
      ...REFERRAL,
      status: ReferralStatus.REFERRAL_STATUS_NOT_COMPLETED,
      notCompletedReason: NotCompletedReason.NOT_COMPLETED_REASON_BENEFICIARY_UNREACHABLE,
      outcomeCodes: [OutcomeCode.OUTCOME_CODE_ONWARD_REFERRAL_MADE],
    };
    const shown = await run(`referral show ${REFERRAL.referralId} --as ngo-hayat`, {
      getReferral: { referral: notCompleted, withheldDataCategories: [] },
    });
    expect(shown.calls[0]).toMatchObject({ service: "intake", method: "getReferral" });
    expect(shown.out).toMatch(/reason\/outcome:\s+beneficiary_unreachable/);
    expect(shown.out).toMatch(/\noutcome:\s+onward_referral_made/);

    const refused = await run(`referral outcome ${REFERRAL.referralId} --as cc-gaziantep-sahinbey`);
    expect(refused.code).toBe(2);
    expect(refused.calls).toEqual([]);
  });

  it("takes redirect's consent from the referral when none is given", async () => {
    const { calls } = await run(
      `referral redirect ${REFERRAL.referralId} --as mmcc-kilis --to mmcc-gaziantep --reason better_placed`,
      { getReferral: { referral: { ...REFERRAL, consentId: "consent-42" } } },
    );
    expect(calls.map((c) => c.method)).toEqual(["getReferral", "redirectReferral"]);
    expect(calls[1]?.request).toMatchObject({
      consentId: "consent-42",
      targetOrganisationId: "mmcc-gaziantep",
      reason: 1,
    });
  });

  it("prints an inbox table with the deadline", async () => {
    const { out } = await run("inbox list --as mmcc-gaziantep", {
      listInbox: {
        referrals: [{ ...REFERRAL, status: ReferralStatus.REFERRAL_STATUS_RECEIVED }],
        page: { nextPageToken: "" },
      },
    });
    expect(out).toMatch(/^referral\s+service\s+priority\s+status\s+from\s+respond by\s+due/);
    expect(out).toContain("mmcc_counselling");
    expect(out).toContain("in 2d");
  });

  it("lists my cases and the follow-up deadline of accepted referrals", async () => {
    const { out, calls } = await run("inbox list --as mmcc-gaziantep --mine --follow-up-overdue", {
      listInbox: {
        referrals: [
          {
            ...REFERRAL,
            assigneeActorId: "caseworker-7",
            followUpStage: 2,
            followUpDueAt: new Date("2026-11-28T10:00:00Z"),
          },
        ],
        page: { nextPageToken: "" },
      },
    });
    expect(calls[0]?.request).toMatchObject({ assignedToMe: true, followUpOverdueOnly: true });
    expect(out).toMatch(/follow-up\s+assigned to/);
    expect(out).toContain("in 2d (reminded)");
    expect(out).toContain("caseworker-7");
  });

  it("assigns a referral to a colleague and shows the assignment history", async () => {
    const assignment = {
      referralId: REFERRAL.referralId,
      sequence: 2,
      assigneeActorId: "caseworker-8",
      previousAssigneeActorId: "caseworker-7",
      assignedByActorId: "supervisor-1",
      assignedAt: new Date("2026-11-26T09:00:00Z"),
    };
    const assigned = await run(`inbox assign ${REFERRAL.referralId} --as mmcc-gaziantep --to caseworker-8`, {
      assignReferral: { referral: REFERRAL, assignment },
    });
    expect(assigned.calls[0]).toMatchObject({
      method: "assignReferral",
      request: { referralId: REFERRAL.referralId, assigneeActorId: "caseworker-8" },
    });
    expect(assigned.out).toContain("assigned to caseworker-8 (was caseworker-7)");

    const history = await run(`inbox assignments ${REFERRAL.referralId} --as mmcc-gaziantep`, {
      listReferralAssignments: { assignments: [assignment] },
    });
    expect(history.out).toMatch(/caseworker-8\s+caseworker-7\s+supervisor-1/);
  });

  it("lists referrals past their follow-up deadline for coordination", async () => {
    const { calls, out } = await run("coordination overdue --follow-up", {
      listOverdueReferrals: {
        referrals: [
          {
            referral: {
              referralId: REFERRAL.referralId,
              targetOrganisationId: "mmcc-gaziantep",
              assigned: true,
            },
            overdueSeconds: 86_400,
            rerouteRequested: false,
          },
        ],
        page: { nextPageToken: "" },
      },
    });
    expect(calls[0]?.request).toMatchObject({ followUp: true });
    expect(out).toMatch(/follow-up by\s+overdue\s+assigned/);
  });

  it("prints proto3 JSON with --json", async () => {
    const { out } = await run(`referral accept ${REFERRAL.referralId} --as mmcc-gaziantep --json`);
    const parsed = JSON.parse(out) as { referral: { status: string; serviceType: string } };
    expect(parsed.referral.status).toBe("REFERRAL_STATUS_ACCEPTED");
    expect(parsed.referral.serviceType).toBe("SERVICE_TYPE_MMCC_COUNSELLING");
  });

  it("coordination views act as the coordination office by default", async () => {
    const { calls } = await run("coordination figures --by organisation", {
      getReferralFigures: { rows: [], total: undefined, minCellSize: 5 },
    });
    expect(calls[0]?.caller).toMatchObject({ organisationId: "coordination", role: "coordinator" });
    expect(calls[0]?.request).toMatchObject({ groupBy: [1] });
  });

  it("shows what people received: outcome columns and why services were not received", async () => {
    const row = {
      requested: 9,
      accepted: 7,
      completed: 4,
      notCompleted: 2,
      outcomeReceived: 3,
      outcomePartlyReceived: 1,
      outcomeNotReceived: 2,
      notReceivedReasons: [
        { reason: NotCompletedReason.NOT_COMPLETED_REASON_BENEFICIARY_UNREACHABLE, count: 2 },
      ],
      suppressed: false,
    };
    const { out, code } = await run("coordination figures", {
      getReferralFigures: { rows: [], total: row, minCellSize: 5 },
    });
    expect(code).toBe(0);
    const [header, , total] = out.split("\n");
    expect(header).toMatch(/received\s+partly\s+not recv\./);
    expect(
      total
        ?.trim()
        .split(/\s{2,}/)
        .slice(11, 14),
    ).toEqual(["3", "1", "2"]);
    expect(out).toContain("not received: beneficiary_unreachable 2");
  });

  it("fails with exit 2 and no call for a wrong command line", async () => {
    const noAs = await run(`referral accept ${REFERRAL.referralId}`);
    expect(noAs.code).toBe(2);
    expect(noAs.err).toContain("log in first (pnpm kopru login --user <username>)");
    expect(noAs.calls).toEqual([]);

    const bad = await run("inbox list --as mmcc-gaziantep --status finished");
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/valid values: requested, received/);

    const unknown = await run("referral fly");
    expect(unknown.code).toBe(2);
  });

  it("has no options to claim an actor or a role: who acts comes from the login's token", async () => {
    const claimed = await run(
      `referral accept ${REFERRAL.referralId} --as mmcc-gaziantep --role coordinator`,
    );
    expect(claimed.code).toBe(2);
    expect(claimed.err).toContain("unknown option '--role'");
    expect(claimed.calls).toEqual([]);
  });

  it("prints the status and message of a failed call, exit 1", async () => {
    const { code, err } = await run(`referral accept ${REFERRAL.referralId} --as mmcc-gaziantep`, {
      acceptReferral: new GrpcCallError(
        "municipality",
        "127.0.0.1:50055",
        "acceptReferral",
        status.FAILED_PRECONDITION,
        "referral is completed; it cannot be accepted",
      ),
    });
    expect(code).toBe(1);
    expect(err).toBe("FAILED_PRECONDITION: referral is completed; it cannot be accepted");
  });

  it("shows each offering's free places and lets a coordinator count an offering's places", async () => {
    const offering = {
      serviceOfferingId: "o-1",
      organisationId: "mmcc-gaziantep",
      serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
      name: "Counselling",
      coverage: [{ provinceCode: "TUR027", districtCode: "" }],
      languages: ["ar"],
      capacityStatus: 2,
      requiredDataCategories: [],
      acceptedDataCategories: [],
      active: true,
      totalPlaces: 20,
      freePlaces: 2,
      waitlist: true,
    };
    const listed = await run("coordination offerings", {
      listServiceOfferings: { serviceOfferings: [offering] },
    });
    expect(listed.code).toBe(0);
    expect(listed.out).toContain("2/20");
    expect(listed.out).toContain("(waitlist)");

    const set = await run("coordination places o-1 25 --no-waitlist", {
      listServiceOfferings: { serviceOfferings: [offering] },
      upsertServiceOffering: {
        serviceOffering: { ...offering, totalPlaces: 25, freePlaces: 7, waitlist: false },
      },
    });
    expect(set.code).toBe(0);
    expect(set.calls[1]).toMatchObject({
      method: "upsertServiceOffering",
      request: {
        serviceOffering: {
          serviceOfferingId: "o-1",
          totalPlaces: 25,
          freePlaces: undefined,
          waitlist: false,
        },
      },
    });
    expect(set.out).toContain("7/25 free");
    expect((await run("coordination places o-1 many")).code).not.toBe(0);
  });
});
