import { SpanStatusCode } from "@opentelemetry/api";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { describe, expect, it } from "vitest";
import { ScrubbingSpanExporter } from "./span-scrub.js";

// A span that failed on a data exception quoting a person's name, exported as a collector sees it.
describe("spans leaving the process", () => {
  const canary = `Canary-${Math.random().toString(36).slice(2)}`;

  function exportFailedSpan() {
    const memory = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      spanProcessors: [new SimpleSpanProcessor(new ScrubbingSpanExporter(memory))],
    });
    const span = provider.getTracer("test").startSpan("pg.query:INSERT kopru");
    span.setAttribute("db.system", "postgresql");
    const error = new Error(`invalid input syntax for type uuid: "${canary}"`);
    error.name = "DatabaseError";
    span.recordException(error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
    span.end();
    const [exported] = memory.getFinishedSpans();
    if (!exported) throw new Error("no span was exported");
    return exported;
  }

  it("carry no error message: not in the exception event, its stack, or the status", () => {
    const span = exportFailedSpan();
    expect(
      JSON.stringify({ events: span.events, status: span.status, attributes: span.attributes }),
    ).not.toContain(canary);
  });

  it("keep what says where and which kind of failure: the exception type, stack frames and status code", () => {
    const span = exportFailedSpan();
    const exception = span.events.find((event) => event.name === "exception");
    expect(exception?.attributes?.["exception.type"]).toBe("DatabaseError");
    expect(exception?.attributes?.["exception.stacktrace"]).toMatch(/^\s+at\s/);
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.name).toBe("pg.query:INSERT kopru");
    expect(span.attributes["db.system"]).toBe("postgresql");
    expect(span.spanContext().traceId).toMatch(/^[0-9a-f]{32}$/);
  });
});
