import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { busMigrations } from "@kopru/bus";
import { Sex } from "@kopru/contracts/common/v1/disaggregation";
import { ActorKind } from "@kopru/contracts/common/v1/refs";
import {
  DataCategory,
  OutcomeCode,
  Priority,
  Purpose,
  ReferralOrigin,
  ReferralStatus,
  ServiceType,
} from "@kopru/contracts/common/v1/vocabulary";
import { NoticeKind, StaffNotice } from "@kopru/contracts/notification/v1/events";
import { ReferralFollowUpChanged } from "@kopru/contracts/referral/v1/events";
import {
  type AssignReferralResponse,
  type ListInboxResponse,
  type ListReferralAssignmentsResponse,
  ReferralInboxServiceClient,
} from "@kopru/contracts/referral/v1/inbox_service";
import { ReferralPackage } from "@kopru/contracts/referral/v1/package";
import { FollowUpStage } from "@kopru/contracts/referral/v1/referral";
import { directoryMigrations } from "@kopru/directory";
import { NETWORK_LAYOUT, STREAMS, SUBJECTS } from "@kopru/events";
import { sealingMigrations } from "@kopru/sealing";
import { type ClientCaller, channelCredentials, ErrorCatalogue, serviceEnv } from "@kopru/service-kit";
import { waitFor } from "@kopru/testing";
import { timerMigrations } from "@kopru/timers";
import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REFERRAL_ERRORS } from "./errors.js";
import { noticeIdFor } from "./notices.js";
import { receivingServiceParts } from "./receiving.js";
import { referralMigrations, referralStore } from "./store.js";
import {
  call,
  deleteConsumersOf,
  publishReferral,
  readSubject,
  refusal,
  startTestService,
  type TestService,
  tempDataDir,
} from "./testkit.js";
import { ReferralWork, type StaffDirectoryPort } from "./work.js";

// A receiving service (the referral library alone) on the real JetStream and PostgreSQL: a supervisor
// assigns a referral to a colleague, the assignee sees it in "my cases", the follow-up deadline
// after acceptance reminds the assignee and escalates to the supervisors when it passes, all on
// durable timers moved by the service's clock (an offset file), and coordination's event says only
// whether it is assigned. Staff ids are unique strings, so a test can prove where they never go.
const suffix = randomBytes(3).toString("hex");
const ORG = `mmcc-work-t${suffix}`;
const REFERRER = `ngo-work-t${suffix}`;
const DAY = 86_400_000;
const CANARY = `canary-assignee-${suffix}`;
const OTHER = `caseworker-b-${suffix}`;

const supervisor: ClientCaller = {
  organisationId: ORG,
  actorId: `supervisor-${suffix}`,
  roles: ["supervisor"],
};
const caseworker: ClientCaller = { organisationId: ORG, actorId: CANARY, roles: ["caseworker"] };
const colleague: ClientCaller = { organisationId: ORG, actorId: OTHER, roles: ["caseworker"] };

/** The colleague check, as identity's staff directory would answer it (in memory for this test). */
const staff: StaffDirectoryPort = async (organisationId, actorId) =>
  organisationId === ORG && [CANARY, OTHER, supervisor.actorId].includes(actorId)
    ? { id: actorId, active: true }
    : organisationId === ORG && actorId === `gone-${suffix}`
      ? { id: actorId, active: false }
      : undefined;

const clockFile = tempDataDir();
const offsetFile = join(clockFile.dir, "clock-offset");
let offsetMs = 0;
function advance(ms: number): void {
  offsetMs += ms;
  writeFileSync(offsetFile, String(offsetMs));
}

const spec = {
  name: "work",
  envSchema: serviceEnv(0),
  migrations: [busMigrations, timerMigrations, directoryMigrations, sealingMigrations, referralMigrations],
  layout: NETWORK_LAYOUT,
  errors: new ErrorCatalogue(REFERRAL_ERRORS),
  async build(context: Parameters<typeof receivingServiceParts>[0]) {
    const parts = receivingServiceParts(context, { organisations: [ORG], staffDirectory: staff });
    return { grpc: parts.grpc, consumers: parts.consumers, workers: parts.workers, sealing: parts.sealing };
  },
};

let service: TestService<Parameters<typeof receivingServiceParts>[0]["config"]>;
let inbox: ReferralInboxServiceClient;

