// Webhook delivery lag: from the commit of a referral's status change at the service that made it
// to the signed delivery arriving at a partner's endpoint, at a steady rate (default 100 events/s).
// Not a test: it prints a table. Run: pnpm --filter @kopru/gateway bench:webhooks
//
// The path measured is the real one, on a nats-server of its own and the PostgreSQL the tests use:
// a producer's transaction writes the ReferralStatusChanged to its outbox (appendToOutbox) →
// OutboxRelay → JetStream (KOPRU_REFERRAL) → the gateway's `gateway-status` consumer, which queues
// the delivery in the transaction that consumes the event → the delivery worker (claim with SKIP
// LOCKED, resolve and check the URL, sign, POST) → a receiver on 127.0.0.1 that verifies the
// signature. Lag = receipt time − producer commit time, per event.
//
// In the same run and at the same rate it measures the raw bound: for each event, the least a
// delivery must do — sign the same body with `standardwebhooks` and POST it on a fresh connection
// (as the worker does) straight to the same receiver, one POST per endpoint; lag = send → receipt.
// And, for reference, a bare JetStream publish → pull-consume lag on the same nats-server. It
// prints both and lag ÷ raw at p50 and p99.
//
// Knobs (environment): BENCH_RATE (events/s, 100), BENCH_SECONDS (30), BENCH_ENDPOINTS (endpoints
// subscribed, each gets every event; 1), BENCH_CONCURRENCY (WEBHOOK_CONCURRENCY, 16).
import { randomUUID } from "node:crypto";
import { createServer, request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { availableParallelism, loadavg, totalmem } from "node:os";
import { performance } from "node:perf_hooks";
import { appendToOutbox, busMigrations, OutboxRelay, provisionStreams } from "@kopru/bus";
import { Priority, ReferralStatus, ServiceType } from "@kopru/contracts/common/v1/vocabulary";
import { ReferralStatusChanged } from "@kopru/contracts/referral/v1/events";
import { EVENTS, NETWORK_LAYOUT } from "@kopru/events";
import { createLogger } from "@kopru/observability";
import { systemClock } from "@kopru/service-kit";
import { migrate, openDatabase } from "@kopru/storage";
import { connectNats, createTestDatabase, deleteStreams, startNatsServer, uniqueName } from "@kopru/testing";
import { Webhook } from "standardwebhooks";
import { webhookConsumers } from "../src/adapters/messaging/webhook-consumers.js";
import { WebhookDeliveryWorker } from "../src/adapters/webhooks/delivery-worker.js";
import { createEndpoint, type WebhookDeps } from "../src/application/webhooks.js";
import { gatewayMigrations } from "../src/migrations.js";

const RATE = Number(process.env.BENCH_RATE ?? 100);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const ENDPOINTS = Number(process.env.BENCH_ENDPOINTS ?? 1);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const REFERRER = "ngo-bench";
const TARGET = "mmcc-bench";

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

const logger = createLogger({ service: "gateway-bench", level: "warn" });
const nats = await startNatsServer();
const connection = await connectNats({ url: nats.url });
const producerDb = await createTestDatabase({ prefix: "bench_producer" });
const gatewayDb = await createTestDatabase({ prefix: "bench_gateway" });
const producer = await openDatabase({ service: "bench-producer", url: producerDb.url, poolSize: 8 });
const gateway = await openDatabase({ service: "gateway", url: gatewayDb.url });

// Receipt times by referral id; the receiver answers at once, as a well-behaved partner does.
const committedAt = new Map<string, number>();
/** Wall-clock times, to split the lag at the queueing (the delivery row's created_at). */
const committedWall = new Map<string, number>();
const receivedWall = new Map<string, number>();
const lags: number[] = [];
let unverified = 0;
let secrets: string[] = [];
/** The raw bound's POSTs: send time by webhook-id, and their lags. */
const rawSentAt = new Map<string, number>();
const rawLags: number[] = [];
/** Send times of the raw POSTs that took over 100 ms: a burst or a steady tail? */
const rawSlowSentAt: number[] = [];
let rawUnverified = 0;
const receiver = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on("data", (chunk: Buffer) => chunks.push(chunk));
  request.on("end", () => {
    const arrived = performance.now();
    const raw = Buffer.concat(chunks).toString("utf8");
    response.writeHead(204).end();
    const rawSent = rawSentAt.get(String(request.headers["webhook-id"]));
    if (rawSent !== undefined) {
      rawLags.push(arrived - rawSent);
      if (arrived - rawSent > 100) rawSlowSentAt.push(rawSent);
      if (!secrets.some((secret) => verifies(secret, raw, request.headers as Record<string, string>)))
        rawUnverified += 1;
      return;
    }
    const body = JSON.parse(raw) as { type: string; data?: { referralId?: string } };
    if (body.type === "ping") return;
    if (!secrets.some((secret) => verifies(secret, raw, request.headers as Record<string, string>)))
      unverified += 1;
    const committed = committedAt.get(body.data?.referralId ?? "");
    if (committed !== undefined) lags.push(arrived - committed);
    receivedWall.set(body.data?.referralId ?? "", Date.now());
  });
});
function verifies(secret: string, raw: string, headers: Record<string, string>): boolean {
  try {
    new Webhook(secret).verify(raw, headers);
    return true;
  } catch {
    return false;
  }
}

