import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";

/** A child that did not come up, with what it said last. */
export class ChildStartError extends Error {
  override readonly name = "ChildStartError";
}

const TAIL_LINES = 40;

export interface ManagedChild {
  readonly name: string;
  readonly pid: number | undefined;
  readonly running: boolean;
  /** Resolves when the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The last lines it printed, both streams. */
  tail(): string[];
  /** Resolves with the first match of `pattern` on a line; rejects on exit or after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs: number, what: string): Promise<RegExpExecArray>;
  /** SIGTERM, then SIGKILL after `graceMs`. Resolves when it has exited. */
  stop(graceMs: number): Promise<void>;
  /** SIGKILL now, synchronously (for the exit handler). */
  killNow(): void;
}

export interface SpawnManagedOptions {
  name: string;
  command: string;
  args: readonly string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Called for each output line (already without trailing newline). */
  onLine?: (line: string, stream: "stdout" | "stderr") => void;
}

/**
 * Spawns a child in its own process group (`detached`), so a terminal's Ctrl-C reaches only the
 * launcher, which then stops the children once and in order. Keeps a short tail of its output for
 * error messages, never the whole log.
 */
export function spawnManaged(options: SpawnManagedOptions): ManagedChild {
  const child: ChildProcess = spawn(options.command, [...options.args], {
    cwd: options.cwd,
    env: options.env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const tail: string[] = [];
  const watchers = new Set<(line: string) => void>();
  for (const stream of ["stdout", "stderr"] as const) {
    const input = child[stream];
    if (!input) continue;
    createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY }).on("line", (line) => {
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
      options.onLine?.(line, stream);
      for (const watcher of watchers) watcher(line);
    });
  }
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) => {
    child.once("exit", (code, signal) => {
      done = true;
      // Let the last buffered lines arrive before anyone reads the tail.
      setTimeout(() => resolveExit({ code, signal }), 50);
    });
    child.once("error", (error) => {
      if (child.pid !== undefined) return;
      tail.push(`could not start: ${error.message}`);
      done = true;
      resolveExit({ code: null, signal: null });
    });
  });

  const signal = (sig: NodeJS.Signals) => {
    if (done || child.pid === undefined) return;
    try {
      process.kill(child.pid, sig);
    } catch {
      // Already gone.
    }
  };

  return {
    name: options.name,
    get pid() {
      return child.pid;
    },
    get running() {
      return !done;
    },
    exited,
    tail: () => [...tail],
    waitFor(pattern, timeoutMs, what) {
      return new Promise((resolveMatch, reject) => {
        const finish = () => {
          clearTimeout(timer);
          watchers.delete(watch);
        };
        const watch = (line: string) => {
          const match = pattern.exec(line);
          if (match) {
            finish();
            resolveMatch(match);
          }
        };
        const describe = () => {
          const last = tail.slice(-15).map((l) => `    ${l}`);
          return last.length > 0 ? `\n  last output:\n${last.join("\n")}` : " (it printed nothing)";
        };
        const timer = setTimeout(() => {
          finish();
          reject(
            new ChildStartError(
              `${options.name} did not report ${what} within ${timeoutMs / 1000} s${describe()}`,
            ),
          );
        }, timeoutMs);
        watchers.add(watch);
        for (const line of tail) {
          if (pattern.test(line)) {
            watch(line);
            return;
          }
        }
        void exited.then(({ code, signal: sig }) => {
          if (!watchers.has(watch)) return;
          finish();
          reject(
            new ChildStartError(
              `${options.name} exited (code ${code}${sig ? `, signal ${sig}` : ""}) before ${what}${describe()}`,
            ),
          );
        });
      });
    },
    async stop(graceMs) {
      if (done) return;
      signal("SIGTERM");
      const force = setTimeout(() => signal("SIGKILL"), graceMs);
      await exited;
      clearTimeout(force);
    },
    killNow() {
      signal("SIGKILL");
    },
  };
}

const require = createRequire(import.meta.url);

/** The guard preloaded into every child, as the launcher's own build holds it (`src/*.ts` or `dist/*.js`). */
const CHILD_GUARD = new URL(
  import.meta.url.endsWith(".ts") ? "./child-guard.ts" : "./child-guard.js",
  import.meta.url,
).href;

export interface NodeArgsOptions {
  /** `dist`: built JavaScript, as in production; `source`: TypeScript through tsx. */
  from: "dist" | "source";
  /** Load OpenTelemetry before the code (`@kopru/observability/register`); default true. */
  telemetry?: boolean;
  /** Node's own options (heap limits) before everything else. */
  nodeOptions?: readonly string[];
}

/**
 * `node [--import tsx] --import @kopru/observability/register --import <child guard>
 * [--conditions=kopru-source] <entry>`: telemetry loaded before the service's code (the register is
 * resolved from the working directory, the service's own package). From `dist`, Node runs what
 * `tsc -b` built and resolves every workspace package to its `dist/` too, as a deployed service
 * does (ADR 0010); no TypeScript loader is in the process.
 */
export function nodeArgs(entry: string, options: NodeArgsOptions): string[] {
  const telemetry = options.telemetry === false ? [] : ["--import", "@kopru/observability/register"];
  const own = options.nodeOptions ?? [];
  if (options.from === "dist") {
    // A guard written in TypeScript cannot be preloaded without the loader: use its build then.
    const guard = CHILD_GUARD.replace(/\/src\/child-guard\.ts$/, "/dist/child-guard.js");
    return [...own, ...telemetry, "--import", guard, entry];
  }
  const tsx = pathToFileURL(require.resolve("tsx")).href;
  return [...own, "--import", tsx, ...telemetry, "--import", CHILD_GUARD, "--conditions=kopru-source", entry];
}