const as = <Res>(caller: ClientCaller, method: keyof ReferralInboxServiceClient, request: unknown) =>
  call<unknown, Res>(inbox, inbox[method] as never, request, caller, service.auth);

function pkg(priority: Priority): ReferralPackage {
  const referralId = uuidv7();
  return ReferralPackage.fromPartial({
    referralId,
    rootReferralId: referralId,
    origin: ReferralOrigin.REFERRAL_ORIGIN_DIRECT,
    beneficiaryRef: uuidv7(),
    referrer: { organisationId: REFERRER },
    target: { organisationId: ORG },
    serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
    priority,
    purpose: Purpose.PURPOSE_SERVICE_PROVISION,
    consentId: uuidv7(),
    consentScope: {
      organisationIds: [ORG],
      partnerKinds: [],
      purposes: [Purpose.PURPOSE_SERVICE_PROVISION],
      dataCategories: [DataCategory.DATA_CATEGORY_IDENTITY, DataCategory.DATA_CATEGORY_NEEDS],
    },
    consentExpiresAt: new Date(Date.now() + 365 * DAY),
    requestedAt: new Date(Date.now() + offsetMs),
    requestedBy: { kind: ActorKind.ACTOR_KIND_STAFF, organisationId: REFERRER, actorId: "", role: 0 },
    reasonForReferral: "Needs counselling (synthetic).",
    disaggregation: { sex: Sex.SEX_FEMALE, nationality: "SY", provinceCode: "TUR027" },
    identity: { givenName: "Demo", familyName: "Person (synthetic)" },
    needs: { needsSummary: "synthetic" },
  });
}

async function received(priority: Priority): Promise<string> {
  const p = pkg(priority);
  await publishReferral(service.nats, p);
  await waitFor(
    async () =>
      (await referralStore.find(service.running.context.db, p.referralId, "target"))?.status ===
      ReferralStatus.REFERRAL_STATUS_RECEIVED,
    { message: "the referral never arrived" },
  );
  return p.referralId;
}

const listInbox = (caller: ClientCaller, filter: Record<string, unknown>) =>
  as<ListInboxResponse>(caller, "listInbox", {
    organisationId: ORG,
    statuses: [],
    serviceTypes: [],
    priorities: [],
    overdueOnly: false,
    ...filter,
  });

async function record(id: string) {
  const found = await referralStore.find(service.running.context.db, id, "target");
  if (!found) throw new Error(`referral ${id} not stored`);
  return found;
}

async function notices(until: (n: StaffNotice[]) => boolean): Promise<StaffNotice[]> {
  return waitFor(
    async () => {
      const all = (await readSubject(service.nats.js, STREAMS.notice.name, SUBJECTS.noticeFor(ORG))).map(
        (m) => StaffNotice.decode(m.envelope.payload),
      );
      return until(all) ? all : undefined;
    },
    { timeoutMs: 20_000, message: "the staff notices expected" },
  );
}

async function followUps(id: string, until: (e: ReferralFollowUpChanged[]) => boolean) {
  return waitFor(
    async () => {
      const all = (await readSubject(service.nats.js, STREAMS.referral.name, SUBJECTS.followUpOf(ORG)))
        .map((m) => ReferralFollowUpChanged.decode(m.envelope.payload))
        .filter((e) => e.referralId === id);
      return until(all) ? all : undefined;
    },
    { timeoutMs: 20_000, message: "the follow-up events expected" },
  );
}

beforeAll(async () => {
  service = await startTestService(spec as never, `work-t${suffix}`, {
    KOPRU_CLOCK_OFFSET_FILE: offsetFile,
  });
  inbox = new ReferralInboxServiceClient(service.address, channelCredentials("plaintext"));
}, 60_000);

afterAll(async () => {
  inbox?.close();
  await service?.stop();
  await deleteConsumersOf(service.nats, suffix).catch(() => {});
  clockFile.remove();
});

