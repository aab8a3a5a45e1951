import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { consoleIsStale } from "../src/console-build.js";

describe("consoleIsStale", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  function consoleDir(): string {
    const dir = mkdtempSync(join(tmpdir(), "kopru-console-"));
    dirs.push(dir);
    mkdirSync(join(dir, "src", "pages"), { recursive: true });
    writeFileSync(join(dir, "index.html"), "<!doctype html>");
    writeFileSync(join(dir, "src", "pages", "Inbox.tsx"), "export {}");
    return dir;
  }

  function setTime(path: string, seconds: number): void {
    utimesSync(path, seconds, seconds);
  }

  it("is stale when nothing was built", () => {
    expect(consoleIsStale(consoleDir())).toBe(true);
  });

  it("is fresh when the build is newer than every source, stale once a nested source changes", () => {
    const dir = consoleDir();
    mkdirSync(join(dir, "dist"));
    const built = join(dir, "dist", "index.html");
    writeFileSync(built, "<!doctype html>");
    for (const path of [join(dir, "index.html"), join(dir, "src"), join(dir, "src", "pages")])
      setTime(path, 1_000);
    setTime(join(dir, "src", "pages", "Inbox.tsx"), 1_000);
    setTime(built, 2_000);
    expect(consoleIsStale(dir)).toBe(false);

    setTime(join(dir, "src", "pages", "Inbox.tsx"), 3_000);
    expect(consoleIsStale(dir)).toBe(true);
  });
});
