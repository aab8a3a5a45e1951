import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NETWORK_SERVICES } from "@kopru/events";
import { afterEach, describe, expect, it } from "vitest";
import { REPO_ROOT, serviceEntry } from "../src/config.js";
import { nodeOptionsFor, SERVICE_NODE_OPTIONS } from "../src/launcher.js";
import {
  isPgliteDataDir,
  PGLITE_SETTINGS,
  preparePgliteDataDirs,
  templateDir,
  tunePgliteDataDir,
} from "../src/pglite.js";
import { nodeArgs } from "../src/processes.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), "kopru-pglite-"));
  dirs.push(dir);
  return dir;
}

/** A directory that looks initialised (PGlite itself is not needed to test the copying). */
function fakeDataDir(dir: string, conf = "shared_buffers = 128MB\n"): void {
  mkdirSync(join(dir, "base"), { recursive: true });
  writeFileSync(join(dir, "PG_VERSION"), "18\n");
  writeFileSync(join(dir, "postgresql.conf"), conf);
  writeFileSync(join(dir, "base", "1"), "rows");
}

describe("PGlite data directories", () => {
  it("appends the launcher's settings once, and replaces them when they change", () => {
    const dir = scratch();
    fakeDataDir(dir, "max_connections = 100\nshared_buffers = 128MB\n");
    tunePgliteDataDir(dir);
    const once = readFileSync(join(dir, "postgresql.conf"), "utf8");
    expect(once.startsWith("max_connections = 100\nshared_buffers = 128MB\n")).toBe(true);
    for (const [name, value] of Object.entries(PGLITE_SETTINGS))
      expect(once).toContain(`\n${name} = ${value}\n`);
    tunePgliteDataDir(dir);
    expect(readFileSync(join(dir, "postgresql.conf"), "utf8")).toBe(once);

    // An older launcher's block is replaced, not added to.
    writeFileSync(
      join(dir, "postgresql.conf"),
      once.replace("shared_buffers = 16MB", "shared_buffers = 64MB"),
    );
    tunePgliteDataDir(dir);
    expect(readFileSync(join(dir, "postgresql.conf"), "utf8")).toBe(once);
  });

  it("copies the template into missing and empty directories and keeps the databases that exist", async () => {
    const root = scratch();
    fakeDataDir(templateDir(root));
    const data = scratch();
    const existing = join(data, "intake");
    fakeDataDir(existing);
    writeFileSync(join(existing, "base", "1"), "intake's own rows");
    const empty = join(data, "ecm");
    mkdirSync(empty);
    const missing = join(data, "gateway");

    const copied = await preparePgliteDataDirs([existing, empty, missing], { repoRoot: root });

    expect(copied).toEqual([empty, missing]);
    for (const dir of [existing, empty, missing]) {
      expect(isPgliteDataDir(dir)).toBe(true);
      expect(readFileSync(join(dir, "postgresql.conf"), "utf8")).toContain("max_connections = 5");
    }
    expect(readFileSync(join(existing, "base", "1"), "utf8")).toBe("intake's own rows");
    expect(readFileSync(join(missing, "base", "1"), "utf8")).toBe("rows");
  });
});

describe("how a service is started", () => {
  it("runs the build without a TypeScript loader, or the source through tsx", () => {
    const dist = nodeArgs(serviceEntry("intake", "dist"), { from: "dist" });
    expect(dist.at(-1)).toMatch(/services\/intake\/dist\/src\/main\.js$/);
    expect(dist.join(" ")).not.toMatch(/tsx|kopru-source|\.ts\b/);
    expect(dist).toContain("@kopru/observability/register");

    const source = nodeArgs(serviceEntry("intake", "source"), { from: "source" });
    expect(source.at(-1)).toMatch(/services\/intake\/src\/main\.ts$/);
    expect(source.join(" ")).toMatch(/tsx/);
    expect(source).toContain("--conditions=kopru-source");
  });

  it("compiles PGlite's WebAssembly with the baseline compiler only on the embedded database", () => {
    expect(nodeOptionsFor({ databaseUrl: undefined })).toContain("--liftoff-only");
    expect(nodeOptionsFor({ databaseUrl: "postgres://db/intake" })).not.toContain("--liftoff-only");
  });

  it("gives the container images' services the same V8 options as the launcher's", () => {
    const dockerfile = readFileSync(join(REPO_ROOT, "deploy/compose/Dockerfile"), "utf8");
    const cmd = /^CMD (\[.*\])$/m.exec(dockerfile)?.[1];
    expect(cmd, "deploy/compose/Dockerfile has a CMD in exec form").toBeDefined();
    const argv = JSON.parse(cmd as string) as string[];
    const beforeEntry = argv.slice(1, argv.indexOf("dist/src/main.js"));
    for (const option of SERVICE_NODE_OPTIONS) expect(beforeEntry).toContain(option);
    expect(nodeOptionsFor({ databaseUrl: "postgres://db/intake" })).toEqual([...SERVICE_NODE_OPTIONS]);
  });

  it("gives every service's start:prod script the same V8 options as the launcher's", () => {
    // The network's services by name: other tests deploy into temporary folders under services/.
    for (const service of [...NETWORK_SERVICES, "identity"]) {
      const manifest = JSON.parse(
        readFileSync(join(REPO_ROOT, "services", service, "package.json"), "utf8"),
      ) as {
        scripts?: Record<string, string>;
      };
      const script = manifest.scripts?.["start:prod"];
      expect(script, `services/${service} has a start:prod script`).toBeDefined();
      const beforeEntry = (script as string).split(/\s+/).slice(1, -1);
      for (const option of SERVICE_NODE_OPTIONS)
        expect(beforeEntry, `services/${service} start:prod`).toContain(option);
    }
  });
});