describe("assignment of received referrals", () => {
  it("lets only a supervisor assign, only to an active colleague, and keeps the history", async () => {
    const id = await received(Priority.PRIORITY_HIGH);

    expect(
      await refusal(as(caseworker, "assignReferral", { referralId: id, assigneeActorId: CANARY })),
    ).toMatchObject({
      status: "PERMISSION_DENIED",
    });
    expect(
      await refusal(
        as(supervisor, "assignReferral", { referralId: id, assigneeActorId: `stranger-${suffix}` }),
      ),
    ).toMatchObject({ status: "INVALID_ARGUMENT", fields: ["assignee_actor_id"] });
    expect(
      await refusal(as(supervisor, "assignReferral", { referralId: id, assigneeActorId: `gone-${suffix}` })),
    ).toMatchObject({ status: "INVALID_ARGUMENT", fields: ["assignee_actor_id"] });
    // Another organisation's supervisor cannot even see it.
    expect(
      await refusal(
        as({ ...supervisor, organisationId: `other-t${suffix}` }, "assignReferral", {
          referralId: id,
          assigneeActorId: CANARY,
        }),
      ),
    ).toMatchObject({ status: "PERMISSION_DENIED" });

    const first = await as<AssignReferralResponse>(supervisor, "assignReferral", {
      referralId: id,
      assigneeActorId: CANARY,
    });
    expect(first.referral?.assigneeActorId).toBe(CANARY);
    expect(first.assignment).toMatchObject({
      sequence: 1,
      assigneeActorId: CANARY,
      previousAssigneeActorId: "",
    });
    // Repeating it changes nothing.
    const again = await as<AssignReferralResponse>(supervisor, "assignReferral", {
      referralId: id,
      assigneeActorId: CANARY,
    });
    expect(again.assignment?.sequence).toBe(1);

    const mine = await listInbox(caseworker, { assignedToMe: true });
    expect(mine.referrals.map((r) => r.referralId)).toContain(id);
    const theirs = await listInbox(colleague, { assignedToMe: true });
    expect(theirs.referrals.map((r) => r.referralId)).not.toContain(id);

    await as<AssignReferralResponse>(supervisor, "assignReferral", {
      referralId: id,
      assigneeActorId: OTHER,
    });
    const history = await as<ListReferralAssignmentsResponse>(caseworker, "listReferralAssignments", {
      referralId: id,
    });
    expect(history.assignments.map((a) => [a.assigneeActorId, a.previousAssigneeActorId])).toEqual([
      [CANARY, ""],
      [OTHER, CANARY],
    ]);
    const moved = await listInbox(colleague, { assignedToMe: true });
    expect(moved.referrals.map((r) => r.referralId)).toContain(id);

    // Each assignee is told, by a notice addressed to them.
    const told = await notices(
      (n) => n.filter((x) => x.referralId === id && x.kind === NoticeKind.NOTICE_KIND_ASSIGNED).length === 2,
    );
    expect(
      told
        .filter((x) => x.referralId === id && x.kind === NoticeKind.NOTICE_KIND_ASSIGNED)
        .map((x) => x.recipient),
    ).toEqual([
      { $case: "actorId", value: CANARY },
      { $case: "actorId", value: OTHER },
    ]);
    // Coordination's event says it is assigned, once (a reassignment changes nothing it sees).
    const events = await followUps(id, (e) => e.length >= 1);
    expect(events.map((e) => e.assigned)).toEqual([true]);
  });
});

