import { Priority, Purpose, ReferralStatus, ServiceType } from "@kopru/contracts/common/v1/vocabulary";
import { CoordinationServiceClient } from "@kopru/contracts/coordination/v1/coordination_service";
import { MunicipalityServiceClient } from "@kopru/contracts/municipality/v1/municipality_service";
import { NoticeKind } from "@kopru/contracts/notification/v1/events";
import { NotificationServiceClient } from "@kopru/contracts/notification/v1/notification_service";
import { ReferralInboxServiceClient } from "@kopru/contracts/referral/v1/inbox_service";
import { waitFor } from "@kopru/testing";
import { v4 as uuidv4 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientsFor, GAZIANTEP, grpcCode, registerWithConsent, seedDirectory } from "../support/clients.js";
import { TestNetwork } from "../support/network.js";

// Assignment across the real network (ADR 0015): the municipality process checks every assignee
// against the identity service's staff directory (its own client-credentials token for
// urn:kopru:identity, over HTTPS from the network's CA). A referral reaches the Gaziantep MMCC; a
// caseworker may not assign it; a supervisor assigns it to a colleague, who finds it among "my
// cases" and in their notification feed; someone of another organisation, a deactivated colleague
// or nobody is refused; a reassignment is kept in the history and the MMCC's case follows it;
// coordination learns that it is assigned, never to whom.

let network: TestNetwork;
let api: ReturnType<typeof clientsFor>;

type Staff = { organisationId: string; actorId: string; role: string };
const inboxAs = (caller: Staff) => network.client(ReferralInboxServiceClient, "municipality", caller);
const feedAs = (caller: Staff) => network.client(NotificationServiceClient, "notifications", caller);
const coordinator = () =>
  network.client(CoordinationServiceClient, "coordination", {
    organisationId: "iom-coordination",
    actorId: "coordinator-1",
    role: "coordinator",
  });

const inboxPage = { organisationId: "", statuses: [], serviceTypes: [], priorities: [], overdueOnly: false };
const myCases = async (caller: Staff) =>
  (
    await inboxAs(caller).call("listInbox", {
      ...inboxPage,
      organisationId: caller.organisationId,
      page: undefined,
      assignedToMe: true,
    })
  ).referrals.map((r) => r.referralId);

beforeAll(async () => {
  network = await TestNetwork.create();
  await network.start("coordination");
  await network.start("intake", "municipality", "notifications");
  api = clientsFor(network);
  await seedDirectory(api.coordination(), network.orgs);
  await waitFor(
    async () =>
      (
        await api.intake().call("suggestTargets", {
          serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
          criteria: {
            location: { provinceCode: GAZIANTEP, districtCode: "", provinceName: "", districtName: "" },
            partnerKinds: [],
            allowWaitlist: true,
            excludedOrganisationIds: [],
          },
          limit: 5,
        })
      ).candidates.length > 0,
    { timeoutMs: 30_000, message: "intake never replicated the directory" },
  );
}, 240_000);

afterAll(async () => {
  await network?.close();
});

