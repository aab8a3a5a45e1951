import { Writable } from "node:stream";
import { context, propagation, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createLogger } from "./logger.js";
import { type HeaderCarrier, withConsumerSpan, withProducerSpan } from "./tracing.js";

/** Behaves like NATS `MsgHdrs`: `get` returns "" for an absent key. */
class Headers implements HeaderCarrier {
  readonly #values = new Map<string, string>();
  get(key: string): string {
    return this.#values.get(key) ?? "";
  }
  set(key: string, value: string): void {
    this.#values.set(key, value);
  }
  keys(): string[] {
    return [...this.#values.keys()];
  }
}

const exporter = new InMemorySpanExporter();

beforeAll(() => {
  trace.setGlobalTracerProvider(
    new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
  );
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
});

afterAll(() => {
  trace.disable();
  propagation.disable();
  context.disable();
});

beforeEach(() => exporter.reset());

function span(name: string) {
  const found = exporter.getFinishedSpans().find((s) => s.name === name);
  if (!found) throw new Error(`no span named ${name}`);
  return found;
}

describe("trace context across a message", () => {
  it("continues the producer's trace in the consumer, parented and linked", async () => {
    const headers = new Headers();
    const subject = "kopru.referrals.v1.referral_created";

    await withProducerSpan(
      `publish ${subject}`,
      { destination: subject, messageId: "evt-1" },
      headers,
      () => {
        expect(headers.get("traceparent")).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      },
    );
    const seenInside = await withConsumerSpan(
      `process ${subject}`,
      {
        destination: subject,
        messageId: "evt-1",
        consumerGroup: "case-management",
        "kopru.partner_id": "p-3",
      },
      headers,
      (consumerSpan) => trace.getActiveSpan() === consumerSpan,
    );

    const producer = span(`publish ${subject}`);
    const consumer = span(`process ${subject}`);
    expect(seenInside).toBe(true);
    expect(producer.kind).toBe(SpanKind.PRODUCER);
    expect(consumer.kind).toBe(SpanKind.CONSUMER);
    expect(consumer.spanContext().traceId).toBe(producer.spanContext().traceId);
    expect(consumer.parentSpanContext?.spanId).toBe(producer.spanContext().spanId);
    expect(consumer.links.map((link) => link.context.spanId)).toEqual([producer.spanContext().spanId]);
    expect(headers.get("traceparent")).toContain(producer.spanContext().spanId);
    expect(producer.attributes).toEqual({
      "messaging.system": "nats",
      "messaging.destination.name": subject,
      "messaging.operation.type": "send",
      "messaging.operation.name": "publish",
      "messaging.message.id": "evt-1",
    });
    expect(consumer.attributes).toMatchObject({
      "messaging.system": "nats",
      "messaging.operation.type": "process",
      "messaging.consumer.group.name": "case-management",
      "kopru.partner_id": "p-3",
    });
  });

  it("starts a new trace when the message carries none", async () => {
    await withConsumerSpan("process kopru.x", { destination: "kopru.x" }, new Headers(), () => undefined);
    const consumer = span("process kopru.x");
    expect(consumer.parentSpanContext).toBeUndefined();
    expect(consumer.links).toEqual([]);
  });

  it("records the exception and error status, and rethrows", async () => {
    const failure = new Error("handler failed");
    await expect(
      withConsumerSpan("process kopru.y", { destination: "kopru.y" }, new Headers(), async () => {
        throw failure;
      }),
    ).rejects.toBe(failure);
    const consumer = span("process kopru.y");
    expect(consumer.status).toEqual({ code: SpanStatusCode.ERROR, message: "handler failed" });
    expect(consumer.events.map((event) => event.name)).toEqual(["exception"]);
  });

  it("puts the trace id on log lines written inside the span", async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, callback) {
        lines.push(String(chunk));
        callback();
      },
    });
    const logger = createLogger({ service: "test", destination });
    await withConsumerSpan("process kopru.z", { destination: "kopru.z" }, new Headers(), async () => {
      await Promise.resolve();
      logger.info({ referralId: "ref-1" }, "handled");
    });
    const { traceId, spanId } = span("process kopru.z").spanContext();
    expect(JSON.parse(lines[0] ?? "{}")).toMatchObject({
      trace_id: traceId,
      span_id: spanId,
      referralId: "ref-1",
    });
  });
});
