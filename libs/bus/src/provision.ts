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
import { ConnectionError, NoRespondersError, nanos, RequestError, TimeoutError } from "@nats-io/nats-core";
import pRetry from "p-retry";
import { type BusLayout, type StreamDefinition, validateLayout } from "./layout.js";
import type { RelayLogger } from "./outbox.js";

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

function streamConfig(definition: StreamDefinition): Partial<StreamConfig> & { name: string } {
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

async function provisionStream(jsm: JetStreamManager, definition: StreamDefinition): Promise<void> {
  const config = streamConfig(definition);
  const existing = await streamInfo(jsm, definition.name);
  if (!existing) {
    try {
      await jsm.streams.add(config);
    } catch (error) {
      // Another instance created it between our look and our add.
      if (isTransientBrokerError(error) || !(await streamInfo(jsm, definition.name))) throw error;
    }
    return;
  }
  const current = existing.config;
  const changed =
    current.max_age !== config.max_age ||
    current.duplicate_window !== config.duplicate_window ||
    current.subjects.join(",") !== config.subjects?.join(",");
  if (changed) await jsm.streams.update(definition.name, config);
}

/**
 * Creates or updates every stream of the layout. Idempotent: every service may call it at every
 * start, in any order. A broker that does not answer yet (starting, restarting, overloaded) is
 * waited for; only a refusal fails.
 */
export async function provisionStreams(
  jsm: JetStreamManager,
  layout: BusLayout,
  options: BrokerRetryOptions = {},
): Promise<void> {
  validateLayout(layout);
  for (const definition of [...layout.streams, layout.deadLetterStream]) {
    await untilBrokerAnswers(`stream ${definition.name}`, () => provisionStream(jsm, definition), options);
  }
}
