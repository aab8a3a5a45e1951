import { randomBytes } from "node:crypto";
import {
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
} from "@nats-io/jetstream";
import { connect, type NatsConnection, type NodeConnectionOptions } from "@nats-io/transport-node";
import { containerEngineAvailable, startNatsContainer } from "./containers.js";
import { NatsUnavailableError } from "./errors.js";
import { memoisePerProcess, registerTeardown } from "./memo.js";
import { describeError, natsUnavailableMessage } from "./messages.js";
import { findNatsServerBinary, startNatsServer } from "./nats-server.js";
import type { ServerSource } from "./servers.js";

export interface NatsServerInfo {
  /** Client URL, e.g. `nats://127.0.0.1:4222`. */
  url: string;
  /** Which step of the resolution order answered. */
  source: ServerSource;
}

/** Connects, checks JetStream is enabled, disconnects; throws why when it is not usable. */
async function probeJetStream(url: string): Promise<void> {
  const nc = await connect({ servers: url, timeout: 2_000, reconnect: false });
  try {
    await jetstreamManager(nc);
  } finally {
    await nc.close();
  }
}

export interface ResolveNatsOptions {
  /** The nats-server binary to start (empty: none); default: `NATS_SERVER_BIN`, PATH, /usr/sbin/nats-server. */
  binary?: string | undefined;
}

/**
 * The resolution itself, uncached. A run never shares a broker it did not ask for: without an
 * explicit `NATS_URL` it starts a nats-server of its own (store in a temp dir), so no test writes
 * to the streams or durable consumers of a demo, or of another run, on the machine's server.
 */
export async function resolveNats(options: ResolveNatsOptions = {}): Promise<NatsServerInfo> {
  const fromEnv = process.env.NATS_URL;
  if (fromEnv) {
    try {
      await probeJetStream(fromEnv);
    } catch (error) {
      throw new NatsUnavailableError(
        natsUnavailableMessage({ kind: "env-unusable", url: fromEnv, detail: describeError(error) }),
        { cause: error },
      );
    }
    return { url: fromEnv, source: "env" };
  }

  const found =
    options.binary !== undefined
      ? { binary: options.binary || undefined, searched: [options.binary] }
      : findNatsServerBinary();
  if (found.binary) {
    const server = await startNatsServer({ binary: found.binary });
    registerTeardown(server.close);
    return { url: server.url, source: "started" };
  }

  if (await containerEngineAvailable()) {
    const started = await startNatsContainer();
    registerTeardown(started.stop);
    return { url: started.url, source: "container" };
  }

  throw new NatsUnavailableError(natsUnavailableMessage({ kind: "no-server", searched: found.searched }));
}

const natsMemo = memoisePerProcess("nats", () => resolveNats());

/**
 * The NATS server tests use, resolved once per process: `NATS_URL` when set, else a nats-server
 * started here with its store in a temp dir, else a `nats:2.10 -js` container when no binary is
 * installed but a container engine answers. What was started stops at process exit or at
 * `stopTestServers()`.
 */
export function natsServer(): Promise<NatsServerInfo> {
  return natsMemo.get();
}

export function resetNatsResolution(): void {
  natsMemo.reset();
}

export interface ConnectNatsOptions extends Omit<NodeConnectionOptions, "servers"> {
  /** Server to use, or a cluster's servers separated by commas; default `natsServer()`. */
  url?: string;
}

export interface NatsTestConnection {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  url: string;
  /** Closes the connection; safe to call twice. */
  close(): Promise<void>;
}

/** A real JetStream connection. Close it in teardown; streams are yours to delete (`deleteStreams`). */
export async function connectNats(options: ConnectNatsOptions = {}): Promise<NatsTestConnection> {
  const { url: given, ...rest } = options;
  const url = given ?? (await natsServer()).url;
  const nc = await connect({ name: "kopru-test", ...rest, servers: url.split(",") });
  const jsm = await jetstreamManager(nc);
  return {
    nc,
    js: jetstream(nc),
    jsm,
    url,
    close: async () => {
      if (!nc.isClosed()) await nc.close();
    },
  };
}

/**
 * `KOPRU_T_<prefix>_<random>`: valid as a stream, consumer and subject token (no dots or
 * wildcards), and unique, so tests sharing one server never see each other's streams.
 */
export function uniqueName(prefix: string): string {
  const safe = prefix.replace(/[^A-Za-z0-9_-]/g, "_");
  return `KOPRU_T_${safe}_${randomBytes(6).toString("hex").toUpperCase()}`;
}

/** Deletes streams, ignoring ones already gone, so it can sit in `afterEach` unconditionally. */
export async function deleteStreams(jsm: JetStreamManager, names: Iterable<string>): Promise<void> {
  for (const name of names) {
    try {
      await jsm.streams.delete(name);
    } catch (error) {
      if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound) continue;
      throw error;
    }
  }
}
