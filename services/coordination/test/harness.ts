// Test support for coordination's integration tests: the real service (startService) on a fresh
// PostgreSQL database and the shared NATS JetStream, plus a "partner service" with its own scratch
// database that publishes referral status events the way every service does (outbox + relay).
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ServiceError } from "@grpc/grpc-js";
import {
  appendToOutbox,
  busMigrations,
  decodeEvent,
  type EventDefinition,
  OutboxRelay,
  provisionStreams,
} from "@kopru/bus";
import type { Disaggregation } from "@kopru/contracts/common/v1/disaggregation";
import { ActorKind } from "@kopru/contracts/common/v1/refs";
import {
  type OutcomeCode,
  Priority,
  ReferralOrigin,
  ReferralStatus,
  ServiceType,
} from "@kopru/contracts/common/v1/vocabulary";
import { CoordinationServiceClient } from "@kopru/contracts/coordination/v1/coordination_service";
import type {
  ReferralFollowUpChanged,
  ReferralOutcomeReported,
  ReferralStatusChanged,
} from "@kopru/contracts/referral/v1/events";
import { EVENTS, NETWORK_LAYOUT, STREAMS } from "@kopru/events";
import {
  authorizationMetadata,
  type ClientCaller,
  callUnary,
  channelCredentials,
  type RunningService,
  serviceAudience,
  startService,
  type UnaryMethod,
} from "@kopru/service-kit";
import { type Database, migrate, openDatabase } from "@kopru/storage";
import {
  connectNats,
  createTestDatabase,
  type NatsTestConnection,
  startTestIssuer,
  type TestDatabase,
  type TestIssuer,
} from "@kopru/testing";
import { AckPolicy, DeliverPolicy } from "@nats-io/jetstream";
import { v7 as uuidv7 } from "uuid";
import { coordinationSpec } from "../src/app.js";
import type { CoordinationConfig } from "../src/config.js";

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

/** The two engines coordination runs on: a PostgreSQL server, or the embedded PGlite default. */
export type Engine = "postgres" | "pglite";

