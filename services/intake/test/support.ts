// Integration-test support: a real intake (startService) on a fresh PostgreSQL database and the shared
// NATS JetStream, partner organisations with unique ids so runs never collide, a directory published
// through the bus, and target organisations played by the referral library itself (each with its own
// database and durable consumers), as protection, ECM or a municipality would.
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ServiceError, status } from "@grpc/grpc-js";
import {
  busMigrations,
  decodeEvent,
  type EventConsumer,
  type EventDefinition,
  encodeEvent,
  HEADER,
  OutboxRelay,
} from "@kopru/bus";
import { EventEnvelope } from "@kopru/contracts/common/v1/envelope";
import { ActorKind } from "@kopru/contracts/common/v1/refs";
import { DataCategory, PartnerKind, Purpose, ServiceType } from "@kopru/contracts/common/v1/vocabulary";
import { CapacityStatus, type ServiceOffering } from "@kopru/contracts/coordination/v1/directory";
import { IntakeServiceClient } from "@kopru/contracts/intake/v1/intake_service";
import { ConsentGiver, ConsentMethod, type ConsentScope } from "@kopru/contracts/referral/v1/consent";
import { directoryMigrations } from "@kopru/directory";
import { EVENTS, NETWORK_LAYOUT, STREAMS } from "@kopru/events";
import { ReferralLifecycle, receivingConsumers, referralMigrations } from "@kopru/referral";
import { TestKeyring } from "@kopru/sealing/testkit";
import {
  channelCredentials,
  type GrpcClient,
  grpcClient,
  type RunningService,
  serviceAudience,
  startService,
} from "@kopru/service-kit";
import { type Database, migrate, openDatabase } from "@kopru/storage";
import {
  connectNats,
  createTestDatabase,
  type NatsTestConnection,
  startTestIssuer,
  type TestDatabase,
  type TestIssuer,
  waitFor,
} from "@kopru/testing";
import { timerMigrations } from "@kopru/timers";
import { headers as natsHeaders } from "@nats-io/nats-core";
import { intakeService } from "../src/app.js";

export type IntakeRunning = RunningService<ReturnType<typeof intakeService.envSchema.parse>>;

/** Organisation ids and a province code unique to one test file run. */
export function testNetworkIds() {
  const suffix = randomBytes(4).toString("hex");
  return {
    suffix,
    ngo: `ngo-t-${suffix}`,
    otherNgo: `ngo-u-${suffix}`,
    mmcc: `mmcc-t-${suffix}`,
    mmccOther: `mmcc-k-${suffix}`,
    ecm: `ecm-t-${suffix}`,
    protection: `prot-t-${suffix}`,
    // A p-code no real offering uses, so other runs' directory entries never match.
    province: `TUR${String(Math.floor(Math.random() * 1e7)).padStart(7, "0")}`,
  };
}
export type NetworkIds = ReturnType<typeof testNetworkIds>;

/** The generated IntakeService client bound to a caller: `api.call("createReferral", {...})`. */
export type IntakeApi = GrpcClient<IntakeServiceClient>;

export interface IntakeUnderTest {
  running: IntakeRunning;
  database: TestDatabase;
  /** The issuer intake trusts in this run: `api.as(caller)` mints with it. */
  issuer: TestIssuer;
  api: IntakeApi;
  setClockOffset(ms: number): void;
  stop(): Promise<void>;
}

