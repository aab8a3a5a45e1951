import { mkdirSync } from "node:fs";
import { findNatsServerBinary, isPortOpen } from "@kopru/testing";
import { ChildStartError, type ManagedChild, spawnManaged } from "./processes.js";

export class NatsUnavailableError extends Error {
  override readonly name = "NatsUnavailableError";
}

export interface NatsHandle {
  url: string;
  /** The nats-server this launcher started, or undefined when one was already answering. */
  child: ManagedChild | undefined;
  storeDir: string | undefined;
}

function hostPort(url: string): { host: string; port: number } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new NatsUnavailableError(`NATS_URL "${url}" is not a URL like nats://127.0.0.1:4222`);
  }
  return { host: parsed.hostname || "127.0.0.1", port: Number(parsed.port || 4222) };
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

/**
 * Uses the NATS answering at `url`, or starts `nats-server -js` there (loopback only) with its
 * JetStream store under `storeDir`, so a second start finds the same streams.
 */
export async function ensureNats(
  url: string,
  storeDir: string,
  log: (line: string) => void,
): Promise<NatsHandle> {
  const { host, port } = hostPort(url);
  if (await isPortOpen(host, port, 1_000)) return { url, child: undefined, storeDir: undefined };
  if (!LOOPBACK.has(host)) {
    throw new NatsUnavailableError(
      `nothing answers at NATS_URL ${url}; the launcher starts a local nats-server only for 127.0.0.1`,
    );
  }
  const { binary, searched } = findNatsServerBinary();
  if (!binary) {
    throw new NatsUnavailableError(
      `nothing answers at ${url} and no nats-server binary was found (looked in ${searched.join(", ")}).\n` +
        "Install it with `apt-get install -y nats-server` (Debian/Ubuntu), " +
        "or point NATS_URL at a running NATS with JetStream.",
    );
  }
  mkdirSync(storeDir, { recursive: true });
  const child = spawnManaged({
    name: "nats",
    command: binary,
    args: ["-js", "-a", host === "localhost" ? "127.0.0.1" : host, "-p", String(port), "-sd", storeDir],
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
  return { url, child, storeDir };
}
