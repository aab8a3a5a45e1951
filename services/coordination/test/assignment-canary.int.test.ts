import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { busMigrations } from "@kopru/bus";
import { ActorKind } from "@kopru/contracts/common/v1/refs";
import {
  DataCategory,
  PartnerKind,
  Priority,
  Purpose,
  ReferralOrigin,
  ReferralStatus,
  ServiceType,
} from "@kopru/contracts/common/v1/vocabulary";
import type { FigureFilter } from "@kopru/contracts/coordination/v1/tracking";
import { ReferralInboxServiceClient } from "@kopru/contracts/referral/v1/inbox_service";
import { ReferralPackage } from "@kopru/contracts/referral/v1/package";
import { FollowUpStage } from "@kopru/contracts/referral/v1/referral";
import { directoryMigrations } from "@kopru/directory";
import { NETWORK_LAYOUT } from "@kopru/events";
import {
  REFERRAL_ERRORS,
  receivingServiceParts,
  referralMigrations,
  referralStore,
  type StaffDirectoryPort,
} from "@kopru/referral";
import {
  call,
  deleteConsumersOf,
  type Referrer,
  startReferrer,
  startTestService,
  type TestService,
  tempDataDir,
} from "@kopru/referral/testkit";
import { sealingMigrations } from "@kopru/sealing";
import { type ClientCaller, channelCredentials, ErrorCatalogue, serviceEnv } from "@kopru/service-kit";
import { waitFor } from "@kopru/testing";
import { timerMigrations } from "@kopru/timers";
import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DAY, type Harness, startCoordination } from "./harness.js";

// Canary: a receiving organisation (the referral library as every receiving service runs it)
// assigns a referral to a staff member whose id is a unique string, lets its follow-up deadline
// pass on its clock, and coordination — on the same real NATS — learns that the referral is
// assigned and overdue, while the staff id appears nowhere in coordination's database or answers.

