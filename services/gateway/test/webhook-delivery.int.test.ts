import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { ReceivedEvent } from "@kopru/bus";
import { Priority, ReferralStatus, ServiceType } from "@kopru/contracts/common/v1/vocabulary";
import { WebhookEndpointState, WebhookEventType } from "@kopru/contracts/gateway/v1/partner_api";
import { ReferralStatusChanged } from "@kopru/contracts/referral/v1/events";
import { createLogger } from "@kopru/observability";
import { type Database, migrate, openDatabase } from "@kopru/storage";
import { createTestDatabase, type TestDatabase, waitFor } from "@kopru/testing";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { WebhookDeliveryWorker } from "../src/adapters/webhooks/delivery-worker.js";
import {
  createEndpoint,
  queueStatusChange,
  replayDelivery,
  updateEndpoint,
  type WebhookDeps,
} from "../src/application/webhooks.js";
import { gatewayMigrations } from "../src/migrations.js";

// The webhook outbox and its delivery worker on a real PostgreSQL, sending to a real HTTP receiver
// on 127.0.0.1: one delivery per endpoint and event however often the event comes, no delivery
// sent twice by two workers, backoff in the service's clock, and giving up after the retry window
// in one transaction with the staff notice.

const logger = createLogger({ service: "gateway-test", level: "silent" });
const WINDOW = 26 * 3600_000;

/** A clock the test moves. */
function manualClock(start = Date.now()) {
  let now = start;
  return { now: () => new Date(now), advance: (ms: number) => (now += ms) };
}

