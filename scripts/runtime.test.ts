import { execFileSync, execSync } from "node:child_process";
import { describe, expect, it } from "vitest";

// The project ships on Node 24 LTS, brought in as a pinned devDependency, whatever Node the
// machine has: the runner, the `node` every pnpm script finds first on PATH, and the children
// the launcher and the tests spawn (they all use process.execPath) must all be 24.
const major = (version: string) => Number(version.trim().replace(/^v/, "").split(".")[0]);

describe("runtime", () => {
  it("runs the tests on Node 24", () => {
    expect(major(process.versions.node)).toBe(24);
  });

  it("spawns children on the same Node 24", () => {
    const child = execFileSync(process.execPath, ["-p", "process.versions.node"], { encoding: "utf8" });
    expect(major(child)).toBe(24);
  });

  it("finds Node 24 first on PATH for package scripts", () => {
    expect(major(execSync("node -p process.versions.node", { encoding: "utf8" }))).toBe(24);
  });
});
