import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Client, ServiceError } from "@grpc/grpc-js";
import {
  busMigrations,
  type Codec,
  type EventDefinition,
  encodeEvent,
  HEADER,
  OutboxRelay,
} from "@kopru/bus";
import { EventEnvelope } from "@kopru/contracts/common/v1/envelope";
import { ActorKind } from "@kopru/contracts/common/v1/refs";
import type { Purpose, ServiceType } from "@kopru/contracts/common/v1/vocabulary";
import type { ConsentScope } from "@kopru/contracts/referral/v1/consent";
import { ReferralStatusChanged } from "@kopru/contracts/referral/v1/events";
import type { ReferralPackage } from "@kopru/contracts/referral/v1/package";
import { directoryMigrations } from "@kopru/directory";
import { EVENTS, STREAMS } from "@kopru/events";
import {
  authorizationMetadata,
  type ClientCaller,
  callUnary,
  type RunningService,
  type ServiceConfig,
  type ServiceSpec,
  serviceAudience,
  startService,
  systemClock,
  type TokenSource,
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
  waitFor,
} from "@kopru/testing";
import { timerMigrations } from "@kopru/timers";
import type { JetStreamClient } from "@nats-io/jetstream";
import { headers } from "@nats-io/transport-node";
import type { z } from "zod";
import { preparePackage, ReferralLifecycle, type TargetRef } from "./lifecycle.js";
import { referralMigrations } from "./store.js";

// Test support shared by the services' integration tests (`@kopru/referral/testkit`; never imported
// by service code): a service started in-process the way the network runs it, a referring partner
// with its own database that sends referrals the way the network does (package cut by the shared
// library, outbox, relay), readers of what reached JetStream, and small gRPC helpers.

/** Ids unique to one test run: NATS streams are shared on the development machine. */
export function runSuffix(): string {
  return randomBytes(4).toString("hex");
}

/** How a test's calls get their access tokens: whom the service trusts and which audience it is. */
export interface TestAuth {
  tokens: TokenSource;
  audience: string;
}

export interface TestService<C extends ServiceConfig> {
  running: RunningService<C>;
  address: string;
  nats: NatsTestConnection;
  /** Absent when the service runs on its embedded PGlite database. */
  database: TestDatabase | undefined;
  /** The issuer the service trusts: tests mint their callers' tokens with it. */
  issuer: TestIssuer;
  /** Tokens from `issuer` for the service's audience, for `call`. */
  auth: TestAuth;
  stop(): Promise<void>;
}

/**
 * Starts the service in this process as the network would run it: its own fresh PostgreSQL database
 * (or, `embedded`, its PGlite database in a temporary DATA_DIR), the real NATS JetStream, an
 * ephemeral gRPC port, and a test issuer of its own whose tokens it verifies for its usual audience.
 * The spec is renamed for the run, so its durable consumers (the directory's included) are this
 * run's alone and can be deleted afterwards.
 */