describe("coordination learns that a referral is assigned, never to whom", () => {
  let h: Harness;
  let target: TestService<Parameters<typeof receivingServiceParts>[0]["config"]>;
  let inbox: ReferralInboxServiceClient;
  let referrer: Referrer;
  let ORG: string;
  let CANARY: string;
  const clock = tempDataDir();
  const offsetFile = join(clock.dir, "offset");

  const coordinator = () => ({ organisationId: `iom-${h.suffix}`, actorId: "c-1", roles: ["coordinator"] });
  const supervisor = (): ClientCaller => ({
    organisationId: ORG,
    actorId: `sv-${h.suffix}`,
    roles: ["supervisor"],
  });
  const staff: StaffDirectoryPort = async (organisationId, id) =>
    organisationId === ORG && id === CANARY ? { id, active: true } : undefined;
  const as = <Res>(caller: ClientCaller, method: keyof ReferralInboxServiceClient, request: unknown) =>
    call<unknown, Res>(inbox, inbox[method] as never, request, caller, target.auth);

  beforeAll(async () => {
    h = await startCoordination({ FIGURES_MIN_CELL_SIZE: "1" });
    ORG = `mmcc-canary-${h.suffix}`;
    CANARY = `canary-staff-${h.suffix}`;
    const spec = {
      name: "canary-target",
      envSchema: serviceEnv(0),
      migrations: [
        busMigrations,
        timerMigrations,
        directoryMigrations,
        sealingMigrations,
        referralMigrations,
      ],
      layout: NETWORK_LAYOUT,
      errors: new ErrorCatalogue(REFERRAL_ERRORS),
      async build(context: Parameters<typeof receivingServiceParts>[0]) {
        const parts = receivingServiceParts(context, { organisations: [ORG], staffDirectory: staff });
        return {
          grpc: parts.grpc,
          consumers: parts.consumers,
          workers: parts.workers,
          sealing: parts.sealing,
        };
      },
    };
    target = await startTestService(spec as never, `canary-t${h.suffix}`, {
      KOPRU_CLOCK_OFFSET_FILE: offsetFile,
    });
    inbox = new ReferralInboxServiceClient(target.address, channelCredentials("plaintext"));
    referrer = await startReferrer(target.nats, `ngo-canary-${h.suffix}`);
  }, 90_000);

  afterAll(async () => {
    inbox?.close();
    await referrer?.close();
    await target?.stop();
    if (target) await deleteConsumersOf(target.nats, h.suffix).catch(() => {});
    await h?.stop();
    clock.remove();
  });

  it("tracks the assignment and the overdue follow-up without the staff id", async () => {
    // A real referrer (its own database and outbox), so coordination sees the whole history.
    const sent = await referrer.send({
      source: ReferralPackage.fromPartial({
        referralId: uuidv7(),
        origin: ReferralOrigin.REFERRAL_ORIGIN_DIRECT,
        beneficiaryRef: uuidv7(),
        referrer: { organisationId: referrer.organisationId },
        target: { organisationId: ORG },
        serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
        priority: Priority.PRIORITY_EMERGENCY,
        purpose: Purpose.PURPOSE_SERVICE_PROVISION,
        requestedBy: { kind: ActorKind.ACTOR_KIND_STAFF, organisationId: referrer.organisationId },
        reasonForReferral: "Synthetic.",
        identity: { givenName: "Demo", familyName: "Person (synthetic)" },
        contact: { phoneNumber: "+905550000001", safeToContact: true },
        demographics: { birthYear: 1990, nationality: "SY" },
        needs: { needsSummary: "synthetic" },
      }),
      target: { organisationId: ORG, partnerKind: PartnerKind.PARTNER_KIND_MUNICIPALITY },
      serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
      purpose: Purpose.PURPOSE_SERVICE_PROVISION,
      consent: {
        consentId: uuidv7(),
        scope: {
          organisationIds: [ORG],
          partnerKinds: [],
          purposes: [Purpose.PURPOSE_SERVICE_PROVISION],
          dataCategories: [
            DataCategory.DATA_CATEGORY_IDENTITY,
            DataCategory.DATA_CATEGORY_CONTACT,
            DataCategory.DATA_CATEGORY_DEMOGRAPHICS,
            DataCategory.DATA_CATEGORY_NEEDS,
          ],
        },
        expiresAt: new Date(Date.now() + 365 * DAY),
      },
    });
    const referralId = sent.referralId;
    await waitFor(
      async () =>
        (await referralStore.find(target.running.context.db, referralId, "target"))?.status ===
        ReferralStatus.REFERRAL_STATUS_RECEIVED,
      { message: "the referral never arrived" },
    );
    await as(supervisor(), "assignReferral", { referralId, assigneeActorId: CANARY });
    await as({ organisationId: ORG, actorId: CANARY, roles: ["caseworker"] }, "acceptReferral", {
      referralId,
    });
    // Past the emergency follow-up deadline (7 days) on both services' clocks.
    writeFileSync(offsetFile, String(8 * DAY));
    await h.setClockOffset(8 * DAY);

    const filter: FigureFilter = {
      requested: undefined,
      targetOrganisationIds: [ORG],
      referrerOrganisationIds: [],
      serviceTypes: [],
      provinceCodes: [],
      priorities: [],
      sexes: [],
      ageBands: [],
      disabilityStatuses: [],
      nationalities: [],
    };
    const { total } = await waitFor(
      async () => {
        const figures = await h.call(h.client.getReferralFigures, { filter, groupBy: [] }, coordinator());
        // Status and follow-up events come through two consumers: wait for both.
        const t = figures.total;
        return t?.accepted === 1 && t.followUpOverdue === 1 && t.assigned === 1 ? figures : undefined;
      },
      { timeoutMs: 30_000, message: "coordination never saw the assigned, overdue referral" },
    );
    expect(total).toMatchObject({ accepted: 1, assigned: 1, followUpOverdue: 1 });
    // The target's escalation (its timer, then its event) arrives in its own time.
    const timeline = await waitFor(
      async () => {
        const found = await h.call(
          h.client.getReferralTimeline,
          { referralId, includeChain: false },
          coordinator(),
        );
        return found.referrals[0]?.followUpStage === FollowUpStage.FOLLOW_UP_STAGE_OVERDUE
          ? found
          : undefined;
      },
      { timeoutMs: 30_000, message: "the target's escalation never reached coordination" },
    );
    expect(timeline.referrals[0]).toMatchObject({
      assigned: true,
      followUpStage: FollowUpStage.FOLLOW_UP_STAGE_OVERDUE,
    });
    const overdue = await h.call(
      h.client.listOverdueReferrals,
      {
        targetOrganisationIds: [ORG],
        referrerOrganisationIds: [],
        serviceTypes: [],
        priorities: [],
        provinceCodes: [],
        includeExpired: false,
        followUp: true,
      },
      coordinator(),
    );
    expect(overdue.referrals.map((r) => r.referral?.referralId)).toEqual([referralId]);

    // The canary: nowhere in coordination's answers or in any row of any of its tables.
    expect(JSON.stringify([total, timeline, overdue])).not.toContain(CANARY);
    const tables = await h.service.context.db.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
    );
    expect(tables.rows.length).toBeGreaterThan(3);
    for (const { table_name } of tables.rows) {
      const rows = await h.service.context.db.query<{ row: string }>(
        `SELECT t::text AS row FROM "${table_name}" t WHERE t::text LIKE '%' || $1 || '%'`,
        [CANARY],
      );
      expect(rows.rows, `table ${table_name}`).toEqual([]);
    }
    // It did reach the target's own records, where it belongs.
    const kept = await referralStore.find(target.running.context.db, referralId, "target");
    expect(kept?.assigneeActorId).toBe(CANARY);
  });
});
