// One trace from the writing transaction, through the relay's publish, to the consumer's effect.
import { Writable } from "node:stream";
import { createLogger } from "@kopru/observability";
import { connectNats, type NatsTestConnection, waitFor } from "@kopru/testing";
import { SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { EventConsumer } from "./consumer.js";
import { OutboxRelay } from "./outbox.js";
import {
  Cleanup,
  countEffects,
  effectHandler,
  installInMemoryTracing,
  openTestPostgres,
  provisionTestBus,
  testBus,
  testConsumerOptions,
  writeThing,
} from "./testkit.js";

let tracing: ReturnType<typeof installInMemoryTracing>;
let nats: NatsTestConnection;
const cleanup = new Cleanup();

beforeAll(async () => {
  tracing = installInMemoryTracing();
  nats = await connectNats();
});
afterAll(async () => {
  await nats?.close();
  tracing?.uninstall();
});
afterEach(() => cleanup.run());

describe("tracing", () => {
  it("the writing transaction's span, the relay's PRODUCER span and the consumer's CONSUMER span share one trace", async () => {
    const bus = testBus();
    cleanup.defer(await provisionTestBus(nats.jsm, bus));
    const pg = await openTestPostgres("bus_trace");
    cleanup.defer(pg.drop);

    const tracer = trace.getTracer("bus-test");
    const eventId = await tracer.startActiveSpan("refer beneficiary", async (span) => {
      try {
        return await writeThing(pg.db, bus, { id: "traced", sequence: 1 });
      } finally {
        span.end();
      }
    });
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger({
      service: "bus-test",
      level: "debug",
      destination: new Writable({
        write(chunk, _encoding, callback) {
          lines.push(JSON.parse(String(chunk)));
          callback();
        },
      }),
    });
    // The relay runs outside any span, as it does in a service: the trace comes from the row.
    const relay = new OutboxRelay({ db: pg.db, js: nats.js, logger });
    expect(await relay.drain()).toBe(1);

    let traceInHandler: string | undefined;
    const name = "traced-consumer";
    const consumer = new EventConsumer(
      testConsumerOptions(
        bus,
        { db: pg.db, ...nats },
        {
          name,
          logger,
          handlers: [
            effectHandler(bus, name, () => {
              traceInHandler = trace.getActiveSpan()?.spanContext().traceId;
            }),
          ],
        },
      ),
    );
    cleanup.defer(() => consumer.stop());
    await consumer.start();
    await waitFor(async () => (await countEffects(pg.db)).rows === 1, { message: "the effect" });
    await waitFor(() => tracing.exporter.getFinishedSpans().some((s) => s.kind === SpanKind.CONSUMER));

    const spans = tracing.exporter.getFinishedSpans();
    const writing = spans.find((s) => s.name === "refer beneficiary");
    const producer = spans.find((s) => s.kind === SpanKind.PRODUCER);
    const consuming = spans.find((s) => s.kind === SpanKind.CONSUMER);
    expect(writing).toBeDefined();
    expect(producer?.name).toBe(`publish ${bus.subject("traced")}`);
    expect(consuming?.name).toBe(`process ${bus.subject("traced")}`);
    const traceId = writing?.spanContext().traceId;
    expect(producer?.spanContext().traceId).toBe(traceId);
    expect(consuming?.spanContext().traceId).toBe(traceId);
    expect(traceInHandler).toBe(traceId);
    // Parent chain: transaction → publish → process.
    expect(producer?.parentSpanContext?.spanId).toBe(writing?.spanContext().spanId);
    expect(consuming?.parentSpanContext?.spanId).toBe(producer?.spanContext().spanId);
    expect(producer?.attributes).toMatchObject({
      "messaging.message.id": eventId,
      "kopru.event.type": bus.thing.type,
    });
    expect(consuming?.attributes).toMatchObject({
      "messaging.message.id": eventId,
      "messaging.consumer.group.name": name,
    });
    expect(consuming?.status.code).not.toBe(SpanStatusCode.ERROR);
    // What the relay and the consumer log about the event is written inside their spans.
    expect(lines.find((line) => line.msg === "event published")).toMatchObject({
      eventId,
      trace_id: traceId,
      span_id: producer?.spanContext().spanId,
    });
    expect(lines.find((line) => line.msg === "event handled")).toMatchObject({
      eventId,
      trace_id: traceId,
      span_id: consuming?.spanContext().spanId,
    });
  });
});
