import type { ExportResult } from "@opentelemetry/core";
import type { ReadableSpan, SpanExporter, TimedEvent } from "@opentelemetry/sdk-trace-base";

/**
 * What leaves the process in a span is ids, names, codes and where an error happened, never what
 * it said. An error's message can quote the data that caused it (a PostgreSQL data exception
 * quotes the input; a driver message can name a person), and spans go to a collector that is
 * not ours to guard. So exported spans keep each exception's type and stack frames and the
 * status code, and drop the exception messages, the first line of each stack and the status
 * message. The log line written inside the same span (same trace_id) tells what happened, after
 * the logger's redaction.
 */
const WITHHELD = "[withheld]";

function framesOnly(stack: string): string {
  return stack
    .split("\n")
    .filter((line) => /^\s+at\s/.test(line))
    .join("\n");
}

function scrubEvent(event: TimedEvent): TimedEvent {
  if (event.name !== "exception" || !event.attributes) return event;
  const attributes = { ...event.attributes };
  if ("exception.message" in attributes) attributes["exception.message"] = WITHHELD;
  const stack = attributes["exception.stacktrace"];
  if (typeof stack === "string") attributes["exception.stacktrace"] = framesOnly(stack);
  return { ...event, attributes };
}

/** The span as exported: the same span, with its error texts withheld. */
export function scrubSpan(span: ReadableSpan): ReadableSpan {
  const events = span.events.map(scrubEvent);
  const status = span.status.message ? { code: span.status.code } : span.status;
  return new Proxy(span, {
    get(target, property) {
      if (property === "events") return events;
      if (property === "status") return status;
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** Wraps the exporter that sends spans out of the process, so that only scrubbed spans reach it. */
export class ScrubbingSpanExporter implements SpanExporter {
  constructor(private readonly next: SpanExporter) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.next.export(spans.map(scrubSpan), resultCallback);
  }

  shutdown(): Promise<void> {
    return this.next.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.next.forceFlush?.() ?? Promise.resolve();
  }
}