describe("follow-up deadline after acceptance", () => {
  it("reminds the assignee, escalates to the supervisors when it passes, and ends on completion", async () => {
    const id = await received(Priority.PRIORITY_EMERGENCY);
    await as(supervisor, "assignReferral", { referralId: id, assigneeActorId: CANARY });
    await as(caseworker, "acceptReferral", { referralId: id });

    const accepted = await record(id);
    expect(accepted.followUpStage).toBe(FollowUpStage.FOLLOW_UP_STAGE_PENDING);
    // Emergency: 7 days from acceptance by default.
    const acceptedAt = accepted.respondedAt?.getTime() ?? 0;
    expect(accepted.followUpDueAt?.getTime()).toBe(acceptedAt + 7 * DAY);
    const listed = await listInbox(caseworker, { assignedToMe: true });
    const item = listed.referrals.find((r) => r.referralId === id);
    expect(item?.followUpStage).toBe(FollowUpStage.FOLLOW_UP_STAGE_PENDING);
    expect(item?.followUpDueAt?.getTime()).toBe(acceptedAt + 7 * DAY);

    // 80 % of the time gone: the assignee is reminded (a durable timer, fired on the service's clock).
    advance(6 * DAY);
    await waitFor(async () => (await record(id)).followUpStage === FollowUpStage.FOLLOW_UP_STAGE_REMINDED, {
      timeoutMs: 20_000,
      message: "the reminder never went out",
    });
    const reminded = await notices((n) =>
      n.some((x) => x.referralId === id && x.kind === NoticeKind.NOTICE_KIND_FOLLOW_UP_REMINDER),
    );
    expect(
      reminded.find((x) => x.referralId === id && x.kind === NoticeKind.NOTICE_KIND_FOLLOW_UP_REMINDER),
    ).toMatchObject({ recipient: { $case: "actorId", value: CANARY }, dueAt: accepted.followUpDueAt });

    // Past the deadline, still open: the supervisors are told and it is overdue.
    advance(2 * DAY);
    await waitFor(async () => (await record(id)).followUpStage === FollowUpStage.FOLLOW_UP_STAGE_OVERDUE, {
      timeoutMs: 20_000,
      message: "the escalation never happened",
    });
    const escalated = await notices((n) =>
      n.some((x) => x.referralId === id && x.kind === NoticeKind.NOTICE_KIND_FOLLOW_UP_ESCALATED),
    );
    expect(
      escalated.find((x) => x.referralId === id && x.kind === NoticeKind.NOTICE_KIND_FOLLOW_UP_ESCALATED)
        ?.recipient,
    ).toEqual({ $case: "role", value: "supervisor" });
    const overdue = await listInbox(supervisor, { followUpOverdueOnly: true });
    expect(overdue.referrals.map((r) => r.referralId)).toEqual([id]);

    await as(caseworker, "startReferral", { referralId: id });
    await as(caseworker, "completeReferral", {
      referralId: id,
      outcomeCodes: [OutcomeCode.OUTCOME_CODE_SERVICE_PROVIDED_FULL],
    });
    expect((await record(id)).followUpStage).toBe(FollowUpStage.FOLLOW_UP_STAGE_DONE);
    const timers = await service.running.context.db.query("SELECT kind FROM kopru_timers WHERE key = $1", [
      id,
    ]);
    expect(timers.rows).toEqual([]);

    const events = await followUps(id, (e) =>
      e.some((x) => x.followUpStage === FollowUpStage.FOLLOW_UP_STAGE_DONE),
    );
    expect(events.map((e) => [e.sequence, e.assigned, e.followUpStage])).toEqual([
      [1, true, FollowUpStage.FOLLOW_UP_STAGE_UNSPECIFIED],
      [2, true, FollowUpStage.FOLLOW_UP_STAGE_PENDING],
      [3, true, FollowUpStage.FOLLOW_UP_STAGE_REMINDED],
      [4, true, FollowUpStage.FOLLOW_UP_STAGE_OVERDUE],
      [5, true, FollowUpStage.FOLLOW_UP_STAGE_DONE],
    ]);
  });

  it("reminds the supervisors when nobody is assigned, and escalates once even when the clock jumps past both", async () => {
    const id = await received(Priority.PRIORITY_EMERGENCY);
    await as(caseworker, "acceptReferral", { referralId: id });
    advance(9 * DAY);
    await waitFor(async () => (await record(id)).followUpStage === FollowUpStage.FOLLOW_UP_STAGE_OVERDUE, {
      timeoutMs: 20_000,
      message: "the escalation never happened",
    });
    const told = await notices((n) =>
      n.some((x) => x.referralId === id && x.kind === NoticeKind.NOTICE_KIND_FOLLOW_UP_ESCALATED),
    );
    // The follow-up's notices (its arrival also told the caseworkers, REFERRAL_RECEIVED).
    const mine = told.filter(
      (x) =>
        x.referralId === id &&
        [NoticeKind.NOTICE_KIND_FOLLOW_UP_REMINDER, NoticeKind.NOTICE_KIND_FOLLOW_UP_ESCALATED].includes(
          x.kind,
        ),
    );
    expect(mine.filter((x) => x.kind === NoticeKind.NOTICE_KIND_FOLLOW_UP_ESCALATED)).toHaveLength(1);
    // Whichever timer ran first, nobody is told twice and every notice goes to the supervisors.
    expect(mine.every((x) => x.recipient?.$case === "role" && x.recipient.value === "supervisor")).toBe(true);
    const events = await followUps(id, (e) =>
      e.some((x) => x.followUpStage === FollowUpStage.FOLLOW_UP_STAGE_OVERDUE),
    );
    expect(events.every((e) => !e.assigned)).toBe(true);
    // Both follow-up timers fired and are gone (the consent's expiry timer stays: the referral is open).
    expect(
      (
        await service.running.context.db.query(
          "SELECT kind FROM kopru_timers WHERE key = $1 AND kind LIKE 'referral-follow-up%'",
          [id],
        )
      ).rows,
    ).toEqual([]);
  });

  it("derives its notices' ids from what they tell, so a re-run publishes the same ids (dropped downstream)", async () => {
    const id = await received(Priority.PRIORITY_NORMAL);
    await as(supervisor, "assignReferral", { referralId: id, assigneeActorId: CANARY });
    await as(caseworker, "acceptReferral", { referralId: id });
    const dueAt = (await record(id)).followUpDueAt?.toISOString() ?? "";
    expect(dueAt).not.toBe("");
    // The reminder and the escalation, each run twice as a replay would (the stage put back between):
    // the timers' guards stop a plain repeat, but nothing may depend on them alone.
    const work = new ReferralWork("work", { now: () => new Date() });
    for (let run = 0; run < 2; run++) {
      await service.running.context.db.transaction(async (tx) => {
        await tx.query(
          "UPDATE referrals SET follow_up_stage = $2 WHERE referral_id = $1 AND role = 'target'",
          [id, FollowUpStage.FOLLOW_UP_STAGE_PENDING],
        );
        await work.remind(tx, id);
        await work.escalate(tx, id);
      });
    }
    const kinds = [
      NoticeKind.NOTICE_KIND_ASSIGNED,
      NoticeKind.NOTICE_KIND_FOLLOW_UP_REMINDER,
      NoticeKind.NOTICE_KIND_FOLLOW_UP_ESCALATED,
    ];
    const ours = (n: StaffNotice[]) => n.filter((x) => x.referralId === id && kinds.includes(x.kind));
    const told = ours(await notices((n) => ours(n).length === 5));
    expect(told.map((x) => [x.kind, x.noticeId])).toEqual([
      [NoticeKind.NOTICE_KIND_ASSIGNED, noticeIdFor("assigned", id, 1)],
      [NoticeKind.NOTICE_KIND_FOLLOW_UP_REMINDER, noticeIdFor("follow-up-reminder", id, dueAt)],
      [NoticeKind.NOTICE_KIND_FOLLOW_UP_ESCALATED, noticeIdFor("follow-up-escalated", id, dueAt)],
      [NoticeKind.NOTICE_KIND_FOLLOW_UP_REMINDER, noticeIdFor("follow-up-reminder", id, dueAt)],
      [NoticeKind.NOTICE_KIND_FOLLOW_UP_ESCALATED, noticeIdFor("follow-up-escalated", id, dueAt)],
    ]);
    // A reassignment is news: it has an id of its own.
    await as(supervisor, "assignReferral", { referralId: id, assigneeActorId: OTHER });
    const reassigned = await notices(
      (n) => n.filter((x) => x.referralId === id && x.kind === NoticeKind.NOTICE_KIND_ASSIGNED).length === 2,
    );
    expect(
      reassigned
        .filter((x) => x.referralId === id && x.kind === NoticeKind.NOTICE_KIND_ASSIGNED)
        .map((x) => x.noticeId),
    ).toEqual([noticeIdFor("assigned", id, 1), noticeIdFor("assigned", id, 2)]);
  });

  it("never lets an assignee's id onto a subject coordination reads, nor the person into a notice (canary)", async () => {
    const onCoordinationSubjects = [
      ...(await readSubject(service.nats.js, STREAMS.referral.name, SUBJECTS.followUpOf(ORG))),
      ...(await readSubject(service.nats.js, STREAMS.referral.name, `kopru.v1.referral.status.*.${ORG}`)),
    ];
    expect(onCoordinationSubjects.length).toBeGreaterThan(0);
    // Staff notices name staff (that is their point) but never the person the referral is about.
    const staffNotices = await readSubject(service.nats.js, STREAMS.notice.name, SUBJECTS.noticeFor(ORG));
    expect(staffNotices.length).toBeGreaterThan(0);
    for (const message of [...staffNotices, ...onCoordinationSubjects]) {
      const text = Buffer.from(message.data).toString("latin1");
      expect(text).not.toContain("Person (synthetic)");
      expect(text).not.toContain("Needs counselling");
    }
    for (const message of onCoordinationSubjects) {
      expect(Buffer.from(message.data).toString("latin1")).not.toContain(CANARY);
      expect(Buffer.from(message.data).toString("latin1")).not.toContain(OTHER);
    }
  });
});
