#!/usr/bin/env node
// Keeps test code out of what a service ships: deploys every service the way its container image
// is built (`pnpm --filter <service> deploy --prod`) into a temporary directory and fails when the
// installed tree holds a test runner, a test-only library or a TypeScript loader.
//   node scripts/production-deps.mjs            every package under services/
//   node scripts/production-deps.mjs <dir>...   only these package directories
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const root = fileURLToPath(new URL("..", import.meta.url));
const run = promisify(execFile);

/** Package names (or scopes, ending in "/") a production tree must not contain. */
const FORBIDDEN = [
  "vitest",
  "@vitest/",
  "testcontainers",
  "tsx",
  "esbuild",
  "fast-check",
  "@fast-check/",
  "@kopru/testing",
];

function isForbidden(name) {
  return FORBIDDEN.some((entry) => (entry.endsWith("/") ? name.startsWith(entry) : name === entry));
}

/** `@scope+name@1.2.3_peer…` or `name@1.2.3` (pnpm's virtual store folder names) → the package name. */
function packageName(storeEntry) {
  const scoped = storeEntry.startsWith("@");
  const at = storeEntry.indexOf("@", scoped ? 1 : 0);
  const encoded = at === -1 ? storeEntry : storeEntry.slice(0, at);
  return scoped ? encoded.replace("+", "/") : encoded;
}

function servicePackages() {
  return readdirSync(join(root, "services"), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => join("services", entry.name));
}

async function check(dir) {
  const { name } = JSON.parse(readFileSync(join(root, dir, "package.json"), "utf8"));
  const target = mkdtempSync(join(tmpdir(), "kopru-deploy-"));
  try {
    // Legacy deploy resolves versions from registry metadata, not from the lockfile: reuse what the
    // store and metadata cache hold, and ask the registry only for what they lack.
    await run("pnpm", ["--filter", name, "deploy", "--prod", "--prefer-offline", target], {
      cwd: root,
      maxBuffer: 16 * 1024 * 1024,
    });
    const installed = readdirSync(join(target, "node_modules", ".pnpm")).filter((e) => e !== "node_modules");
    const found = [...new Set(installed.map(packageName).filter(isForbidden))].sort();
    return { name, found };
  } catch (error) {
    return { name, error: `${error.stdout ?? ""}${error.stderr ?? ""}`.trim() || String(error) };
  } finally {
    rmSync(target, { recursive: true, force: true });
  }
}

const dirs = process.argv.length > 2 ? process.argv.slice(2) : servicePackages();
// Two at a time: each deploy is an install, and the machines these checks run on have two cores.
const results = [];
for (let i = 0; i < dirs.length; i += 2) {
  results.push(...(await Promise.all(dirs.slice(i, i + 2).map(check))));
}
for (const result of results) {
  if (result.error) {
    console.error(`production-deps: ${result.name} could not be deployed\n${result.error}`);
    process.exitCode = 1;
  } else if (result.found.length > 0) {
    console.error(
      `production-deps: ${result.name} ships test-only packages: ${result.found.join(", ")} (move them to devDependencies)`,
    );
    process.exitCode = 1;
  } else {
    console.log(`production-deps: ${result.name} ok`);
  }
}