/** Starts intake for `ids.ngo` and `ids.otherNgo` on a fresh database, with unique durable names. */
export async function startIntake(
  ids: NetworkIds,
  nats: NatsTestConnection,
  options: { embedded?: boolean; env?: Record<string, string>; issuer?: TestIssuer } = {},
): Promise<IntakeUnderTest> {
  const issuer = options.issuer ?? (await startTestIssuer());
  const database = await createTestDatabase({ prefix: "intake" });
  const dir = mkdtempSync(join(tmpdir(), "kopru-intake-"));
  const clockFile = join(dir, "clock-offset-ms");
  writeFileSync(clockFile, "0");
  const prefix = `intake-t-${ids.suffix}`;
  const running = await startService(intakeService, {
    // Embedded: the PGlite default under DATA_DIR (the PostgreSQL test database then stays unused).
    ...(options.embedded ? {} : { DATABASE_URL: database.url }),
    NATS_URL: nats.url,
    GRPC_HOST: "127.0.0.1",
    GRPC_PORT: "0",
    DATA_DIR: dir,
    LOG_LEVEL: process.env.KOPRU_TEST_LOG === "1" ? "info" : "silent",
    INTAKE_ORGANISATIONS: `${ids.ngo},${ids.otherNgo}`,
    INTAKE_DURABLE_PREFIX: prefix,
    KOPRU_CLOCK_OFFSET_FILE: clockFile,
    ...issuer.serviceEnv(),
    ...options.env,
  });
  const api = grpcClient(
    IntakeServiceClient,
    running.grpc.address,
    channelCredentials("plaintext"),
    { organisationId: ids.ngo, actorId: "caseworker-1", roles: ["caseworker"] },
    { audience: serviceAudience("intake"), tokens: issuer.tokens },
  );
  return {
    running,
    database,
    issuer,
    api,
    setClockOffset: (ms) => writeFileSync(clockFile, String(ms)),
    async stop() {
      api.close();
      await running.stop();
      for (const name of [`${prefix}-status`]) {
        await nats.jsm.consumers.delete(STREAMS.referral.name, name).catch(() => {});
      }
      await nats.jsm.consumers.delete(STREAMS.directory.name, `${prefix}-directory`).catch(() => {});
      for (const org of [ids.ngo, ids.otherNgo]) {
        await nats.jsm.consumers
          .delete(STREAMS.coordination.name, `${prefix}-${org}-reroute`)
          .catch(() => {});
      }
      await database.drop();
      if (!options.issuer) await issuer.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Publishes an event straight to JetStream, as its producing service's outbox relay would. */
export async function publish<T>(
  nats: NatsTestConnection,
  definition: EventDefinition<T>,
  payload: T,
  aggregate: { type: string; id: string; sequence: number },
  producer = { organisationId: "coordination", service: "coordination" },
): Promise<string> {
  const encoded = encodeEvent({ definition, payload, aggregate }, producer);
  const h = natsHeaders();
  h.set(HEADER.messageId, encoded.eventId);
  h.set(HEADER.eventType, encoded.type);
  h.set(HEADER.schemaVersion, String(encoded.schemaVersion));
  h.set(HEADER.aggregateId, encoded.aggregate.id);
  h.set(HEADER.aggregateSequence, String(encoded.aggregate.sequence));
  await nats.js.publish(encoded.subject, encoded.envelope, { msgID: encoded.eventId, headers: h });
  return encoded.eventId;
}

let directoryVersion = 0;

/**
 * The stand-in receiving organisations' sealing keys (ADR 0022): intake seals what it sends them to
 * these, and the tests open what they receive or read off the stream with them.
 */
export const testKeys = new TestKeyring();

/** The test directory, published as coordination would: five organisations, four offerings. */
export async function publishDirectory(nats: NatsTestConnection, ids: NetworkIds): Promise<void> {
  const location = {
    provinceCode: ids.province,
    districtCode: "",
    provinceName: "Test province",
    districtName: "",
  };
  const organisations: [string, PartnerKind][] = [
    [ids.ngo, PartnerKind.PARTNER_KIND_NATIONAL_NGO],
    [ids.mmcc, PartnerKind.PARTNER_KIND_MUNICIPALITY],
    [ids.mmccOther, PartnerKind.PARTNER_KIND_MUNICIPALITY],
    [ids.ecm, PartnerKind.PARTNER_KIND_ECM_UNIT],
    [ids.protection, PartnerKind.PARTNER_KIND_PROTECTION_PARTNER],
  ];
  await testKeys.publish(nats.js, [ids.mmcc, ids.mmccOther, ids.ecm, ids.protection]);
  for (const [organisationId, partnerKind] of organisations) {
    await publish(
      nats,
      EVENTS.organisationUpserted,
      {
        organisation: {
          organisationId,
          name: `${organisationId} (test)`,
          partnerKind,
          locations: [location],
          active: true,
          updatedAt: new Date(),
        },
      },
      { type: "organisation", id: organisationId, sequence: ++directoryVersion },
    );
  }
  const offerings: [string, ServiceType, string[]][] = [
    [ids.mmcc, ServiceType.SERVICE_TYPE_MMCC_COUNSELLING, ["ar", "tr"]],
    [ids.mmccOther, ServiceType.SERVICE_TYPE_MMCC_COUNSELLING, ["tr"]],
    [ids.ecm, ServiceType.SERVICE_TYPE_ECM_CASH, ["ar", "tr"]],
    [ids.protection, ServiceType.SERVICE_TYPE_GBV_CASE_MANAGEMENT, ["ar"]],
  ];
  for (const [organisationId, serviceType, languages] of offerings) {
    const serviceOffering: ServiceOffering = {
      serviceOfferingId: `${organisationId}-${serviceType}`,
      organisationId,
      serviceType,
      name: `${ServiceType[serviceType]} (test)`,
      coverage: [location],
      languages,
      eligibility: { sexes: [], nationalities: [], legalStatuses: [] },
      capacityStatus: CapacityStatus.CAPACITY_STATUS_AVAILABLE,
      intakeChannel: undefined,
      requiredDataCategories: [],
      acceptedDataCategories: [],
      active: true,
      updatedAt: new Date(),
    };
    await publish(
      nats,
      EVENTS.serviceOfferingUpserted,
      { serviceOffering },
      { type: "offering", id: serviceOffering.serviceOfferingId, sequence: ++directoryVersion },
    );
  }
}

/** A receiving organisation played by the referral library: its own database, relay and consumers. */
export interface TargetParty {
  organisationId: string;
  db: Database;
  lifecycle: ReferralLifecycle;
  relay: OutboxRelay;
  acting: { actor: { party: "target"; kind: ActorKind; organisationId: string }; actorId: string };
  stop(): Promise<void>;
}

export async function startTarget(nats: NatsTestConnection, organisationId: string): Promise<TargetParty> {
  const database = await createTestDatabase({ prefix: "target" });
  const db = await openDatabase({ service: "target", url: database.url, poolSize: 4 });
  await migrate(db, [busMigrations, timerMigrations, directoryMigrations, referralMigrations]);
  const relay = new OutboxRelay({ db, js: nats.js, pollIntervalMs: 50 });
  relay.start();
  const lifecycle = new ReferralLifecycle({ organisationId, service: "target" }, { now: () => new Date() });
  const consumers: EventConsumer[] = receivingConsumers(`tgt-${organisationId}`, organisationId, lifecycle, {
    db,
    js: nats.js,
    jsm: nats.jsm,
  });
  for (const consumer of consumers) {
    consumer.openWith(testKeys.opener);
    await consumer.start();
  }
  return {
    organisationId,
    db,
    lifecycle,
    relay,
    acting: {
      actor: { party: "target", kind: ActorKind.ACTOR_KIND_STAFF, organisationId },
      actorId: "staff-1",
    },
    async stop() {
      for (const consumer of consumers) {
        await consumer.stop();
        await nats.jsm.consumers.delete(STREAMS.referral.name, consumer.name).catch(() => {});
      }
      await relay.stop();
      await db.close();
      await database.drop();
    },
  };
}

/** Every real data category. */
export const ALL_CATEGORIES = Object.values(DataCategory).filter(
  (c): c is DataCategory => typeof c === "number" && c > 0,
);

/**
 * Records a consent given by the person, for a year: by default to municipalities and ECM units, for
 * service provision, every data category; `scope` replaces any of those.
 */
export async function recordTestConsent(
  api: IntakeApi,
  beneficiaryId: string,
  scope: Partial<ConsentScope> = {},
): Promise<string> {
  const recorded = await api.call("recordConsent", {
    requestId: randomUUID(),
    beneficiaryId,
    givenBy: ConsentGiver.CONSENT_GIVER_SELF,
    method: ConsentMethod.CONSENT_METHOD_VERBAL_RECORDED,
    explainedInLanguage: "ar",
    interpreterUsed: true,
    scope: {
      organisationIds: [],
      partnerKinds: [PartnerKind.PARTNER_KIND_MUNICIPALITY, PartnerKind.PARTNER_KIND_ECM_UNIT],
      purposes: [Purpose.PURPOSE_SERVICE_PROVISION],
      dataCategories: ALL_CATEGORIES,
      ...scope,
    },
    expiresAt: new Date(Date.now() + 365 * 24 * 3_600_000),
  });
  return recorded.consent?.consentId ?? "";
}

/** How many messages the stream holds on one subject. */
/**
 * Resolves once the outbox relay has published every event the service committed so far: after
 * that, a message missing from JetStream was never written, rather than not yet published.
 */
export async function outboxDrained(intake: IntakeUnderTest): Promise<void> {
  const { relay } = intake.running.context;
  await waitFor(async () => (await relay.pendingCount()) === 0, {
    timeoutMs: 15_000,
    message: "the outbox relay to publish every committed event",
  });
}

export async function messagesOn(nats: NatsTestConnection, stream: string, subject: string): Promise<number> {
  const info = await nats.jsm.streams.info(stream, { subjects_filter: subject });
  return info.state.subjects?.[subject] ?? 0;
}

/** Every event on one subject, decoded (reads the stream with a throwaway ordered consumer). */
export async function eventsOn<T>(
  nats: NatsTestConnection,
  definition: EventDefinition<T>,
  subject: string,
): Promise<T[]> {
  const stream = definition.stream;
  if ((await messagesOn(nats, stream, subject)) === 0) return [];
  const consumer = await nats.js.consumers.get(stream, { filter_subjects: subject });
  const found: T[] = [];
  try {
    for (;;) {
      const batch = await consumer.fetch({ max_messages: 500, expires: 1_000 });
      let received = 0;
      for await (const msg of batch) {
        received += 1;
        const { event } = decodeEvent<T>(
          await testKeys.openEnvelope(EventEnvelope.decode(msg.data), msg.subject),
          msg.subject,
          new Map([[definition.type, definition as EventDefinition]]),
        );
        found.push(event.payload);
        if (msg.info.pending === 0) return found;
      }
      if (received === 0) return found;
    }
  } finally {
    await consumer.delete().catch(() => {});
  }
}

export async function connect(): Promise<NatsTestConnection> {
  const nats = await connectNats();
  const { provisionStreams } = await import("@kopru/bus");
  await provisionStreams(nats.jsm, NETWORK_LAYOUT);
  return nats;
}

/** The gRPC status name of a failed call, e.g. "FAILED_PRECONDITION". */
export function grpcCode(error: unknown): string {
  const code = (error as ServiceError | undefined)?.code;
  return code === undefined ? "NONE" : (status[code] ?? String(code));
}

export async function failure(promise: Promise<unknown>): Promise<ServiceError> {
  return promise.then(
    () => {
      throw new Error("expected the call to fail");
    },
    (error: ServiceError) => error,
  );
}
