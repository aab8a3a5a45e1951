import {
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamManager,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
  type StreamInfo,
} from "@nats-io/jetstream";
import {
  ConnectionError,
  NoRespondersError,
  nanos,
  PermissionViolationError,
  RequestError,
  TimeoutError,
} from "@nats-io/nats-core";
import pRetry from "p-retry";
import { StreamsNotProvisionedError } from "./errors.js";
import { type BusLayout, type StreamDefinition, validateLayout } from "./layout.js";
import type { RelayLogger } from "./outbox.js";
import { sleep } from "./retry.js";

/**
 * Whether a broker answer means "not now" rather than "no": a JetStream API request that timed
 * out, found no responder (JetStream still starting, or the server restarting), was cut by a lost
 * connection, or was answered 503 (JetStream temporarily unavailable). Looks through `cause`, where
 * the client wraps the original error (it reports "no responders" on the JetStream API as
 * "JetStream not enabled", with the no-responders error as the cause).
 */
export function isTransientBrokerError(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof TimeoutError || e instanceof NoRespondersError || e instanceof ConnectionError)
      return true;
    if (e instanceof RequestError && e.isNoResponders()) return true;
    if (e instanceof JetStreamApiError && e.status === 503) return true;
  }
  return false;
}

export interface BrokerRetryOptions {
  /** Told about each transient failure before the next try. */
  logger?: RelayLogger | undefined;
  /** Stops retrying (the promise rejects with the abort reason). */
  signal?: AbortSignal | undefined;
  /** First delay; it doubles (with jitter) up to `maxDelayMs`. Default 250 ms. */
  minDelayMs?: number;
  /** Longest delay between two tries. Default 5 s. */
  maxDelayMs?: number;
}

/**
 * Runs one broker step until the broker answers it: a transient failure is retried with capped,
 * jittered exponential backoff for as long as it takes (the service stays NOT_SERVING meanwhile),
 * any other failure is thrown at once. The step must be safe to run again from the top.
 */
export function untilBrokerAnswers<T>(
  what: string,
  step: () => Promise<T>,
  options: BrokerRetryOptions = {},
): Promise<T> {
  return pRetry(step, {
    retries: Number.POSITIVE_INFINITY,
    minTimeout: options.minDelayMs ?? 250,
    maxTimeout: options.maxDelayMs ?? 5_000,
    randomize: true,
    signal: options.signal,
    shouldRetry: ({ error }) => isTransientBrokerError(error),
    onFailedAttempt: ({ error, attemptNumber, retryDelay }) => {
      if (!isTransientBrokerError(error)) return;
      options.logger?.warn(
        { err: error, attempt: attemptNumber, retryInMs: retryDelay },
        `${what}: the broker did not answer; trying again`,
      );
    },
  });
}

/** A stream's JetStream configuration, as provisioning creates it (also written out for `nats stream add --config`). */
export function streamConfig(definition: StreamDefinition): Partial<StreamConfig> & { name: string } {
  return {
    name: definition.name,
    subjects: [...definition.subjects],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    max_age: nanos(definition.maxAgeMs),
    duplicate_window: nanos(definition.duplicateWindowMs),
    num_replicas: definition.replicas ?? 1,
  };
}

/** The stream's info, or undefined when it does not exist; any other failure is thrown. */
async function streamInfo(jsm: JetStreamManager, name: string): Promise<StreamInfo | undefined> {
  try {
    return await jsm.streams.info(name);
  } catch (error) {
    if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound)
      return undefined;
    throw error;
  }
}

/** Where a stream differs from its definition, in words; empty when it is as declared. */
function differences(current: StreamConfig, expected: Partial<StreamConfig>): string[] {
  const found: string[] = [];
  if (current.max_age !== expected.max_age)
    found.push(`max_age ${current.max_age} ns, expected ${expected.max_age} ns`);
  if (current.duplicate_window !== expected.duplicate_window) {
    found.push(`duplicate_window ${current.duplicate_window} ns, expected ${expected.duplicate_window} ns`);
  }
  if (current.subjects.join(",") !== expected.subjects?.join(",")) {
    found.push(`subjects ${current.subjects.join(",")}, expected ${expected.subjects?.join(",")}`);
  }
  return found;
}

/** Whether the broker refused a request because this NATS user may not send it. */
export function isPermissionError(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof PermissionViolationError) return true;
  }
  return false;
}