export interface Harness {
  suffix: string;
  engine: Engine;
  nats: NatsTestConnection;
  service: RunningService<CoordinationConfig>;
  client: CoordinationServiceClient;
  database: TestDatabase | undefined;
  /** The issuer coordination trusts in this run. */
  issuer: TestIssuer;
  /**
   * Calls one method as `caller`, with a token from the run's issuer. The default caller is a
   * client whose token names no organisation (what a caller without one could always do).
   */
  call<Req, Res>(method: UnaryMethod<Req, Res>, request: Req, caller?: ClientCaller): Promise<Res>;
  /** Moves the service's business clock ahead by `ms` (KOPRU_CLOCK_OFFSET_FILE). */
  setClockOffset(ms: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts coordination as its spec describes it. Its tracking consumer gets a name of its own,
 * created to deliver only new messages: the shared KOPRU_REFERRAL stream holds other runs' traffic,
 * and a durable shared with another instance would split the events between two databases.
 */
export async function startCoordination(
  env: Record<string, string> = {},
  engine: Engine = "postgres",
): Promise<Harness> {
  const suffix = randomBytes(4).toString("hex");
  const issuer = await startTestIssuer();
  const audience = serviceAudience("coordination");
  const nats = await connectNats();
  await provisionStreams(nats.jsm, NETWORK_LAYOUT);
  const consumerName = `coordination-status-t-${suffix}`;
  await nats.jsm.consumers.add(STREAMS.referral.name, {
    durable_name: consumerName,
    filter_subject: "kopru.v1.referral.status.>",
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.New,
  });
  // Without DATABASE_URL the service opens its embedded PGlite under DATA_DIR/coordination.
  const database = engine === "postgres" ? await createTestDatabase({ prefix: "coordination" }) : undefined;
  const dataDir = await mkdtemp(join(tmpdir(), "kopru-coordination-"));
  const clockFile = join(dataDir, "clock-offset");
  const service = await startService(
    coordinationSpec({ trackingConsumerName: consumerName, trackingStartsNow: true }),
    {
      NATS_URL: nats.url,
      ...(database ? { DATABASE_URL: database.url } : {}),
      DATA_DIR: dataDir,
      GRPC_PORT: "0",
      LOG_LEVEL: "silent",
      KOPRU_CLOCK_OFFSET_FILE: clockFile,
      ...issuer.serviceEnv(),
      ...env,
    },
  );
  const client = new CoordinationServiceClient(service.grpc.address, channelCredentials("plaintext"));
  return {
    suffix,
    engine,
    nats,
    service,
    client,
    database,
    issuer,
    async call<Req, Res>(method: UnaryMethod<Req, Res>, request: Req, caller: ClientCaller = {}) {
      const token = await issuer.mint(caller, audience);
      return callUnary(client, method, request, authorizationMetadata(token));
    },
    setClockOffset: (ms) => writeFile(clockFile, String(ms)),
    async stop() {
      client.close();
      await service.stop();
      await nats.jsm.consumers.delete(STREAMS.referral.name, consumerName).catch(() => {});
      await nats.jsm.consumers.delete(STREAMS.referral.name, `${consumerName}-outcome`).catch(() => {});
      await nats.jsm.consumers.delete(STREAMS.case.name, `${consumerName}-seats`).catch(() => {});
      await nats.jsm.consumers.delete(STREAMS.referral.name, `${consumerName}-followup`).catch(() => {});
      await nats.close();
      await database?.drop();
      await issuer.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A partner service's database and relay: publishes status events through a real outbox. */
export interface Publisher {
  db: Database;
  publish(changes: readonly ReferralStatusChanged[]): Promise<void>;
  /** One outcome report of a referral, numbered as its target numbers them (1 = the closure). */
  publishOutcome(report: ReferralOutcomeReported, version: number): Promise<void>;
  /** One follow-up and assignment state of a referral, numbered as its target numbers them. */
  publishFollowUp(change: ReferralFollowUpChanged): Promise<void>;
  stop(): Promise<void>;
}

export async function startPublisher(nats: NatsTestConnection): Promise<Publisher> {
  const database = await createTestDatabase({ prefix: "coordination_publisher" });
  const db = await openDatabase({ service: "partner", url: database.url, poolSize: 2 });
  await migrate(db, [busMigrations]);
  const relay = new OutboxRelay({ db, js: nats.js, pollIntervalMs: 50 });
  relay.start();
  return {
    db,
    async publish(changes) {
      for (const change of changes) {
        await db.transaction((tx) =>
          appendToOutbox(
            tx,
            { organisationId: change.targetOrganisationId, service: "partner-test" },
            {
              definition: EVENTS.referralStatusChanged,
              payload: change,
              aggregate: { type: "referral", id: change.referralId, sequence: change.sequence },
              correlationId: change.rootReferralId,
              occurredAt: change.occurredAt,
            },
          ),
        );
      }
      relay.wake();
    },
    async publishOutcome(report, version) {
      await db.transaction((tx) =>
        appendToOutbox(
          tx,
          { organisationId: report.targetOrganisationId, service: "partner-test" },
          {
            definition: EVENTS.referralOutcomeReported,
            payload: report,
            aggregate: { type: "referral-outcome", id: report.referralId, sequence: version },
            correlationId: report.rootReferralId,
          },
        ),
      );
      relay.wake();
    },
    async publishFollowUp(change) {
      await db.transaction((tx) =>
        appendToOutbox(
          tx,
          { organisationId: change.targetOrganisationId, service: "partner-test" },
          {
            definition: EVENTS.referralFollowUpChanged,
            payload: change,
            aggregate: { type: "referral-follow-up", id: change.referralId, sequence: change.sequence },
            correlationId: change.rootReferralId,
          },
        ),
      );
      relay.wake();
    },
    async stop() {
      await relay.stop();
      await db.close();
      await database?.drop();
    },
  };
}

export interface ReferralSpec {
  referralId?: string;
  rootReferralId?: string;
  parentReferralId?: string;
  origin?: ReferralOrigin;
  referrer: string;
  target: string;
  serviceType?: ServiceType;
  priority?: Priority;
  requestedAt: Date;
  respondBy?: Date;
  disaggregation?: Partial<Disaggregation>;
}

export interface Step {
  to: ReferralStatus;
  /** Time after requested_at. */
  afterMs: number;
  declineReason?: number;
  onHoldReason?: number;
  redirectReason?: number;
  childReferralId?: string;
  notCompletedReason?: number;
  outcomeCodes?: OutcomeCode[];
}

const TARGET_SET = new Set<number>([
  ReferralStatus.REFERRAL_STATUS_RECEIVED,
  ReferralStatus.REFERRAL_STATUS_ACCEPTED,
  ReferralStatus.REFERRAL_STATUS_DECLINED,
  ReferralStatus.REFERRAL_STATUS_ON_HOLD,
  ReferralStatus.REFERRAL_STATUS_IN_PROGRESS,
  ReferralStatus.REFERRAL_STATUS_COMPLETED,
  ReferralStatus.REFERRAL_STATUS_NOT_COMPLETED,
  ReferralStatus.REFERRAL_STATUS_REDIRECTED,
]);

/**
 * The status events of one referral, shaped like libs/referral's `statusChangedEvent`: REQUESTED
 * (sequence 1) and then each step. Only ids, codes, timestamps and disaggregation bands.
 */
export function statusEvents(spec: ReferralSpec, steps: readonly Step[]): ReferralStatusChanged[] {
  const referralId = spec.referralId ?? uuidv7();
  const priority = spec.priority ?? Priority.PRIORITY_NORMAL;
  const respondBy = spec.respondBy ?? new Date(spec.requestedAt.getTime() + 14 * DAY);
  let from = ReferralStatus.REFERRAL_STATUS_UNSPECIFIED;
  return [{ to: ReferralStatus.REFERRAL_STATUS_REQUESTED, afterMs: 0 } as Step, ...steps].map((step, i) => {
    const event: ReferralStatusChanged = {
      referralId,
      rootReferralId: spec.rootReferralId ?? referralId,
      parentReferralId: spec.parentReferralId ?? "",
      childReferralId: step.childReferralId,
      origin: spec.origin ?? ReferralOrigin.REFERRAL_ORIGIN_DIRECT,
      referrerOrganisationId: spec.referrer,
      targetOrganisationId: spec.target,
      serviceOfferingId: undefined,
      serviceType: spec.serviceType ?? ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
      priority,
      fromStatus: from,
      toStatus: step.to,
      declineReason: step.declineReason ?? 0,
      notCompletedReason: step.notCompletedReason ?? 0,
      cancelReason: 0,
      onHoldReason: step.onHoldReason ?? 0,
      redirectReason: step.redirectReason ?? 0,
      outcomeCodes: step.outcomeCodes ?? [],
      actorKind:
        step.to === ReferralStatus.REFERRAL_STATUS_EXPIRED
          ? ActorKind.ACTOR_KIND_SYSTEM
          : ActorKind.ACTOR_KIND_STAFF,
      actorOrganisationId: TARGET_SET.has(step.to) ? spec.target : spec.referrer,
      occurredAt: new Date(spec.requestedAt.getTime() + step.afterMs),
      requestedAt: spec.requestedAt,
      respondBy,
      sequence: i + 1,
      disaggregation: {
        sex: 0,
        ageBand: 0,
        disabilityStatus: 0,
        nationality: "",
        legalStatus: 0,
        provinceCode: "TUR027",
        districtCode: "",
        ...spec.disaggregation,
      },
    };
    from = step.to;
    return event;
  });
}

/** The error a call failed with (fails the test when it succeeded). */
export async function failure(call: Promise<unknown>): Promise<ServiceError> {
  try {
    await call;
  } catch (error) {
    return error as ServiceError;
  }
  throw new Error("expected the call to fail, but it succeeded");
}

/** Fields an INVALID_ARGUMENT named (service-kit's `kopru-invalid-fields` trailer). */
export function invalidFields(error: ServiceError): string[] {
  return String(error.metadata?.get("kopru-invalid-fields")[0] ?? "")
    .split(",")
    .filter(Boolean);
}

/** Decodes a stored stream message with the one definition its subject carries. */
export function decodeStored<T>(
  definition: EventDefinition<T>,
  message: { data: Uint8Array; subject: string },
) {
  return decodeEvent<T>(
    message.data,
    message.subject,
    new Map([[definition.type, definition as EventDefinition]]),
  ).event;
}
