import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { findNatsServerBinary, freePort } from "@kopru/nats-server";

export { findNatsServerBinary } from "@kopru/nats-server";

import { reapOnExit, removeOnExit } from "./cleanup.js";
import { NatsServerStartError } from "./errors.js";

export interface StartNatsServerOptions {
  /** Enable JetStream (`-js`). Default true: every Köprü test needs it. */
  jetstream?: boolean;
  /** Listen port. Default: a free port, kept across `restart()`. */
  port?: number;
  /** JetStream store dir. Default: a fresh temp dir, removed by `close()` (not by `stop()`). */
  storeDir?: string;
  /** Path of the binary. Default: `NATS_SERVER_BIN`, then PATH, then /usr/sbin/nats-server. */
  binary?: string;
  /** Extra command-line arguments, appended as given. */
  args?: readonly string[];
  /** How long to wait for "Server is ready". Default 15 000 ms. */
  startTimeoutMs?: number;
}

export interface NatsServerProcess {
  /** `nats://127.0.0.1:<port>`; stays the same across restarts. */
  readonly url: string;
  readonly port: number;
  readonly storeDir: string | undefined;
  /** Pid of the current process, undefined while stopped. */
  readonly pid: number | undefined;
  readonly running: boolean;
  /** Graceful stop (SIGTERM, so JetStream flushes); SIGKILL if it lingers past 5 s. */
  stop(): Promise<void>;
  /** SIGKILL: a crash, nothing flushed, for outage tests. */
  kill(): Promise<void>;
  /** Stops it if running, then starts it again on the same port and store dir. */
  restart(): Promise<void>;
  /** Stops it and removes the store dir when the helper created it. Safe to call twice. */
  close(): Promise<void>;
  /** The last output lines (both streams), for debugging a failing test. */
  logs(): readonly string[];
}

const LOG_LINES_KEPT = 200;

/**
 * Starts a nats-server that the test owns, so it can stop, crash and restart the broker to test
 * outages without disturbing the shared server other tests use.
 */
export async function startNatsServer(options: StartNatsServerOptions = {}): Promise<NatsServerProcess> {
  const jetstream = options.jetstream ?? true;
  const binary = options.binary ?? findNatsServerBinary().binary;
  if (!binary) {
    throw new NatsServerStartError(
      "No nats-server binary on PATH or at /usr/sbin/nats-server. Install it with `apt-get install -y nats-server`.",
    );
  }
  const port = options.port ?? (await freePort());
  const ownsStoreDir = jetstream && options.storeDir === undefined;
  const storeDir = jetstream ? (options.storeDir ?? mkdtempSync(join(tmpdir(), "kopru-nats-"))) : undefined;
  const args = ["-a", "127.0.0.1", "-p", String(port)];
  if (jetstream) args.push("-js", "-sd", storeDir as string);
  args.push(...(options.args ?? []));
  const startTimeoutMs = options.startTimeoutMs ?? 15_000;

  const logs: string[] = [];
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let closed = false;

  // A forgotten close() must not leave the store dir behind the test run.
  const forgetDir = ownsStoreDir && storeDir ? removeOnExit(storeDir) : () => {};

  const start = async (): Promise<void> => {
    const proc = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] });
    child = proc;
    const forgetPid = reapOnExit(proc.pid);
    let onLine: ((line: string) => void) | undefined;
    const keep = (line: string) => {
      logs.push(line);
      if (logs.length > LOG_LINES_KEPT) logs.shift();
      onLine?.(line);
    };
    for (const stream of [proc.stdout, proc.stderr]) {
      if (stream) createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on("line", keep);
    }
    exited = new Promise((resolve) => {
      const gone = () => {
        forgetPid();
        if (child === proc) child = undefined;
        resolve();
      };
      proc.once("exit", gone);
      // A spawn that fails (no binary, no permission) emits "error" and never "exit".
      proc.once("error", () => {
        if (proc.pid === undefined) gone();
      });
    });

    await new Promise<void>((resolve, reject) => {
      const settle = () => {
        clearTimeout(timer);
        onLine = undefined;
        proc.off("exit", onExit);
      };
      const fail = (why: string, cause?: unknown) => {
        settle();
        proc.kill("SIGKILL");
        reject(
          new NatsServerStartError(
            `nats-server (${binary} ${args.join(" ")}) ${why}. Last output:\n${logs.slice(-20).join("\n")}`,
            cause === undefined ? undefined : { cause },
          ),
        );
      };
      const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
        fail(`exited during start (code ${code}, signal ${signal})`);
      const timer = setTimeout(() => fail(`was not ready after ${startTimeoutMs} ms`), startTimeoutMs);
      onLine = (line) => {
        if (line.includes("Server is ready")) {
          settle();
          resolve();
        }
      };
      // Kept for the process's lifetime: a later spawn/kill error must not become an uncaught event.
      proc.on("error", (error) => fail("could not be spawned", error));
      proc.once("exit", onExit);
    });
  };

  const signalAndWait = async (signal: NodeJS.Signals, graceMs: number): Promise<void> => {
    const proc = child;
    if (!proc) return;
    proc.kill(signal);
    const timer = setTimeout(() => proc.kill("SIGKILL"), graceMs);
    await exited;
    clearTimeout(timer);
  };

  try {
    await start();
  } catch (error) {
    if (ownsStoreDir && storeDir) rmSync(storeDir, { recursive: true, force: true });
    forgetDir();
    throw error;
  }

  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    get pid() {
      return child?.pid;
    },
    get running() {
      return child !== undefined;
    },
    logs: () => [...logs],
    stop: () => signalAndWait("SIGTERM", 5_000),
    kill: () => signalAndWait("SIGKILL", 0),
    async restart() {
      if (closed) throw new NatsServerStartError("restart() after close(): start a new server instead");
      await signalAndWait("SIGTERM", 5_000);
      await start();
    },
    async close() {
      if (closed) return;
      closed = true;
      await signalAndWait("SIGTERM", 5_000);
      if (ownsStoreDir && storeDir) rmSync(storeDir, { recursive: true, force: true });
      forgetDir();
    },
  };
}
