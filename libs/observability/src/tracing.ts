import {
  type Attributes,
  type AttributeValue,
  type Context,
  context,
  type Link,
  propagation,
  type Span,
  SpanKind,
  type SpanOptions,
  SpanStatusCode,
  type TextMapGetter,
  type TextMapSetter,
  type Tracer,
  trace,
} from "@opentelemetry/api";

/**
 * Message headers as NATS `MsgHdrs` expose them (`get` returns "" when absent). Declared here
 * so this library does not depend on a NATS client.
 */
export interface HeaderCarrier {
  get(key: string): string;
  set(key: string, value: string): void;
  keys(): string[];
}

const getter: TextMapGetter<HeaderCarrier> = {
  get: (carrier, key) => carrier.get(key) || undefined,
  keys: (carrier) => carrier.keys(),
};

const setter: TextMapSetter<HeaderCarrier> = {
  set: (carrier, key, value) => carrier.set(key, value),
};

/** Writes the context's trace headers (W3C `traceparent`/`tracestate` by default) into `headers`. */
export function injectTraceContext(headers: HeaderCarrier, from: Context = context.active()): void {
  propagation.inject(from, headers, setter);
}

/** The context carried by `headers`, on top of `base` (the active context by default). */
export function extractTraceContext(headers: HeaderCarrier, base: Context = context.active()): Context {
  return propagation.extract(base, headers, getter);
}

export function getTracer(name: string, version?: string): Tracer {
  return trace.getTracer(name, version);
}

const tracer = () => trace.getTracer("@kopru/observability");

/**
 * What a messaging span says about the message. Extra keys become span attributes as they
 * are: use ids and codes only, never personal data.
 */
export interface MessagingSpanAttributes {
  /** The NATS subject. */
  destination: string;
  messageId?: string;
  /** The durable consumer's name, for consumer spans. */
  consumerGroup?: string;
  [attribute: string]: AttributeValue | undefined;
}

function semanticAttributes(
  { destination, messageId, consumerGroup, ...extra }: MessagingSpanAttributes,
  operation: { type: "send" | "process"; name: string },
): Attributes {
  return {
    ...extra,
    "messaging.system": "nats",
    "messaging.destination.name": destination,
    "messaging.operation.type": operation.type,
    "messaging.operation.name": operation.name,
    ...(messageId === undefined ? {} : { "messaging.message.id": messageId }),
    ...(consumerGroup === undefined ? {} : { "messaging.consumer.group.name": consumerGroup }),
  };
}

async function runInSpan<T>(
  span: Span,
  spanContext: Context,
  fn: (span: Span) => T | Promise<T>,
): Promise<T> {
  try {
    return await context.with(spanContext, () => fn(span));
  } catch (error) {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({
      code: SpanStatusCode.ERROR,
      message: error instanceof Error ? error.message : String(error),
    });
    throw error;
  } finally {
    span.end();
  }
}

/**
 * Runs `fn` in a new span of `tracer`, the active one while `fn` runs: an error it throws is
 * recorded on the span and rethrown, and the span ends either way.
 */
export function withSpan<T>(
  tracer: Tracer,
  name: string,
  options: SpanOptions,
  fn: (span: Span) => T | Promise<T>,
): Promise<T> {
  const span = tracer.startSpan(name, options);
  return runInSpan(span, trace.setSpan(context.active(), span), fn);
}

/**
 * Runs `fn` in a PRODUCER span after writing that span's context into `headers`, so publish
 * the message inside `fn` with those headers. Name it `publish <subject>`.
 */
export function withProducerSpan<T>(
  name: string,
  attributes: MessagingSpanAttributes,
  headers: HeaderCarrier,
  fn: (span: Span) => T | Promise<T>,
): Promise<T> {
  const span = tracer().startSpan(name, {
    kind: SpanKind.PRODUCER,
    attributes: semanticAttributes(attributes, { type: "send", name: "publish" }),
  });
  const spanContext = trace.setSpan(context.active(), span);
  injectTraceContext(headers, spanContext);
  return runInSpan(span, spanContext, fn);
}

/**
 * Runs `fn` in a CONSUMER span that continues the trace carried by `headers`: the producer
 * span is its parent and also its link (the semantic conventions' shape for batch consumers,
 * kept so both views work). Name it `process <subject>`.
 */
export function withConsumerSpan<T>(
  name: string,
  attributes: MessagingSpanAttributes,
  headers: HeaderCarrier,
  fn: (span: Span) => T | Promise<T>,
): Promise<T> {
  const parent = extractTraceContext(headers);
  const producer = trace.getSpanContext(parent);
  const links: Link[] = producer && trace.isSpanContextValid(producer) ? [{ context: producer }] : [];
  const span = tracer().startSpan(
    name,
    {
      kind: SpanKind.CONSUMER,
      attributes: semanticAttributes(attributes, { type: "process", name: "process" }),
      links,
    },
    parent,
  );
  return runInSpan(span, trace.setSpan(parent, span), fn);
}