export async function startTestService<S extends z.ZodObject, C extends ServiceConfig>(
  spec: ServiceSpec<S, C>,
  runName: string,
  env: Record<string, string>,
  options: { embedded?: boolean } = {},
): Promise<TestService<C>> {
  const issuer = await startTestIssuer();
  const audience = serviceAudience(spec.name);
  const nats = await connectNats();
  const database = options.embedded
    ? undefined
    : await createTestDatabase({ prefix: runName.replace(/-/g, "_") });
  const dataDir = mkdtempSync(join(tmpdir(), `kopru-${runName}-`));
  let running: RunningService<C>;
  try {
    running = await startService(
      { ...spec, name: runName },
      {
        NATS_URL: nats.url,
        ...(database ? { DATABASE_URL: database.url } : {}),
        DATA_DIR: dataDir,
        GRPC_HOST: "127.0.0.1",
        GRPC_PORT: "0",
        LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
        ...issuer.serviceEnv(),
        AUTH_AUDIENCE: audience,
        ...env,
      },
    );
  } catch (error) {
    // A service that did not start leaves no issuer listening and no connection open behind it.
    await nats.close();
    await database?.drop();
    await issuer.close();
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    running,
    address: running.grpc.address,
    nats,
    database,
    issuer,
    auth: { tokens: issuer.tokens, audience },
    async stop() {
      await running.stop();
      for (const stream of [STREAMS.referral.name, STREAMS.directory.name]) {
        for await (const consumer of nats.jsm.consumers.list(stream)) {
          if (consumer.name.startsWith(runName))
            await nats.jsm.consumers.delete(stream, consumer.name).catch(() => {});
        }
      }
      await nats.close();
      await database?.drop();
      await issuer.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Publishes a ReferralRequested for `pkg` the way a referrer's outbox relay would. */
export async function publishReferral(nats: NatsTestConnection, pkg: ReferralPackage): Promise<void> {
  await publishAs(
    nats,
    EVENTS.referralRequested,
    { referralPackage: pkg },
    { organisationId: pkg.referrer?.organisationId ?? "", service: "intake" },
    { type: "referral", id: pkg.referralId, sequence: 1 },
    pkg.rootReferralId || pkg.referralId,
  );
}

/** Publishes any event the way another service's outbox relay would (a referrer, intake). */
export async function publishAs<T>(
  nats: NatsTestConnection,
  definition: EventDefinition<T>,
  payload: T,
  producer: { organisationId: string; service: string },
  aggregate: { type: string; id: string; sequence: number },
  correlationId?: string,
): Promise<void> {
  const encoded = encodeEvent({ definition, payload, correlationId, aggregate }, producer);
  const h = headers();
  h.set(HEADER.messageId, encoded.eventId);
  h.set(HEADER.eventType, encoded.type);
  h.set(HEADER.schemaVersion, String(encoded.schemaVersion));
  h.set(HEADER.aggregateId, encoded.aggregate.id);
  h.set(HEADER.aggregateSequence, String(encoded.aggregate.sequence));
  await nats.js.publish(encoded.subject, encoded.envelope, { msgID: encoded.eventId, headers: h });
}

/** Every event stored on `subject` so far, decoded; waits until `until` holds for them. */
export async function eventsOn<T>(
  nats: NatsTestConnection,
  stream: string,
  subject: string,
  codec: Codec<T>,
  until: (events: { envelope: EventEnvelope; payload: T }[]) => boolean = (e) => e.length > 0,
): Promise<{ envelope: EventEnvelope; payload: T }[]> {
  return waitFor(
    async () => {
      const found: { envelope: EventEnvelope; payload: T }[] = [];
      const info = await nats.jsm.streams.info(stream, { subjects_filter: subject });
      if ((info.state.subjects?.[subject] ?? 0) === 0) return undefined;
      let seq = 0;
      for (;;) {
        // STREAM.MSG.GET answers next_by_subj (server 2.9+), which the client's types leave out.
        const query = { next_by_subj: subject, seq: seq + 1 } as unknown as { seq: number };
        const message = await nats.jsm.streams.getMessage(stream, query).catch(() => null);
        if (!message) break;
        seq = message.seq;
        const envelope = EventEnvelope.decode(message.data);
        found.push({ envelope, payload: codec.decode(envelope.payload) });
      }
      return until(found) ? found : undefined;
    },
    { timeoutMs: 15_000, message: `events on ${subject}` },
  );
}

/** A typed unary call as `caller`, with an access token from `auth` for the service's audience. */
export async function call<Req, Res>(
  client: Client,
  method: (...args: never[]) => unknown,
  request: Req,
  caller: ClientCaller,
  auth: TestAuth,
): Promise<Res> {
  const token = await auth.tokens(caller, auth.audience);
  return callUnary<Req, Res>(
    client,
    method as unknown as UnaryMethod<Req, Res>,
    request,
    authorizationMetadata(token),
  );
}

export interface CallFailure {
  code: number;
  details: string;
  errorCode: string | undefined;
  fields: string[];
}

/** The gRPC failure of a call that must fail. */
export async function failure(promise: Promise<unknown>): Promise<CallFailure> {
  try {
    await promise;
  } catch (error) {
    const e = error as ServiceError;
    const fields = e.metadata?.get("kopru-invalid-fields")[0];
    const errorCode = e.metadata?.get("kopru-error-code")[0];
    return {
      code: e.code,
      details: e.details,
      errorCode: typeof errorCode === "string" ? errorCode : undefined,
      fields: typeof fields === "string" && fields ? fields.split(",") : [],
    };
  }
  throw new Error("the call succeeded but was expected to fail");
}

export interface Referrer {
  organisationId: string;
  db: Database;
  relay: OutboxRelay;
  send(input: {
    source: ReferralPackage;
    target: TargetRef;
    serviceType: ServiceType;
    purpose: Purpose;
    consent: { consentId: string; scope: ConsentScope; expiresAt: Date };
  }): Promise<ReferralPackage>;
  close(): Promise<void>;
}

/** A referring organisation (as intake would be) with a scratch database, sending over the real bus. */
export async function startReferrer(nats: NatsTestConnection, organisationId: string): Promise<Referrer> {
  const database = await createTestDatabase({ prefix: "referrer" });
  const db = await openDatabase({ service: "referrer", url: database.url, poolSize: 4 });
  await migrate(db, [busMigrations, timerMigrations, directoryMigrations, referralMigrations]);
  const relay = new OutboxRelay({ db, js: nats.js, pollIntervalMs: 50 });
  relay.start();
  const lifecycle = new ReferralLifecycle({ organisationId, service: "test-referrer" }, systemClock);
  return {
    organisationId,
    db,
    relay,
    async send(input) {
      const { pkg } = preparePackage({
        source: input.source,
        consent: input.consent,
        target: input.target,
        serviceType: input.serviceType,
        purpose: input.purpose,
        at: new Date(),
      });
      const acting = {
        actor: { party: "referrer" as const, kind: ActorKind.ACTOR_KIND_STAFF, organisationId },
        actorId: "referrer-caseworker",
      };
      const sent = await db.transaction((tx) => lifecycle.send(tx, pkg, acting));
      relay.wake();
      return sent.package;
    },
    async close() {
      await relay.stop();
      await db.close();
      await database.drop();
    },
  };
}

export interface StreamMessage {
  subject: string;
  envelope: EventEnvelope;
  data: Uint8Array;
}

/** Every message on `filter` in `stream`, read with an ordered (ephemeral) consumer. */
export async function readSubject(
  js: JetStreamClient,
  stream: string,
  filter: string,
): Promise<StreamMessage[]> {
  // A string, not an array: servers before 2.10 (this machine runs 2.9) refuse multiple filters.
  const consumer = await js.consumers.get(stream, { filter_subjects: filter });
  const out: StreamMessage[] = [];
  try {
    for (;;) {
      const batch = await consumer.fetch({ max_messages: 256, expires: 1_000 });
      let received = 0;
      for await (const msg of batch) {
        received += 1;
        out.push({ subject: msg.subject, envelope: EventEnvelope.decode(msg.data), data: msg.data });
        if (msg.info.pending === 0) return out;
      }
      if (received === 0) return out;
    }
  } finally {
    await consumer.delete().catch(() => {});
  }
}

/** The PII-free status events of referrals from `referrer` to `target`, in stream order. */
export async function statusEvents(
  js: JetStreamClient,
  referrer: string,
  target: string,
): Promise<ReferralStatusChanged[]> {
  const messages = await readSubject(
    js,
    STREAMS.referral.name,
    `kopru.v1.referral.status.${referrer}.${target}`,
  );
  return messages.map((m) => ReferralStatusChanged.decode(m.envelope.payload));
}

/** Removes the durable consumers a test run created (their names carry the run's unique suffix). */
export async function deleteConsumersOf(nats: NatsTestConnection, suffix: string): Promise<void> {
  for (const stream of [STREAMS.referral.name, STREAMS.consent.name, STREAMS.case.name]) {
    const names: string[] = [];
    for await (const info of nats.jsm.consumers.list(stream)) {
      if (info.name.includes(suffix)) names.push(info.name);
    }
    for (const name of names) await nats.jsm.consumers.delete(stream, name).catch(() => {});
  }
}

export function tempDataDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), "kopru-svc-"));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A generated client bound to a caller: `api.call("acceptReferral", { ... })`. The one typed client
 * of `@kopru/service-kit`, under the name the services' tests use.
 */
export { GrpcClient as Api } from "@kopru/service-kit";

/** What a refused call said: gRPC status name, the service's error code and the fields it named. */
export async function refusal(
  call: Promise<unknown>,
): Promise<{ status: string; code: string; fields: string[] }> {
  const { status } = await import("@grpc/grpc-js");
  try {
    await call;
  } catch (error) {
    const e = error as ServiceError;
    const first = (key: string) => String(e.metadata?.get(key)[0] ?? "");
    return {
      status: status[e.code] ?? String(e.code),
      code: first("kopru-error-code"),
      fields: first("kopru-invalid-fields").split(",").filter(Boolean),
    };
  }
  throw new Error("the call was expected to be refused, and succeeded");
}
