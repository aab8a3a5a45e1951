export { createLogger, type Logger, type LoggerOptions, type LogLevel } from "./logger.js";
export {
  isRedactedLogKey,
  PII_LOG_KEYS,
  REDACTED,
  redactLogLine,
  redactPersonalData,
  SECRET_LOG_KEYS,
} from "./redact.js";
export { shutdownTelemetry } from "./shutdown.js";
export {
  extractTraceContext,
  getTracer,
  type HeaderCarrier,
  injectTraceContext,
  type MessagingSpanAttributes,
  withConsumerSpan,
  withProducerSpan,
} from "./tracing.js";
