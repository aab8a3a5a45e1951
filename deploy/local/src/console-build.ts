import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The staff console's package: its sources and the built files the gateway serves. */
export const CONSOLE_DIR = fileURLToPath(new URL("../../../services/gateway/console/", import.meta.url));
export const CONSOLE_DIST = join(CONSOLE_DIR, "dist");

function newestModification(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestModification(join(path, entry)));
  return newest;
}

/** True when the built console is missing or older than any of its sources. */
export function consoleIsStale(dir = CONSOLE_DIR): boolean {
  const built = join(dir, "dist", "index.html");
  if (!existsSync(built)) return true;
  const sources = ["src", "index.html", "vite.config.ts", "package.json"]
    .map((name) => join(dir, name))
    .filter(existsSync);
  return Math.max(...sources.map(newestModification)) > statSync(built).mtimeMs;
}

/**
 * Builds the console with Vite when it is stale (a second or two): `pnpm start` and the test run
 * serve what is in `dist/`, so a change to the console shows without a separate build step.
 */
export function ensureConsoleBuilt(out: (line: string) => void = () => {}, dir = CONSOLE_DIR): boolean {
  if (!consoleIsStale(dir)) return false;
  out("Building the staff console (vite build)...");
  const vite = join(dir, "node_modules", "vite", "bin", "vite.js");
  // Always the production build: a caller's NODE_ENV (vitest sets "test") would bundle React's
  // development build, which is larger and slower, and the demo would go on serving it.
  execFileSync(process.execPath, [vite, "build", "--logLevel", "warn"], {
    cwd: dir,
    stdio: "inherit",
    env: { ...process.env, NODE_ENV: "production" },
  });
  return true;
}