let database: TestDatabase;
let db: Database;
let server: Server;
let answer = 204;
const received: string[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    request.resume();
    request.on("end", () => {
      received.push(String(request.headers["webhook-id"]));
      response.writeHead(answer).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(async () => {
  database = await createTestDatabase({ prefix: "gateway_webhooks" });
  db = await openDatabase({ service: "gateway", url: database.url });
  await migrate(db, gatewayMigrations);
  received.length = 0;
  answer = 204;
});

afterEach(async () => {
  await db.close();
  await database.drop();
});

const url = (path = "/hooks") => `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;

function deps(clock: { now(): Date }): WebhookDeps {
  return { db, clock, allowedAddresses: ["127.0.0.1"], wake() {} };
}

function accepted(referralId: string, occurredAt: Date): ReceivedEvent<ReferralStatusChanged> {
  return {
    eventId: `event-${referralId}`,
    type: "kopru.referral.v1.ReferralStatusChanged",
    schemaVersion: 1,
    occurredAt,
    producer: { organisationId: "mmcc-gaziantep", service: "municipality" },
    correlationId: referralId,
    causationId: "",
    aggregate: { type: "referral", id: referralId, sequence: 3 },
    subject: "kopru.v1.referral.status.ngo-hayat.mmcc-gaziantep",
    payload: ReferralStatusChanged.fromPartial({
      referralId,
      rootReferralId: referralId,
      referrerOrganisationId: "ngo-hayat",
      targetOrganisationId: "mmcc-gaziantep",
      serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
      priority: Priority.PRIORITY_NORMAL,
      toStatus: ReferralStatus.REFERRAL_STATUS_ACCEPTED,
      sequence: 3,
      occurredAt,
    }),
  };
}

function worker(clock: { now(): Date }, relay = { wake() {} }, concurrency = 8) {
  return new WebhookDeliveryWorker({
    db,
    clock,
    logger,
    concurrency,
    timeoutMs: 5_000,
    retryWindowMs: WINDOW,
    allowedAddresses: ["127.0.0.1"],
    relay,
    pollIntervalMs: 50,
    random: () => 0.5,
  });
}

async function count(sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM (${sql}) AS q`, params);
  return rows[0]?.n ?? 0;
}

describe("queueing deliveries from referral events", () => {
  it("queues one delivery per subscribed endpoint of the party told, however often the event comes", async () => {
    const clock = manualClock();
    const subscribed = await createEndpoint(deps(clock), "ngo-hayat", {
      url: url(),
      eventTypes: [WebhookEventType.WEBHOOK_EVENT_TYPE_REFERRAL_ACCEPTED],
    });
    await createEndpoint(deps(clock), "ngo-hayat", {
      url: url(),
      eventTypes: [WebhookEventType.WEBHOOK_EVENT_TYPE_REFERRAL_DECLINED],
    });
    await createEndpoint(deps(clock), "ngo-umut", {
      url: url(),
      eventTypes: [WebhookEventType.WEBHOOK_EVENT_TYPE_REFERRAL_ACCEPTED],
    });
    clock.advance(1_000);
    const event = accepted("0b8e8f3e-8f7b-4c55-9b53-6d0f3b1f2a10", clock.now());
    for (let i = 0; i < 3; i++) await db.transaction((tx) => queueStatusChange(tx, clock, event));
    const rows = await db.query<{ endpoint_id: string }>(
      "SELECT endpoint_id FROM webhook_deliveries WHERE event_type <> $1",
      [WebhookEventType.WEBHOOK_EVENT_TYPE_PING],
    );
    expect(rows.rows.map((r) => r.endpoint_id)).toEqual([subscribed.endpoint?.endpointId]);
  });

  it("does not give an endpoint the events from before it was registered", async () => {
    const clock = manualClock();
    const early = accepted("1c9f9f4f-9f8c-4d66-8c64-7e1f4c2f3b21", clock.now());
    clock.advance(60_000);
    await createEndpoint(deps(clock), "ngo-hayat", {
      url: url(),
      eventTypes: [WebhookEventType.WEBHOOK_EVENT_TYPE_REFERRAL_ACCEPTED],
    });
    await db.transaction((tx) => queueStatusChange(tx, clock, early));
    expect(await count("SELECT 1 FROM webhook_deliveries WHERE referral_id IS NOT NULL")).toBe(0);
  });
});

describe("the delivery worker", () => {
  it("sends each delivery once although two workers claim from the same table", async () => {
    const clock = manualClock();
    await createEndpoint(deps(clock), "ngo-hayat", {
      url: url(),
      eventTypes: [WebhookEventType.WEBHOOK_EVENT_TYPE_REFERRAL_ACCEPTED],
    });
    clock.advance(1_000);
    await db.transaction(async (tx) => {
      for (let i = 0; i < 150; i++)
        await queueStatusChange(
          tx,
          clock,
          accepted(`2d0a0a5a-0a9d-4e77-9d75-${String(i).padStart(12, "0")}`, clock.now()),
        );
    });
    const a = worker(clock);
    const b = worker(clock);
    a.start();
    b.start();
    try {
      await waitFor(
        async () => (await count("SELECT 1 FROM webhook_deliveries WHERE state = 'delivered'")) === 151,
        {
          timeoutMs: 30_000,
          message: "not everything was delivered",
        },
      );
    } finally {
      await a.stop();
      await b.stop();
    }
    expect(received).toHaveLength(151);
    expect(new Set(received).size).toBe(151);
  });

  it("backs off in the service's clock, then fails the delivery, disables the endpoint and writes the notice", async () => {
    answer = 500;
    const clock = manualClock();
    let relayWoken = 0;
    const created = await createEndpoint(deps(clock), "ngo-hayat", {
      url: url(),
      eventTypes: [WebhookEventType.WEBHOOK_EVENT_TYPE_REFERRAL_ACCEPTED],
    });
    const endpointId = created.endpoint?.endpointId as string;
    const running = worker(clock, { wake: () => (relayWoken += 1) });
    running.start();
    try {
      await waitFor(
        async () =>
          (await count("SELECT 1 FROM webhook_deliveries WHERE attempts = 1 AND last_status_code = 500")) ===
          1,
        {
          timeoutMs: 10_000,
          message: "the first attempt was not recorded",
        },
      );
      const first = await db.query<{ next_attempt_at: Date; last_error: string }>(
        "SELECT next_attempt_at, last_error FROM webhook_deliveries",
      );
      // Attempt 1 failed: the next one 2.5–5 s later (jitter 0.5 → 3.75 s), in the clock's time.
      expect(
        new Date(first.rows[0]?.next_attempt_at as Date).getTime() - clock.now().getTime(),
      ).toBeGreaterThan(3_000);
      expect(first.rows[0]?.last_error).toBe("HTTP 500");
      // Nothing more happens until the clock moves.
      expect(received).toHaveLength(1);

      clock.advance(WINDOW);
      await waitFor(
        async () => (await count("SELECT 1 FROM webhook_endpoints WHERE state = 'disabled'")) === 1,
        {
          timeoutMs: 10_000,
          message: "the endpoint was not disabled",
        },
      );
    } finally {
      await running.stop();
    }
    expect(await count("SELECT 1 FROM webhook_deliveries WHERE state = 'failed' AND attempts = 2")).toBe(1);
    const notices = await db.query<{ subject: string; event_type: string }>(
      "SELECT subject, event_type FROM kopru_outbox",
    );
    expect(notices.rows).toEqual([
      { subject: "kopru.v1.notice.ngo-hayat", event_type: expect.stringContaining("StaffNotice") },
    ]);
    expect(relayWoken).toBe(1);
    const endpoint = await db.query<{ disabled_reason: string }>(
      "SELECT disabled_reason FROM webhook_endpoints WHERE endpoint_id = $1",
      [endpointId],
    );
    expect(endpoint.rows[0]?.disabled_reason).toMatch(/26 h.*HTTP 500/);

    // Re-enabled and replayed: the log keeps counting attempts, the backoff starts again.
    await updateEndpoint(deps(clock), "ngo-hayat", endpointId, {
      eventTypes: [],
      state: WebhookEndpointState.WEBHOOK_ENDPOINT_STATE_ACTIVE,
    });
    const [failed] = (await db.query<{ delivery_id: string }>("SELECT delivery_id FROM webhook_deliveries"))
      .rows;
    await replayDelivery(deps(clock), "ngo-hayat", endpointId, failed?.delivery_id as string);
    const again = worker(clock);
    again.start();
    try {
      await waitFor(async () => (await count("SELECT 1 FROM webhook_deliveries WHERE attempts = 3")) === 1, {
        timeoutMs: 10_000,
        message: "the replay was not attempted",
      });
    } finally {
      await again.stop();
    }
    const replayed = await db.query<{ next_attempt_at: Date; state: string }>(
      "SELECT next_attempt_at, state FROM webhook_deliveries",
    );
    expect(replayed.rows[0]?.state).toBe("pending");
    expect(
      new Date(replayed.rows[0]?.next_attempt_at as Date).getTime() - clock.now().getTime(),
    ).toBeLessThan(5_000);
  });

  it("refuses at delivery an address that became internal after registration", async () => {
    const clock = manualClock();
    await createEndpoint(deps(clock), "ngo-hayat", {
      url: url(),
      eventTypes: [WebhookEventType.WEBHOOK_EVENT_TYPE_REFERRAL_ACCEPTED],
    });
    // The administrator withdrew the allowance: the worker checks again and does not connect.
    const strict = new WebhookDeliveryWorker({
      db,
      clock,
      logger,
      concurrency: 2,
      timeoutMs: 5_000,
      retryWindowMs: WINDOW,
      allowedAddresses: [],
      relay: { wake() {} },
      pollIntervalMs: 50,
    });
    strict.start();
    try {
      await waitFor(async () => (await count("SELECT 1 FROM webhook_deliveries WHERE attempts = 1")) === 1, {
        timeoutMs: 10_000,
        message: "no attempt was recorded",
      });
    } finally {
      await strict.stop();
    }
    const { rows } = await db.query<{ last_error: string; last_status_code: number }>(
      "SELECT last_error, last_status_code FROM webhook_deliveries",
    );
    expect(rows[0]?.last_status_code).toBe(0);
    expect(rows[0]?.last_error).toMatch(/^refused: .*loopback/);
    expect(received).toHaveLength(0);
  });
});
