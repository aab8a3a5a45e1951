import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { PackageRootNotFoundError, packageMigrationsDir } from "./package-migrations.js";

describe("packageMigrationsDir", () => {
  let root: string;
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("finds the same migrations/ from the source module and from its built copy", () => {
    root = mkdtempSync(join(tmpdir(), "kopru-pkg-"));
    const pkg = join(root, "service");
    mkdirSync(join(pkg, "dist", "src"), { recursive: true });
    mkdirSync(join(pkg, "src"), { recursive: true });
    writeFileSync(join(pkg, "package.json"), "{}");

    const fromSource = packageMigrationsDir(pathToFileURL(join(pkg, "src", "app.ts")));
    const fromBuild = packageMigrationsDir(pathToFileURL(join(pkg, "dist", "src", "app.js")).href);

    expect(fromSource).toBe(join(pkg, "migrations"));
    expect(fromBuild).toBe(join(pkg, "migrations"));
  });

  it("names the module when no package.json lies above it", () => {
    root = mkdtempSync(join(tmpdir(), "kopru-pkg-"));
    // The filesystem root has no package.json on a sane machine; a module there has no package.
    const orphan = pathToFileURL("/kopru-orphan-module.js");
    expect(() => packageMigrationsDir(orphan)).toThrow(PackageRootNotFoundError);
  });
});
