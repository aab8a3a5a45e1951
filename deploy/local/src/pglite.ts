import { execFile } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { nodeArgs } from "./processes.js";

// Every service on the embedded default opens its own PGlite: PostgreSQL compiled to WebAssembly, in
// the service's process. Two things about it cost the whole network most of its memory and its start:
//
// - initdb. A PGlite opening an empty directory first runs initdb in a second PGlite of its own; the
//   memory that takes stays with the process (about 200 MB RSS more than reopening an initialised
//   directory), and ten of them at once, each seconds of CPU, are what a fresh start waits on.
//   Instead the launcher initialises one template directory, in a short-lived process of its own,
//   once per PGlite version (kept under node_modules/.cache, so `--fresh` does not pay it again),
//   and copies it into each service's directory before the service starts.
// - PostgreSQL's defaults, sized for a server: 128 MB of shared buffers and 100 connections' worth
//   of shared memory, all of it allocated (and touched) in the WASM heap at start. A PGlite has one
//   connection and a service's database holds a few MB. The settings below go into each data
//   directory's postgresql.conf, which PGlite reads at every start (existing directories too).

/** The settings the launcher writes into every PGlite data directory it starts a service on. */
export const PGLITE_SETTINGS: Readonly<Record<string, string>> = {
  shared_buffers: "16MB",
  max_connections: "5",
};

const BLOCK_START = "# --- set by the Köprü launcher (deploy/local/src/pglite.ts) ---";
const BLOCK_END = "# --- end of the Köprü launcher's settings ---";

/** True once PGlite (initdb) has made `dir` a PostgreSQL data directory. */
export function isPgliteDataDir(dir: string): boolean {
  return existsSync(join(dir, "PG_VERSION"));
}

/**
 * Writes PGLITE_SETTINGS at the end of the directory's postgresql.conf (later lines win), replacing
 * what an earlier start wrote; a file already as wanted is left alone.
 */
export function tunePgliteDataDir(dir: string): void {
  const file = join(dir, "postgresql.conf");
  if (!existsSync(file)) return;
  const text = readFileSync(file, "utf8");
  const start = text.indexOf(BLOCK_START);
  const end = text.indexOf(BLOCK_END);
  const base =
    start >= 0 && end > start ? text.slice(0, start) + text.slice(end + BLOCK_END.length + 1) : text;
  const block = [
    BLOCK_START,
    ...Object.entries(PGLITE_SETTINGS).map(([name, value]) => `${name} = ${value}`),
    BLOCK_END,
    "",
  ].join("\n");
  const wanted = `${base.endsWith("\n") ? base : `${base}\n`}${block}`;
  if (wanted !== text) writeFileSync(file, wanted);
}

/** The installed PGlite's version: a template is only good for the version that initialised it. */
function pgliteVersion(): string {
  const require = createRequire(import.meta.url);
  let dir = dirname(require.resolve("@electric-sql/pglite"));
  while (!existsSync(join(dir, "package.json"))) dir = dirname(dir);
  return (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version: string }).version;
}

/** Where the initialised template lives: node_modules/.cache at the repository root. */
export function templateDir(repoRoot: string): string {
  return join(repoRoot, "node_modules", ".cache", "kopru", `pglite-${pgliteVersion()}-template`);
}

/**
 * Makes the template once: initdb in a child process (its memory goes when it exits), into a
 * temporary directory renamed into place, so a concurrent or interrupted start never sees half a
 * template.
 */
export async function ensureTemplate(template: string): Promise<boolean> {
  if (isPgliteDataDir(template)) return false;
  const partial = `${template}.${process.pid}.tmp`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(dirname(partial), { recursive: true });
  // Run the way the launcher itself runs: from its source (tests) or from its build (`pnpm start`).
  const source = import.meta.url.endsWith(".ts");
  const entry = fileURLToPath(new URL(source ? "./pglite-init.ts" : "./pglite-init.js", import.meta.url));
  try {
    const args = nodeArgs(entry, { from: source ? "source" : "dist", telemetry: false });
    await promisify(execFile)(process.execPath, [...args, partial], {
      timeout: 300_000,
    });
    if (!isPgliteDataDir(partial)) throw new Error(`initdb left no data directory in ${partial}`);
    tunePgliteDataDir(partial);
    try {
      renameSync(partial, template);
    } catch (error) {
      // Another start got there first.
      if (!isPgliteDataDir(template)) throw error;
    }
  } finally {
    rmSync(partial, { recursive: true, force: true });
  }
  return true;
}

/**
 * Gets each directory ready for its service: a missing or empty one becomes a copy of the template
 * (copied beside it and renamed, so a service never opens half a copy), and every one gets the
 * launcher's settings. Returns the directories that were copied.
 */
export async function preparePgliteDataDirs(
  dirs: readonly string[],
  options: { repoRoot: string },
): Promise<string[]> {
  const empty = dirs.filter(
    (dir) => !isPgliteDataDir(dir) && (!existsSync(dir) || readdirSync(dir).length === 0),
  );
  if (empty.length > 0) {
    const template = templateDir(options.repoRoot);
    await ensureTemplate(template);
    for (const dir of empty) {
      const copy = `${dir}.copy`;
      rmSync(copy, { recursive: true, force: true });
      cpSync(template, copy, { recursive: true });
      rmSync(dir, { recursive: true, force: true });
      renameSync(copy, dir);
    }
  }
  for (const dir of dirs) if (isPgliteDataDir(dir)) tunePgliteDataDir(dir);
  return empty;
}