describe("assignment, end to end", () => {
  it("lets a supervisor assign to a colleague checked by identity's staff directory; coordination never learns who", async () => {
    const { orgs } = network;
    const mmcc = orgs.mmccGaziantep;
    const caseworker: Staff = { organisationId: mmcc, actorId: "mmcc-staff-1", role: "caseworker" };
    const supervisor: Staff = { organisationId: mmcc, actorId: "mmcc-supervisor-1", role: "supervisor" };
    const colleague: Staff = { organisationId: mmcc, actorId: "mmcc-staff-2", role: "caseworker" };
    const nextColleague: Staff = { organisationId: mmcc, actorId: "mmcc-staff-3", role: "caseworker" };
    const elsewhere: Staff = { organisationId: orgs.mmccKilis, actorId: "mmcc-staff-2", role: "caseworker" };
    const departed: Staff = { organisationId: mmcc, actorId: "mmcc-staff-9", role: "caseworker" };
    // Staff of the identity service (with their roles), as an operator would provision them.
    const [colleagueId, nextColleagueId, elsewhereId] = await Promise.all(
      [colleague, nextColleague, elsewhere].map((staff) => network.identity.staffMember(staff)),
    );
    if (!colleagueId || !nextColleagueId || !elsewhereId) throw new Error("staff not provisioned");
    const departedId = await network.identity.staffMember(departed, { active: false });

    const { beneficiaryId, consentId } = await registerWithConsent(api.intake(), orgs);
    const created = await api.intake().call("createReferral", {
      requestId: uuidv4(),
      beneficiaryId,
      serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
      priority: Priority.PRIORITY_HIGH,
      purpose: Purpose.PURPOSE_SERVICE_PROVISION,
      reasonForReferral: "Needs counselling (synthetic).",
      consentId,
      routing: { $case: "explicitTarget", value: { organisationId: mmcc } },
      dataCategories: [],
    });
    const referralId = created.referral?.referralId ?? "";
    await waitFor(
      async () =>
        (
          await inboxAs(supervisor)
            .call("getReferral", { referralId })
            .catch(() => undefined)
        )?.referral?.status === ReferralStatus.REFERRAL_STATUS_RECEIVED,
      { timeoutMs: 60_000, message: "the referral never reached the MMCC's inbox" },
    );
    await inboxAs(caseworker).call("acceptReferral", { referralId });

    // A caseworker may not assign.
    const byCaseworker = await inboxAs(caseworker)
      .call("assignReferral", { referralId, assigneeActorId: colleagueId })
      .catch((e) => e);
    expect(grpcCode(byCaseworker)).toBe("PERMISSION_DENIED");

    // Someone of another organisation, a deactivated account, or nobody: not an active colleague.
    for (const stranger of [elsewhereId, departedId, `nobody-${uuidv4()}`]) {
      const refused = await inboxAs(supervisor)
        .call("assignReferral", { referralId, assigneeActorId: stranger })
        .catch((e) => e);
      expect(grpcCode(refused)).toBe("INVALID_ARGUMENT");
      expect(String(refused.details)).toContain("assignee_actor_id");
    }
    expect(await myCases(elsewhere)).toEqual([]);

    // A supervisor assigns it to a colleague, who finds it among "my cases".
    const assigned = await inboxAs(supervisor).call("assignReferral", {
      referralId,
      assigneeActorId: colleagueId,
    });
    expect(assigned.referral?.assigneeActorId).toBe(colleagueId);
    expect(assigned.assignment).toMatchObject({ sequence: 1, assigneeActorId: colleagueId });
    expect(await myCases(colleague)).toEqual([referralId]);
    expect(await myCases(caseworker)).toEqual([]);

    // The colleague is told, in their own feed.
    const notice = await waitFor(
      async () => {
        const got = await feedAs(colleague).call("listNotifications", { unreadOnly: true, page: undefined });
        return got.notifications.find(
          (n) => n.referralId === referralId && n.kind === NoticeKind.NOTICE_KIND_ASSIGNED,
        );
      },
      { timeoutMs: 60_000, message: "the ASSIGNED notice in the assignee's feed" },
    );
    expect(notice.referralId).toBe(referralId);

    // Reassigned: the history keeps both; "my cases" follows.
    await inboxAs(supervisor).call("assignReferral", { referralId, assigneeActorId: nextColleagueId });
    const history = await inboxAs(supervisor).call("listReferralAssignments", { referralId });
    expect(
      history.assignments.map((a) => [a.sequence, a.assigneeActorId, a.previousAssigneeActorId]),
    ).toEqual([
      [1, colleagueId, ""],
      [2, nextColleagueId, colleagueId],
    ]);
    const supervisorId = await network.identity.staffMember(supervisor);
    expect(history.assignments.every((a) => a.assignedByActorId === supervisorId)).toBe(true);
    expect(await myCases(nextColleague)).toEqual([referralId]);
    expect(await myCases(colleague)).toEqual([]);
    // The MMCC's case opened on acceptance follows the referral to its assignee.
    const cases = await network
      .client(MunicipalityServiceClient, "municipality", supervisor)
      .call("listCases", { organisationId: mmcc, statuses: [], page: undefined });
    const served = cases.municipalityCases.find((c) => c.referralIds.includes(referralId));
    expect(served?.assignedCaseworkerId).toBe(nextColleagueId);

    // Coordination: assigned, never to whom — in none of its answers, nor its log.
    const tracked = await waitFor(
      async () => {
        const timeline = await coordinator().call("getReferralTimeline", { referralId, includeChain: true });
        const referral = timeline.referrals.find((r) => r.referralId === referralId);
        return referral?.assigned && timeline;
      },
      { timeoutMs: 60_000, message: "coordination never learnt that the referral is assigned" },
    );
    const answers = [
      tracked,
      await coordinator().call("getReferralFigures", {
        filter: {
          requested: undefined,
          targetOrganisationIds: [mmcc],
          referrerOrganisationIds: [],
          serviceTypes: [],
          provinceCodes: [],
          priorities: [],
          sexes: [],
          ageBands: [],
          disabilityStatuses: [],
          nationalities: [],
        },
        groupBy: [],
      }),
      await coordinator().call("listOverdueReferrals", {
        targetOrganisationIds: [mmcc],
        referrerOrganisationIds: [],
        serviceTypes: [],
        priorities: [],
        provinceCodes: [],
        includeExpired: true,
        page: undefined,
        followUp: true,
      }),
    ];
    const seen = `${JSON.stringify(answers)}\n${network.logs("coordination")}`;
    for (const id of [colleagueId, nextColleagueId, supervisorId]) expect(seen).not.toContain(id);
  });
});