/** The raw bound's send: sign with every endpoint's secret, POST on a connection of its own. */
function rawPost(url: string, id: string, body: string, secret: string): void {
  const timestamp = new Date();
  const signature = new Webhook(secret).sign(id, timestamp, body);
  const request = httpRequest(url, {
    method: "POST",
    agent: false,
    headers: {
      "content-type": "application/json",
      "webhook-id": id,
      "webhook-timestamp": String(Math.floor(timestamp.getTime() / 1000)),
      "webhook-signature": signature,
      "content-length": Buffer.byteLength(body),
    },
  });
  request.on("response", (response) => response.resume());
  request.on("error", () => {});
  request.end(body);
}

async function pace(started: number, i: number): Promise<void> {
  const wait = started + (i * 1000) / RATE - performance.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}

let relay: OutboxRelay | undefined;
let worker: WebhookDeliveryWorker | undefined;
const consumers: ReturnType<typeof webhookConsumers> = [];
try {
  await provisionStreams(connection.jsm, NETWORK_LAYOUT);
  await migrate(producer, [busMigrations]);
  await migrate(gateway, gatewayMigrations);
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;

  worker = new WebhookDeliveryWorker({
    db: gateway,
    clock: systemClock,
    logger,
    concurrency: CONCURRENCY,
    timeoutMs: 10_000,
    retryWindowMs: 26 * 3600_000,
    allowedAddresses: ["127.0.0.1"],
    relay: { wake() {} },
  });
  const deliveries = worker;
  const deps: WebhookDeps = {
    db: gateway,
    clock: systemClock,
    allowedAddresses: ["127.0.0.1"],
    wake: () => deliveries.wake(),
  };
  for (let i = 0; i < ENDPOINTS; i++) {
    const created = await createEndpoint(deps, REFERRER, {
      url,
      eventTypes: [3 /* WEBHOOK_EVENT_TYPE_REFERRAL_ACCEPTED */],
      description: `bench ${i}`,
    });
    secrets = [...secrets, created.secret];
  }
  consumers.push(
    ...webhookConsumers(
      { clock: systemClock, afterCommit: () => deliveries.wake() },
      { db: gateway, js: connection.js, jsm: connection.jsm, logger },
    ),
  );
  for (const consumer of consumers) await consumer.start();
  worker.start();
  relay = new OutboxRelay({ db: producer, js: connection.js, logger });
  relay.start();

  // Paced writers: one referral accepted every 1/RATE s, each its own transaction.
  const total = RATE * SECONDS;
  const started = performance.now();
  const writes: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const referralId = randomUUID();
    const outbox = relay;
    writes.push(
      producer
        .transaction(async (tx) => {
          const now = new Date();
          await appendToOutbox(
            tx,
            { organisationId: TARGET, service: "municipality" },
            {
              definition: EVENTS.referralStatusChanged,
              payload: ReferralStatusChanged.fromPartial({
                referralId,
                rootReferralId: referralId,
                referrerOrganisationId: REFERRER,
                targetOrganisationId: TARGET,
                serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
                priority: Priority.PRIORITY_NORMAL,
                fromStatus: ReferralStatus.REFERRAL_STATUS_RECEIVED,
                toStatus: ReferralStatus.REFERRAL_STATUS_ACCEPTED,
                occurredAt: now,
                sequence: 3,
              }),
              aggregate: { type: "referral", id: referralId, sequence: 3 },
              occurredAt: now,
            },
          );
        })
        .then(() => {
          committedAt.set(referralId, performance.now());
          committedWall.set(referralId, Date.now());
          outbox.wake();
        }),
    );
  }
  await Promise.all(writes);
  const sent = (performance.now() - started) / 1000;
  // Long enough for JetStream's own redelivery schedule (30 s, 60 s, 120 s) of a message whose
  // delivery was lost: the bench reports the stragglers rather than calling them lost.
  const deadline = performance.now() + 240_000;
  while (lags.length < total * ENDPOINTS && performance.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 100));

  // Anything not at the endpoint, and where its delivery stands.
  const missing = [...committedAt.keys()].filter((id) => !receivedWall.has(id));
  if (missing.length > 0) {
    const { rows: stuck } = await gateway.query(
      `SELECT referral_id, state, attempts, last_status_code, last_error, next_attempt_at
         FROM webhook_deliveries WHERE referral_id = ANY($1::text[])`,
      [missing],
    );
    console.log(`not received: ${missing.length}; their deliveries: ${JSON.stringify(stuck)}`);
  }
  const sorted = [...lags].sort((a, b) => a - b);
  const fmt = (n: number) => n.toFixed(1);
  console.log(
    `\nWebhook delivery lag — ${total} status events at ${RATE}/s (${(total / sent).toFixed(1)}/s achieved) × ${ENDPOINTS} endpoint(s), WEBHOOK_CONCURRENCY ${CONCURRENCY}`,
  );
  console.log(
    `machine: ${availableParallelism()} CPU, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
  console.log("| measure | value |\n|---|---:|");
  console.log(`| delivered | ${lags.length} / ${total * ENDPOINTS} |`);
  console.log(`| signatures that did not verify | ${unverified} |`);
  console.log(`| lag p50 ms | ${fmt(percentile(sorted, 50))} |`);
  console.log(`| lag p90 ms | ${fmt(percentile(sorted, 90))} |`);
  console.log(`| lag p99 ms | ${fmt(percentile(sorted, 99))} |`);
  console.log(`| lag max ms | ${fmt(sorted[sorted.length - 1] ?? Number.NaN)} |`);
  // Where the time goes: commit → queued by the consumer, queued → at the endpoint.
  const { rows } = await gateway.query<{ referral_id: string; created_at: Date }>(
    "SELECT referral_id, created_at FROM webhook_deliveries WHERE referral_id IS NOT NULL",
  );
  const toQueue: number[] = [];
  const toEndpoint: number[] = [];
  for (const row of rows) {
    const queued = new Date(row.created_at).getTime();
    const committed = committedWall.get(row.referral_id);
    const received = receivedWall.get(row.referral_id);
    if (committed !== undefined) toQueue.push(queued - committed);
    if (received !== undefined) toEndpoint.push(received - queued);
  }
  toQueue.sort((a, b) => a - b);
  toEndpoint.sort((a, b) => a - b);
  console.log(
    `| commit → queued (relay, JetStream, consumer) p50 / p99 ms | ${fmt(percentile(toQueue, 50))} / ${fmt(percentile(toQueue, 99))} |`,
  );
  console.log(
    `| queued → at the endpoint (worker, signing, HTTP) p50 / p99 ms | ${fmt(percentile(toEndpoint, 50))} / ${fmt(percentile(toEndpoint, 99))} |`,
  );

  // The raw bound, now that the path is idle: the same bodies (one per event, as queued), signed
  // and POSTed straight to the receiver at the same rate, one POST per endpoint.
  await relay.stop();
  relay = undefined;
  for (const consumer of consumers.splice(0)) await consumer.stop();
  await worker.stop();
  worker = undefined;
  const { rows: queued } = await gateway.query<{ payload: string }>(
    `SELECT DISTINCT ON (referral_id) payload FROM webhook_deliveries
      WHERE referral_id IS NOT NULL ORDER BY referral_id, created_at`,
  );
  const bodies = queued.map((row) => row.payload);
  if (bodies.length === 0) throw new Error("no delivery was queued: nothing to replay");
  const rawStarted = performance.now();
  for (let i = 0; i < total; i++) {
    await pace(rawStarted, i);
    const body = bodies[i % bodies.length] as string;
    secrets.forEach((secret, e) => {
      const id = `msg_raw_${i}_${e}`;
      rawSentAt.set(id, performance.now());
      rawPost(url, id, body, secret);
    });
  }
  const rawDeadline = performance.now() + 30_000;
  while (rawLags.length < total * ENDPOINTS && performance.now() < rawDeadline)
    await new Promise((resolve) => setTimeout(resolve, 50));

  // For reference: a bare JetStream publish → pull-consume (+ ack) of the same body, same server.
  const stream = uniqueName("bench_webhook_raw");
  const subject = `bench.${stream}.x`;
  const jsLags: number[] = [];
  await connection.jsm.streams.add({ name: stream, subjects: [`bench.${stream}.>`] });
  try {
    await connection.jsm.consumers.add(stream, {
      durable_name: "raw",
      ack_policy: "explicit",
      deliver_policy: "all",
    });
    const messages = await (await connection.js.consumers.get(stream, "raw")).consume();
    const publishedAt: number[] = [];
    const consumed = (async () => {
      for await (const msg of messages) {
        jsLags.push(performance.now() - (publishedAt[msg.seq - 1] as number));
        msg.ack();
        if (jsLags.length === total) break;
      }
    })();
    const payload = new TextEncoder().encode(bodies[0] as string);
    const jsStarted = performance.now();
    const publishes: Promise<unknown>[] = [];
    for (let i = 0; i < total; i++) {
      await pace(jsStarted, i);
      publishedAt[i] = performance.now();
      publishes.push(connection.js.publish(subject, payload, { msgID: `m-${i}` }));
    }
    await Promise.all(publishes);
    await Promise.race([consumed, new Promise((resolve) => setTimeout(resolve, 30_000))]);
    await messages.close();
  } finally {
    await deleteStreams(connection.jsm, [stream]);
  }

  const rawSorted = [...rawLags].sort((a, b) => a - b);
  const jsSorted = [...jsLags].sort((a, b) => a - b);
  const row = (name: string, values: number[], count: number) =>
    `| ${name} | ${values.length} / ${count} | ${fmt(percentile(values, 50))} | ${fmt(percentile(values, 90))} | ${fmt(percentile(values, 99))} | ${fmt(values[values.length - 1] ?? Number.NaN)} |`;
  console.log(
    `\nRaw bound, same run, ${RATE}/s — load average now ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
  console.log("| path | received | p50 ms | p90 ms | p99 ms | max ms |\n|---|---:|---:|---:|---:|---:|");
  console.log(row("webhook delivery (commit → endpoint)", sorted, total * ENDPOINTS));
  console.log(row("raw: sign + POST, fresh connection (send → receipt)", rawSorted, total * ENDPOINTS));
  console.log(row("raw: JetStream publish → consume", jsSorted, total));
  console.log(`| raw signatures that did not verify | ${rawUnverified} | | | | |`);
  if (rawSlowSentAt.length > 0) {
    const at = rawSlowSentAt.map((t) => (t - rawStarted) / 1000).sort((a, b) => a - b);
    console.log(
      `raw POSTs over 100 ms: ${at.length}, sent between ${at[0]?.toFixed(2)} s and ${at[at.length - 1]?.toFixed(2)} s of ${SECONDS} s`,
    );
  }
  const ratio = (p: number) => (percentile(sorted, p) / percentile(rawSorted, p)).toFixed(1);
  console.log(`lag ÷ raw (sign + POST): p50 ${ratio(50)}, p99 ${ratio(99)}`);
} finally {
  await relay?.stop();
  for (const consumer of consumers) await consumer.stop();
  await worker?.stop();
  receiver.close();
  await connection.close();
  await producer.close();
  await gateway.close();
  await producerDb.drop();
  await gatewayDb.drop();
  await nats.close();
}
