import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { compileCacheDir, serviceEnvWithCompileCache, withCompileCache } from "../src/compile-cache.js";
import { REPO_ROOT } from "../src/config.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), "kopru-compile-cache-"));
  dirs.push(dir);
  return dir;
}

/**
 * Imports `module` in a child started with `env`; returns the cache directory Node uses there and
 * what Node's compile cache said about the module (NODE_DEBUG_NATIVE=COMPILE_CACHE, on stderr).
 */
function runChild(env: NodeJS.ProcessEnv, module: string): { cacheDir: string; verdict: string } {
  const script = `const m = await import(${JSON.stringify(module)}); process.stdout.write(JSON.stringify({ cacheDir: (await import("node:module")).getCompileCacheDir() ?? "", answer: m.answer }));`;
  const child = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
    env: { ...env, NODE_DEBUG_NATIVE: "COMPILE_CACHE" },
    encoding: "utf8",
  });
  expect(child.status, child.stderr).toBe(0);
  const { cacheDir, answer } = JSON.parse(child.stdout) as { cacheDir: string; answer: number };
  expect(answer).toBe(42);
  const about = child.stderr.split("\n").find((line) => line.includes(`${module} was`)) ?? "";
  const verdict = /was (accepted|not initialized|rejected)/.exec(about)?.[1] ?? "not used";
  return { cacheDir, verdict };
}

function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_COMPILE_CACHE;
  delete env.NODE_DISABLE_COMPILE_CACHE;
  delete env.NODE_OPTIONS;
  return env;
}

describe("Node's compile cache for the launcher's children", () => {
  it("is kept under node_modules/.cache/kopru at the repository root, which --fresh leaves alone", () => {
    expect(compileCacheDir()).toBe(join(REPO_ROOT, "node_modules", ".cache", "kopru", "compile"));
    expect(withCompileCache(cleanEnv()).NODE_COMPILE_CACHE).toBe(compileCacheDir());
  });

  it("is given to services on PostgreSQL, not to those on PGlite, whose budget is memory", () => {
    const env = cleanEnv();
    expect(serviceEnvWithCompileCache(env, { databaseUrl: "postgres://db/intake" }).NODE_COMPILE_CACHE).toBe(
      compileCacheDir(),
    );
    expect(serviceEnvWithCompileCache(env, { databaseUrl: undefined }).NODE_COMPILE_CACHE).toBeUndefined();
  });

  it("leaves a directory the caller chose, or a cache switched off, as it is", () => {
    expect(withCompileCache({ NODE_COMPILE_CACHE: "/elsewhere" }).NODE_COMPILE_CACHE).toBe("/elsewhere");
    expect(withCompileCache({ NODE_DISABLE_COMPILE_CACHE: "1" }).NODE_COMPILE_CACHE).toBeUndefined();
  });

  it("is written by a child's first start and read by its next, and a changed module is compiled afresh", () => {
    const cache = scratch();
    const code = scratch();
    const module = join(code, "answer.mjs");
    writeFileSync(module, "export const answer = 42;\n");
    const env = withCompileCache({ ...cleanEnv(), NODE_COMPILE_CACHE: cache });

    const first = runChild(env, module);
    expect(first.cacheDir.startsWith(cache)).toBe(true);
    expect(first.verdict).toBe("not initialized");
    expect(readdirSync(cache).length).toBeGreaterThan(0);

    expect(runChild(env, module).verdict).toBe("accepted");

    writeFileSync(module, "export const answer = 40 + 2;\n");
    expect(runChild(env, module).verdict).not.toBe("accepted");
  });
});
