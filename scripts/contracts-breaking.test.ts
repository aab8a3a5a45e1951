import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

// Proves the guard in `pnpm contracts:check`: buf breaking reports the edits that would break
// partners still running the previous contracts.
const root = fileURLToPath(new URL("..", import.meta.url));
const buf = join(root, "node_modules/.bin/buf");
const envelope = "proto/kopru/common/v1/envelope.proto";
const scratch = mkdtempSync(join(tmpdir(), "kopru-breaking-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function copyOfContracts(name: string, edit?: (source: string) => string): string {
  const dir = join(scratch, name);
  cpSync(join(root, "proto"), join(dir, "proto"), { recursive: true });
  cpSync(join(root, "buf.yaml"), join(dir, "buf.yaml"));
  if (edit) {
    const file = join(dir, envelope);
    const edited = edit(readFileSync(file, "utf8"));
    writeFileSync(file, edited);
  }
  return dir;
}

function breaking(changed: string, baseline: string): { ok: boolean; output: string } {
  try {
    execFileSync(buf, ["breaking", changed, "--against", baseline], { encoding: "utf8", stdio: "pipe" });
    return { ok: true, output: "" };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    return { ok: false, output: `${e.stdout ?? ""}${e.stderr ?? ""}` };
  }
}

describe("buf breaking guards the contracts", () => {
  const baseline = copyOfContracts("baseline");

  it("accepts the contracts unchanged", () => {
    expect(breaking(copyOfContracts("same"), baseline)).toEqual({ ok: true, output: "" });
  });

  it("reports a renamed field", () => {
    const changed = copyOfContracts("renamed", (s) => {
      expect(s).toMatch(/string event_type = 2;/);
      return s.replace("string event_type = 2;", "string event_kind = 2;");
    });
    const result = breaking(changed, baseline);
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/event_type/);
  });

  it("reports a changed field number", () => {
    const changed = copyOfContracts("renumbered", (s) => {
      expect(s).toMatch(/uint32 schema_version = 3;/);
      return s.replace("uint32 schema_version = 3;", "uint32 schema_version = 30;");
    });
    const result = breaking(changed, baseline);
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/schema_version|"3"|3/);
  });

  it("accepts an added field", () => {
    const changed = copyOfContracts("added", (s) =>
      s.replace(/message EventEnvelope \{/, "message EventEnvelope {\n  string added_later = 99;"),
    );
    expect(breaking(changed, baseline).ok).toBe(true);
  });
});