/** Created or updated it; "refused" when this user may not manage streams. */
async function provisionStream(
  jsm: JetStreamManager,
  definition: StreamDefinition,
): Promise<"ready" | "refused"> {
  const config = streamConfig(definition);
  const existing = await streamInfo(jsm, definition.name);
  try {
    if (!existing) {
      try {
        await jsm.streams.add(config);
      } catch (error) {
        // Another instance created it between our look and our add.
        if (
          isPermissionError(error) ||
          isTransientBrokerError(error) ||
          !(await streamInfo(jsm, definition.name))
        )
          throw error;
      }
      return "ready";
    }
    if (differences(existing.config, config).length > 0) {
      // A stream the admin replicated across a cluster (R3 in production, deploy/kubernetes) stays so
      // when a service brings its other settings up to date; only a definition's own count changes it.
      const replicas = definition.replicas ?? existing.config.num_replicas;
      await jsm.streams.update(definition.name, { ...config, num_replicas: replicas });
    }
    return "ready";
  } catch (error) {
    if (isPermissionError(error)) return "refused";
    throw error;
  }
}

export interface ProvisionOptions extends BrokerRetryOptions {
  /**
   * How long a NATS user that may not manage streams (a service confined to its subjects, ADR 0013)
   * waits for someone with the right (the admin: launcher, deploy job) to provision them. Default 120 s.
   */
  awaitProvisionedMs?: number;
  /** Pause between two looks while waiting. Default 500 ms. */
  pollMs?: number;
}

/**
 * Creates or updates every stream of the layout. Idempotent: every service may call it at every
 * start, in any order. A broker that does not answer yet (starting, restarting, overloaded) is
 * waited for; only a refusal fails. A user the broker does not let manage streams (a confined
 * service) instead waits, up to `awaitProvisionedMs`, until every stream exists as declared, and
 * then fails with `StreamsNotProvisionedError`.
 */
export async function provisionStreams(
  jsm: JetStreamManager,
  layout: BusLayout,
  options: ProvisionOptions = {},
): Promise<void> {
  validateLayout(layout);
  const refused: StreamDefinition[] = [];
  for (const definition of [...layout.streams, layout.deadLetterStream]) {
    const outcome = await untilBrokerAnswers(
      `stream ${definition.name}`,
      () => provisionStream(jsm, definition),
      options,
    );
    if (outcome === "refused") refused.push(definition);
  }
  if (refused.length > 0) await awaitProvisioned(jsm, refused, options);
}

async function awaitProvisioned(
  jsm: JetStreamManager,
  definitions: readonly StreamDefinition[],
  options: ProvisionOptions,
): Promise<void> {
  const waitMs = options.awaitProvisionedMs ?? 120_000;
  const pollMs = options.pollMs ?? 500;
  const deadline = Date.now() + waitMs;
  options.logger?.warn(
    { streams: definitions.map((d) => d.name), waitMs },
    "this NATS user may not create or update streams; waiting for the admin to provision them as declared",
  );
  let pending = [...definitions];
  let why = new Map<string, string>();
  for (;;) {
    const stillPending: StreamDefinition[] = [];
    why = new Map();
    for (const definition of pending) {
      let info: StreamInfo | undefined;
      try {
        info = await streamInfo(jsm, definition.name);
      } catch (error) {
        if (!isTransientBrokerError(error)) throw error;
        why.set(definition.name, `the broker did not answer (${String(error)})`);
        stillPending.push(definition);
        continue;
      }
      const found = info ? differences(info.config, streamConfig(definition)) : ["it does not exist"];
      if (found.length > 0) {
        why.set(definition.name, found.join("; "));
        stillPending.push(definition);
      }
    }
    pending = stillPending;
    if (pending.length === 0) {
      options.logger?.info(
        { streams: definitions.map((d) => d.name) },
        "streams provisioned by the admin are ready",
      );
      return;
    }
    options.signal?.throwIfAborted();
    if (Date.now() + pollMs > deadline) {
      throw new StreamsNotProvisionedError(
        `streams not provisioned as declared after ${waitMs} ms, and this NATS user may not provision them: ${[
          ...why,
        ]
          .map(([name, reason]) => `${name} (${reason})`)
          .join(", ")}. Provision them with the admin user (the launcher or the deploy job does).`,
        [...why.keys()],
      );
    }
    await sleep(pollMs, options.signal);
  }
}
