import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** An attribute value as OTLP/JSON writes it. */
export interface OtlpValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number;
  arrayValue?: { values?: OtlpValue[] };
  kvlistValue?: { values?: OtlpAttribute[] };
  bytesValue?: string;
}

export interface OtlpAttribute {
  key: string;
  value: OtlpValue;
}

/** A span as the receiver keeps it: OTLP/JSON fields plus the resource it came with. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  /** 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  attributes?: OtlpAttribute[];
  events?: { name: string; attributes?: OtlpAttribute[] }[];
  links?: { traceId: string; spanId: string; attributes?: OtlpAttribute[] }[];
  status?: { code?: number; message?: string };
  resource: OtlpAttribute[];
  service: string;
}

export const SpanKind = { internal: 1, server: 2, client: 3, producer: 4, consumer: 5 } as const;

interface ExportRequest {
  resourceSpans?: {
    resource?: { attributes?: OtlpAttribute[] };
    scopeSpans?: { spans?: Omit<ReceivedSpan, "resource" | "service">[] }[];
  }[];
}

/**
 * A local OTLP/HTTP trace receiver (JSON encoding: `OTEL_EXPORTER_OTLP_PROTOCOL=http/json`), standing
 * in for a collector: services export to `endpoint`, tests read `spans`.
 */
export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  private readonly server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      if (request.url === "/v1/traces") this.receive(JSON.parse(Buffer.concat(chunks).toString("utf8")));
      response.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });

  private constructor() {}

  static async start(): Promise<OtlpReceiver> {
    const receiver = new OtlpReceiver();
    await new Promise<void>((resolve) => receiver.server.listen(0, "127.0.0.1", resolve));
    return receiver;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private receive(body: ExportRequest): void {
    for (const { resource, scopeSpans } of body.resourceSpans ?? []) {
      const attributes = resource?.attributes ?? [];
      const service = attributes.find((a) => a.key === "service.name")?.value.stringValue ?? "(unnamed)";
      for (const scope of scopeSpans ?? []) {
        for (const span of scope.spans ?? []) this.spans.push({ ...span, resource: attributes, service });
      }
    }
  }

  /** The environment that points a service's OpenTelemetry SDK here, exporting promptly. */
  exporterEnv(): Record<string, string> {
    return {
      OTEL_EXPORTER_OTLP_ENDPOINT: this.endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_METRICS_EXPORTER: "none",
      OTEL_BSP_SCHEDULE_DELAY: "200",
    };
  }

  trace(traceId: string): ReceivedSpan[] {
    return this.spans.filter((span) => span.traceId === traceId);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** Every string an attribute list holds, nested values included. */
export function attributeStrings(attributes: readonly OtlpAttribute[] = []): string[] {
  const strings: string[] = [];
  const visit = (value: OtlpValue | undefined) => {
    if (!value) return;
    if (value.stringValue !== undefined) strings.push(value.stringValue);
    if (value.bytesValue !== undefined)
      strings.push(Buffer.from(value.bytesValue, "base64").toString("utf8"));
    for (const inner of value.arrayValue?.values ?? []) visit(inner);
    for (const inner of value.kvlistValue?.values ?? []) {
      strings.push(inner.key);
      visit(inner.value);
    }
  };
  for (const attribute of attributes) {
    strings.push(attribute.key);
    visit(attribute.value);
  }
  return strings;
}
