export { serializeError } from "./error-serializer.js";
export { createLogger, type Logger, type LoggerOptions, type LogLevel } from "./logger.js";
export {
  DRIVER_ERROR_LOG_KEYS,
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
  withSpan,
} from "./tracing.js";
