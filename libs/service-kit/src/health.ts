import {
  type ChannelCredentials,
  type Client,
  credentials,
  makeClientConstructor,
  type ServiceDefinition,
  type ServiceError,
} from "@grpc/grpc-js";
import { service as healthService } from "grpc-health-check";

/** What the standard gRPC health check says about a service, or that nothing answers at all. */
export type HealthStatus = "SERVING" | "NOT_SERVING" | "UNKNOWN" | "SERVICE_UNKNOWN" | "UNREACHABLE";

/** A service did not report SERVING in time; `last` is the last answer (or UNREACHABLE). */
export class NotServingError extends Error {
  override readonly name = "NotServingError";
  constructor(
    readonly address: string,
    readonly last: HealthStatus,
    timeoutMs: number,
  ) {
    super(`${address} did not report SERVING within ${timeoutMs / 1000} s (last answer: ${last})`);
  }
}

type HealthClient = Client & {
  check(
    request: { service: string },
    options: { deadline: number },
    callback: (error: ServiceError | null, response?: { status?: string }) => void,
  ): void;
};

const HealthClientConstructor = makeClientConstructor(
  healthService as unknown as ServiceDefinition,
  "grpc.health.v1.Health",
) as unknown as new (
  address: string,
  creds: ChannelCredentials,
) => HealthClient;

const NOT_FOUND = 5;

/**
 * One `grpc.health.v1.Health/Check` call: the status of `service` ("" = the whole server). Health
 * needs no token, but the listener still wants TLS with a client certificate (`channelCredentials`).
 */
export function checkHealth(
  address: string,
  service = "",
  timeoutMs = 2_000,
  channel: ChannelCredentials = credentials.createInsecure(),
): Promise<HealthStatus> {
  const client = new HealthClientConstructor(address, channel);
  return new Promise<HealthStatus>((resolve) => {
    client.check({ service }, { deadline: Date.now() + timeoutMs }, (error, response) => {
      client.close();
      if (error) resolve(error.code === NOT_FOUND ? "SERVICE_UNKNOWN" : "UNREACHABLE");
      else resolve((response?.status as HealthStatus | undefined) ?? "UNKNOWN");
    });
  });
}

export interface WaitUntilServingOptions {
  /** Default 120 s. */
  timeoutMs?: number;
  /** Pause between checks; default 200 ms. */
  intervalMs?: number;
  /** Gives up at once (rejecting with the reason), e.g. when the process being waited for died. */
  signal?: AbortSignal;
  /** The TLS credentials the listener wants; plaintext when not given. */
  credentials?: ChannelCredentials;
}

/**
 * Resolves once the server at `address` reports SERVING: the readiness a launcher or a test waits
 * for, rather than a log line. A service binds its port early and says NOT_SERVING until its
 * database, streams, consumers and workers are up.
 */
export async function waitUntilServing(
  address: string,
  options: WaitUntilServingOptions = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const intervalMs = options.intervalMs ?? 200;
  const deadline = Date.now() + timeoutMs;
  let last: HealthStatus = "UNREACHABLE";
  for (;;) {
    options.signal?.throwIfAborted();
    last = await checkHealth(
      address,
      "",
      Math.min(2_000, Math.max(100, deadline - Date.now())),
      options.credentials,
    );
    if (last === "SERVING") return;
    options.signal?.throwIfAborted();
    if (Date.now() + intervalMs > deadline) throw new NotServingError(address, last, timeoutMs);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, intervalMs);
      options.signal?.addEventListener(
        "abort",
        () => {
          clearTimeout(timer);
          resolve();
        },
        { once: true },
      );
    });
  }
}
