import { type Database, migrate, openDatabase } from "@kopru/storage";
import { createTestDatabase } from "@kopru/testing";
import { context, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, expect, it } from "vitest";
import { scheduleTimer, TimerWorker, timerMigrations } from "./timers.js";

// A fired timer is traced like a call or a message: its handler runs inside a span (so what it
// logs carries a trace id and the events it writes start their trace there), while polling that
// finds nothing due makes no span at all.
const exporter = new InMemorySpanExporter();
let db: Database;
let drop: () => Promise<void>;

beforeAll(async () => {
  trace.setGlobalTracerProvider(
    new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
  );
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const database = await createTestDatabase({ prefix: "timer_spans" });
  drop = database.drop;
  db = await openDatabase({ service: "timer-spans-test", url: database.url });
  await migrate(db, [timerMigrations]);
});

afterAll(async () => {
  await db?.close();
  await drop?.();
  trace.disable();
  context.disable();
});

it("runs a due timer's handler in a span of its own, and makes none while nothing is due", async () => {
  const now = new Date("2026-11-25T08:00:00Z");
  const seen: string[] = [];
  const worker = new TimerWorker({
    db,
    clock: { now: () => now },
    handlers: {
      deadline: async () => {
        const active = trace.getActiveSpan()?.spanContext();
        if (active) seen.push(active.traceId);
      },
    },
  });

  expect(await worker.fireDue()).toBe(0);
  expect(exporter.getFinishedSpans()).toHaveLength(0);

  await db.transaction((tx) => scheduleTimer(tx, { kind: "deadline", key: "r-1", dueAt: now }));
  expect(await worker.fireDue()).toBe(1);

  const spans = exporter.getFinishedSpans();
  expect(spans.map((span) => span.name)).toEqual(["timer deadline"]);
  expect(spans[0]?.attributes["kopru.timer.kind"]).toBe("deadline");
  expect(seen).toEqual([spans[0]?.spanContext().traceId]);
});
