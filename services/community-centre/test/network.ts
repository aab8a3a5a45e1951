import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CallOptions, Client, Metadata, ServiceError } from "@grpc/grpc-js";
import { busMigrations, OutboxRelay } from "@kopru/bus";
import { EventEnvelope } from "@kopru/contracts/common/v1/envelope";
import { ActorKind } from "@kopru/contracts/common/v1/refs";
import type { PartnerKind, Purpose, ServiceType } from "@kopru/contracts/common/v1/vocabulary";
import type { ConsentScope } from "@kopru/contracts/referral/v1/consent";
import { ReferralStatusChanged } from "@kopru/contracts/referral/v1/events";
import type { ReferralPackage } from "@kopru/contracts/referral/v1/package";
import { directoryMigrations } from "@kopru/directory";
import { STREAMS } from "@kopru/events";
import { preparePackage, ReferralLifecycle, referralMigrations } from "@kopru/referral";
import { type ClientCaller, callUnary, systemClock } from "@kopru/service-kit";
import { type Database, migrate, openDatabase } from "@kopru/storage";
import { createTestDatabase, type NatsTestConnection } from "@kopru/testing";
import { timerMigrations } from "@kopru/timers";
import type { JetStreamClient } from "@nats-io/jetstream";

// Test support: a referring partner with its own database that sends referrals the way the network
// does (package cut by the shared library, outbox, relay), readers of what reached JetStream, and
// small gRPC helpers.

export interface Referrer {
  organisationId: string;
  db: Database;
  relay: OutboxRelay;
  send(input: {
    source: ReferralPackage;
    target: { organisationId: string; partnerKind: PartnerKind };
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

type Method<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: Partial<CallOptions>,
  callback: (error: ServiceError | null, response: Res) => void,
) => unknown;

/** A generated client bound to a caller: `api.call("acceptReferral", { ... })`. */
export class Api<C extends Client> {
  constructor(
    readonly client: C,
    readonly caller: ClientCaller,
  ) {}

  call<K extends keyof C>(method: K, request: C[K] extends Method<infer Req, unknown> ? Req : never) {
    type Res = C[K] extends Method<infer _Req, infer R> ? R : never;
    return callUnary(
      this.client,
      this.client[method] as unknown as Method<unknown, Res>,
      request,
      this.caller,
    );
  }

  as(caller: ClientCaller): Api<C> {
    return new Api(this.client, caller);
  }
}

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
