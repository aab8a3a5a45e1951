import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Client, ServiceError } from "@grpc/grpc-js";
import { type Codec, encodeEvent, HEADER } from "@kopru/bus";
import { AgeBand, Sex } from "@kopru/contracts/common/v1/disaggregation";
import { EventEnvelope } from "@kopru/contracts/common/v1/envelope";
import {
  GbvIncidentType,
  ProtectionConcern,
  RiskLevel,
  TimeSinceIncident,
} from "@kopru/contracts/common/v1/needs";
import { ActorKind } from "@kopru/contracts/common/v1/refs";
import {
  DataCategory,
  PartnerKind,
  Priority,
  Purpose,
  ReferralOrigin,
  type ServiceType,
} from "@kopru/contracts/common/v1/vocabulary";
import { ReferralPackage } from "@kopru/contracts/referral/v1/package";
import { EVENTS, STREAMS } from "@kopru/events";
import { presentDataCategories } from "@kopru/referral";
import { type ClientCaller, callUnary, type RunningService, startService } from "@kopru/service-kit";
import {
  connectNats,
  createTestDatabase,
  type NatsTestConnection,
  type TestDatabase,
  waitFor,
} from "@kopru/testing";
import { headers } from "@nats-io/transport-node";
import { v7 as uuidv7 } from "uuid";
import { spec } from "../src/app.js";

type ProtectionConfig = Parameters<typeof spec.build>[0]["config"];

/** Ids unique to one test run: NATS streams are shared on the development machine. */
export function runSuffix(): string {
  return randomBytes(4).toString("hex");
}

export interface TestService {
  running: RunningService<ProtectionConfig>;
  address: string;
  nats: NatsTestConnection;
  /** Absent when the service runs on its embedded PGlite database. */
  database: TestDatabase | undefined;
  stop(): Promise<void>;
}

/**
 * Starts the service in this process as the network would run it: its own fresh PostgreSQL database
 * (or, `embedded`, its PGlite database in a temporary DATA_DIR), the real NATS JetStream, an
 * ephemeral gRPC port. The spec is renamed for the run, so its durable
 * consumers (the directory's included) are this run's alone and can be deleted afterwards.
 */
export async function startTestService(
  runName: string,
  env: Record<string, string>,
  options: { embedded?: boolean } = {},
): Promise<TestService> {
  const nats = await connectNats();
  const database = options.embedded
    ? undefined
    : await createTestDatabase({ prefix: runName.replace(/-/g, "_") });
  const dataDir = mkdtempSync(join(tmpdir(), `kopru-${runName}-`));
  const running = await startService(
    { ...spec, name: runName },
    {
      NATS_URL: nats.url,
      ...(database ? { DATABASE_URL: database.url } : {}),
      DATA_DIR: dataDir,
      GRPC_HOST: "127.0.0.1",
      GRPC_PORT: "0",
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
      ...env,
    },
  );
  return {
    running,
    address: running.grpc.address,
    nats,
    database,
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
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Publishes a ReferralRequested for `pkg` the way a referrer's outbox relay would. */
export async function publishReferral(nats: NatsTestConnection, pkg: ReferralPackage): Promise<void> {
  const encoded = encodeEvent(
    {
      definition: EVENTS.referralRequested,
      payload: { referralPackage: pkg },
      correlationId: pkg.rootReferralId || pkg.referralId,
      aggregate: { type: "referral", id: pkg.referralId, sequence: 1 },
    },
    { organisationId: pkg.referrer?.organisationId ?? "", service: "intake" },
  );
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

type Unary<Req, Res> = Parameters<typeof callUnary<Req, Res>>[1];

/** A typed unary call with caller metadata. */
export function call<Req, Res>(
  client: Client,
  method: (...args: never[]) => unknown,
  request: Req,
  caller: ClientCaller,
): Promise<Res> {
  return callUnary<Req, Res>(client, method as unknown as Unary<Req, Res>, request, caller);
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

const DAY = 86_400_000;

/**
 * A consented referral package (synthetic person) from organisation `from` to `to`, with identity,
 * contact, demographics, protection and GBV sections unless `extra` removes them; the shared
 * categories are the sections present, as the referrer's minimum-necessary cut leaves them.
 */
export function testReferralPackage(
  input: { from: string; to: string; serviceType: ServiceType } & Partial<ReferralPackage>,
): ReferralPackage {
  const { from: referrer, to: target, ...extra } = input;
  const referralId = uuidv7();
  const pkg = ReferralPackage.fromPartial({
    referralId,
    rootReferralId: referralId,
    origin: ReferralOrigin.REFERRAL_ORIGIN_DIRECT,
    beneficiaryRef: `ben-${uuidv7()}`,
    referrer: { organisationId: referrer, displayName: "Test NGO" },
    target: { organisationId: target },
    priority: Priority.PRIORITY_HIGH,
    purpose: Purpose.PURPOSE_CASE_MANAGEMENT,
    consentId: uuidv7(),
    consentExpiresAt: new Date(Date.now() + 365 * DAY),
    consentScope: {
      organisationIds: [target],
      partnerKinds: [PartnerKind.PARTNER_KIND_PROTECTION_PARTNER],
      purposes: [Purpose.PURPOSE_CASE_MANAGEMENT],
      dataCategories: [
        DataCategory.DATA_CATEGORY_IDENTITY,
        DataCategory.DATA_CATEGORY_CONTACT,
        DataCategory.DATA_CATEGORY_DEMOGRAPHICS,
        DataCategory.DATA_CATEGORY_PROTECTION,
        DataCategory.DATA_CATEGORY_GBV,
      ],
    },
    requestedBy: { kind: ActorKind.ACTOR_KIND_STAFF, organisationId: referrer, actorId: "ngo-staff-1" },
    requestedAt: new Date(),
    reasonForReferral: "Synthetic test referral.",
    disaggregation: {
      sex: Sex.SEX_FEMALE,
      ageBand: AgeBand.AGE_BAND_25_49,
      nationality: "SY",
      provinceCode: "TUR027",
      districtCode: "TUR027001",
    },
    identity: { givenName: "Test", familyName: "Person (synthetic)" },
    contact: { phoneNumber: "+905550000000", safeToContact: true },
    demographics: { sex: Sex.SEX_FEMALE, birthYear: 1994, nationality: "SY" },
    protection: {
      riskLevel: RiskLevel.RISK_LEVEL_HIGH,
      concerns: [ProtectionConcern.PROTECTION_CONCERN_PHYSICAL_SAFETY],
    },
    gbv: {
      incidentType: GbvIncidentType.GBV_INCIDENT_TYPE_PHYSICAL_ASSAULT,
      timeSinceIncident: TimeSinceIncident.TIME_SINCE_INCIDENT_0_3_DAYS,
      immediateSafetyRisk: true,
    },
    ...extra,
  });
  return { ...pkg, sharedDataCategories: presentDataCategories(pkg) };
}
