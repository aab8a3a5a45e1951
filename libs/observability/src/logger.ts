import { hostname } from "node:os";
import { isSpanContextValid, trace } from "@opentelemetry/api";
import { type DestinationStream, type LevelWithSilent, type Logger as PinoLogger, pino } from "pino";
import { serializeError } from "./error-serializer.js";
import { redactLogLine } from "./redact.js";

export type Logger = PinoLogger;
export type LogLevel = LevelWithSilent;

export interface LoggerOptions {
  /** Written as `service` on every line. */
  service: string;
  level?: LogLevel;
  /** Defaults to stdout. Tests pass a memory stream. */
  destination?: DestinationStream;
}

/**
 * A pino logger whose every line, child bindings and serializer output included, is checked
 * for the keys in `PII_LOG_KEYS` / `SECRET_LOG_KEYS` at any depth. The message string is not
 * checked: never interpolate personal data into it. Errors under `err` or `error` lose what a
 * database driver quotes from the data (see `serializeError`). Inside an active span, lines carry
 * `trace_id` and `span_id` so logs and traces join up.
 */
export function createLogger({ service, level = "info", destination }: LoggerOptions): Logger {
  const options = {
    level,
    base: { service, pid: process.pid, hostname: hostname() },
    hooks: { streamWrite: redactLogLine },
    serializers: { err: serializeError, error: serializeError },
    mixin() {
      const span = trace.getActiveSpan();
      if (!span) return {};
      const context = span.spanContext();
      if (!isSpanContextValid(context)) return {};
      return { trace_id: context.traceId, span_id: context.spanId };
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
