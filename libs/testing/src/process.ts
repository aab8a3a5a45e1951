import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { basename, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath, pathToFileURL } from "node:url";
import { reapOnExit } from "./cleanup.js";
import { ProcessExitedError, WaitForTimeoutError } from "./errors.js";

export interface OutputLine {
  stream: "stdout" | "stderr";
  text: string;
}

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SpawnNodeProcessOptions {
  /** Merged over the parent's environment; `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
  /** Arguments after the entry (`process.argv.slice(2)` in the child). */
  args?: readonly string[];
  /** Extra Node flags, before the entry (e.g. `--enable-source-maps`). */
  nodeArgs?: readonly string[];
  /** Working directory; a relative entry is resolved against it. Default `process.cwd()`. */
  cwd?: string;
  /** Copy the child's lines to stderr, prefixed. Default: on when `KOPRU_TEST_ECHO=1`. */
  echo?: boolean;
}

export interface WaitForLineOptions {
  /** Default 15 000 ms: a TypeScript entry compiles on start. */
  timeoutMs?: number;
  /** Only look at this stream. Default both. */
  stream?: "stdout" | "stderr";
  /** Only lines at or after this index of `lines` (pass `lines.length` to skip what came before). */
  fromLine?: number;
}

export interface SpawnedProcess {
  readonly pid: number | undefined;
  /** Every output line so far, both streams, in arrival order. */
  readonly lines: readonly OutputLine[];
  /** Whether the process has not exited yet. */
  readonly running: boolean;
  /** Resolves (never rejects) when the process has exited. */
  readonly exited: Promise<ProcessExit>;
  stdout(): string[];
  stderr(): string[];
  /**
   * Resolves with the first matching line's match, including lines printed before the call (so
   * there is no race with a fast child). Rejects when the process exits first or on timeout.
   */
  waitForLine(pattern: RegExp | string, options?: WaitForLineOptions): Promise<RegExpExecArray>;
  /** Sends a signal (default SIGTERM) and resolves when the process has exited. */
  kill(signal?: NodeJS.Signals): Promise<ProcessExit>;
}

// Resolved from this package, so a service or test using the helper needs no tsx of its own.
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

/**
 * Runs a TypeScript entry as a separate Node process (`node --import tsx --conditions=kopru-source
 * entry.ts`), so workspace packages resolve to source as in tests. Node itself is the child (no
 * `tsx` CLI wrapper), so a signal reaches the code under test directly: SIGKILL really is a crash.
 */
export function spawnNodeProcess(entry: string | URL, options: SpawnNodeProcessOptions = {}): SpawnedProcess {
  const cwd = options.cwd ?? process.cwd();
  const entryPath = entry instanceof URL ? fileURLToPath(entry) : resolve(cwd, entry);
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  const echo = options.echo ?? process.env.KOPRU_TEST_ECHO === "1";
  const label = basename(entryPath);

  const child = spawn(
    process.execPath,
    [
      "--import",
      tsxLoader,
      "--conditions=kopru-source",
      ...(options.nodeArgs ?? []),
      entryPath,
      ...(options.args ?? []),
    ],
    { cwd, env, stdio: ["ignore", "pipe", "pipe"] },
  );

  const lines: OutputLine[] = [];
  const listeners = new Set<(line: OutputLine, index: number) => void>();
  for (const stream of ["stdout", "stderr"] as const) {
    const input = child[stream];
    if (!input) continue;
    createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY }).on("line", (text) => {
      const line = { stream, text };
      lines.push(line);
      if (echo) process.stderr.write(`[${label} ${stream}] ${text}\n`);
      for (const listener of listeners) listener(line, lines.length - 1);
    });
  }

  let result: ProcessExit | undefined;
  // A child a test forgot to kill must not outlive the test process.
  const unregister = reapOnExit(child.pid);
  const exited = new Promise<ProcessExit>((resolveExit) => {
    const finish = (exit: ProcessExit) => {
      if (result) return;
      result = exit;
      unregister();
      resolveExit(exit);
    };
    // "close" fires once stdout/stderr are drained, so the last lines are in `lines` by the time
    // `exited` resolves; but a grandchild holding the pipes open would delay it forever, so "exit"
    // plus a short grace settles it too.
    child.once("close", (code, signal) => finish({ code, signal }));
    child.once("exit", (code, signal) => {
      setTimeout(() => finish({ code, signal }), 500).unref();
    });
    child.on("error", (error) => {
      if (child.pid !== undefined) return; // a failed kill(), not a failed spawn
      lines.push({ stream: "stderr", text: `spawn failed: ${error.message}` });
      finish({ code: null, signal: null });
    });
  });

  const tail = () =>
    lines
      .slice(-20)
      .map((l) => `  ${l.stream}: ${l.text}`)
      .join("\n");

  return {
    get pid() {
      return child.pid;
    },
    lines,
    get running() {
      return child.exitCode === null && child.signalCode === null && result === undefined;
    },
    exited,
    stdout: () => lines.filter((l) => l.stream === "stdout").map((l) => l.text),
    stderr: () => lines.filter((l) => l.stream === "stderr").map((l) => l.text),
    waitForLine(pattern, waitOptions = {}) {
      const { timeoutMs = 15_000, stream, fromLine = 0 } = waitOptions;
      const regex =
        typeof pattern === "string" ? new RegExp(pattern.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")) : pattern;
      const test = (line: OutputLine) => (stream && line.stream !== stream ? null : regex.exec(line.text));
      for (let i = fromLine; i < lines.length; i++) {
        const match = test(lines[i] as OutputLine);
        if (match) return Promise.resolve(match);
      }
      return new Promise<RegExpExecArray>((resolveLine, reject) => {
        const finish = () => {
          clearTimeout(timer);
          listeners.delete(listener);
        };
        const listener = (line: OutputLine, index: number) => {
          const match = index >= fromLine ? test(line) : null;
          if (match) {
            finish();
            resolveLine(match);
          }
        };
        const timer = setTimeout(() => {
          finish();
          reject(
            new WaitForTimeoutError(
              `Timed out after ${timeoutMs} ms waiting for ${label} to print ${regex}. Last lines:\n${tail()}`,
            ),
          );
        }, timeoutMs);
        listeners.add(listener);
        void exited.then(({ code, signal }) => {
          if (!listeners.has(listener)) return;
          finish();
          reject(
            new ProcessExitedError(
              `${label} exited (code ${code}, signal ${signal}) before printing ${regex}. Last lines:\n${tail()}`,
              code,
              signal,
            ),
          );
        });
      });
    },
    kill(signal = "SIGTERM") {
      if (!result) child.kill(signal);
      return exited;
    },
  };
}
