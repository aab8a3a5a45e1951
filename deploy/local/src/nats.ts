import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { provisionStreams } from "@kopru/bus";
import { NETWORK_LAYOUT } from "@kopru/events";
import { findNatsServerBinary } from "@kopru/nats-server";
import { JetStreamApiCodes, JetStreamApiError, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { ChildStartError, type ManagedChild, spawnManaged } from "./processes.js";

export class NatsUnavailableError extends Error {
  override readonly name = "NatsUnavailableError";
}

export interface NatsHandle {
  url: string;
  /** The nats-server this launcher started, or undefined for an external one (`NATS_URL`). */
  child: ManagedChild | undefined;
  storeDir: string | undefined;
}

function pidFile(storeDir: string): string {
  return join(storeDir, "nats-server.pid");
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Stops a nats-server that an earlier launcher started on this store dir and could not stop (it
 * was killed with SIGKILL): two servers must never share one JetStream store. Only a process whose
 * command line names this store dir is touched.
 */
export async function stopLeftoverNats(storeDir: string, log: (line: string) => void): Promise<void> {
  let pid: number;
  try {
    pid = Number(readFileSync(pidFile(storeDir), "utf8").trim());
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return;
  let commandLine = "";
  try {
    commandLine = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    return;
  }
  if (!commandLine.includes("nats-server") || !commandLine.includes(storeDir)) return;
  log(`NATS: stopping the nats-server (pid ${pid}) an earlier start left running on ${storeDir}`);
  process.kill(pid, "SIGTERM");
  const deadline = Date.now() + 5_000;
  while (alive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  if (alive(pid)) process.kill(pid, "SIGKILL");
}

/**
 * Starts the network's own `nats-server -js` on a free loopback port with its JetStream store under
 * `storeDir` (the data directory), so a second start finds the same streams and nothing else on the
 * machine (another demo, a test run) shares them.
 */
export async function startOwnNats(
  storeDir: string,
  log: (line: string) => void,
  confined: { configFile: string; port: number },
): Promise<NatsHandle> {
  const { binary, searched } = findNatsServerBinary();
  if (!binary) {
    throw new NatsUnavailableError(
      `no nats-server binary was found (looked in ${searched.join(", ")}).\n` +
        "Install it with `apt-get install -y nats-server` (Debian/Ubuntu), " +
        "or point NATS_URL at a running NATS with JetStream.",
    );
  }
  mkdirSync(storeDir, { recursive: true });
  await stopLeftoverNats(storeDir, log);
  rmSync(pidFile(storeDir), { force: true });
  const port = confined.port;
  const child = spawnManaged({
    name: "nats",
    command: binary,
    // The configuration file holds each service's user and permissions (ADR 0013); the command line
    // repeats where it listens and stores, so the pid file and the store are the launcher's to find.
    args: [
      "-c",
      confined.configFile,
      "-js",
      "-a",
      "127.0.0.1",
      "-p",
      String(port),
      "-sd",
      storeDir,
      "-P",
      pidFile(storeDir),
    ],
    cwd: storeDir,
    env: process.env,
    onLine: (line) => {
      if (/\[(ERR|FTL|WRN)\]/.test(line)) log(`[nats] ${line}`);
    },
  });
  try {
    await child.waitFor(/Server is ready/, 15_000, "being ready");
  } catch (error) {
    child.killNow();
    throw error instanceof ChildStartError
      ? new NatsUnavailableError(error.message, { cause: error })
      : error;
  }
  return { url: `nats://127.0.0.1:${port}`, child, storeDir };
}

/** Checks that the server at `url` answers with JetStream; the launcher never starts one there. */
export async function useExternalNats(url: string): Promise<NatsHandle> {
  try {
    const nc = await connect({ servers: url, timeout: 3_000, reconnect: false });
    try {
      await jetstreamManager(nc);
    } finally {
      await nc.close();
    }
  } catch (error) {
    throw new NatsUnavailableError(
      `NATS_URL ${url} does not answer with JetStream (${error instanceof Error ? error.message : String(error)}). ` +
        "Start it with `-js`, or unset NATS_URL to let the launcher run its own nats-server.",
      { cause: error },
    );
  }
  return { url, child: undefined, storeDir: undefined };
}

/** Names of the network's streams: the layout's streams and its dead-letter stream. */
export function networkStreamNames(): string[] {
  return [...NETWORK_LAYOUT.streams, NETWORK_LAYOUT.deadLetterStream].map((s) => s.name);
}

/**
 * `--fresh` on an external server: deletes the network's streams, and with them every durable
 * consumer on them, so the fresh services replay nothing that an earlier demo or a test run left.
 * Returns the streams that were there.
 */
export async function removeNetworkStreams(
  url: string,
  admin: { user: string; pass: string } | undefined = undefined,
): Promise<string[]> {
  const nc = await connect({ servers: url, timeout: 3_000, reconnect: false, ...admin });
  try {
    const jsm = await jetstreamManager(nc);
    const removed: string[] = [];
    for (const name of networkStreamNames()) {
      try {
        await jsm.streams.delete(name);
        removed.push(name);
      } catch (error) {
        if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound) continue;
        throw error;
      }
    }
    return removed;
  } finally {
    await nc.close();
  }
}

/**
 * Creates or updates the network's streams as the admin user: the services' own NATS users may
 * only look streams up (ADR 0013), so they wait for these.
 */
export async function provisionNetworkStreams(
  url: string,
  admin: { user: string; pass: string },
): Promise<void> {
  const nc = await connect({ servers: url, timeout: 5_000, reconnect: false, ...admin });
  try {
    await provisionStreams(await jetstreamManager(nc), NETWORK_LAYOUT);
  } finally {
    await nc.close();
  }
}
