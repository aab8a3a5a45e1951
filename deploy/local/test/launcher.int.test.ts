import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { addressVariable, SERVICE_NAMES } from "@kopru/cli";
import { freePort, isPortOpen, type SpawnedProcess, spawnNodeProcess } from "@kopru/testing";
import { afterAll, describe, expect, it } from "vitest";

// The launcher as a person runs it, minus the seed: its own nats-server and the six services on
// free ports and a scratch data directory, every "listening" line, then Ctrl-C and a clean exit.

const dataDir = mkdtempSync(join(tmpdir(), "kopru-local-"));
let launcher: SpawnedProcess | undefined;

afterAll(async () => {
  await launcher?.kill("SIGKILL");
  rmSync(dataDir, { recursive: true, force: true });
});

describe("pnpm start --no-seed", () => {
  it("starts NATS and the six services, and stops them all on SIGINT with exit code 0", {
    timeout: 150_000,
  }, async () => {
    const natsPort = await freePort();
    const addresses: Record<string, string> = {};
    for (const service of SERVICE_NAMES)
      addresses[addressVariable(service)] = `127.0.0.1:${await freePort()}`;
    launcher = spawnNodeProcess(new URL("../src/main.ts", import.meta.url), {
      args: ["--no-seed"],
      env: {
        ...addresses,
        DATA_DIR: dataDir,
        NATS_URL: `nats://127.0.0.1:${natsPort}`,
        DATABASE_URL: undefined,
        LOG_LEVEL: undefined,
      },
    });

    await launcher.waitForLine(/^Köprü is running\.$/, { timeoutMs: 120_000 });
    // The address table follows the banner line.
    for (const service of SERVICE_NAMES)
      await launcher.waitForLine(addresses[addressVariable(service)] as string);
    const output = launcher.stdout().join("\n");
    expect(output).toContain(`NATS: started nats-server -js at nats://127.0.0.1:${natsPort}`);
    for (const service of SERVICE_NAMES) {
      expect(output).toMatch(new RegExp(`^  ${service} listening \\(`, "m"));
      expect(output).toContain(addresses[addressVariable(service)]);
      const [host, port] = (addresses[addressVariable(service)] as string).split(":");
      expect(await isPortOpen(host as string, Number(port))).toBe(true);
    }
    expect(output).toContain("Demo data: skipped (--no-seed).");

    const exit = await launcher.kill("SIGINT");
    expect(exit).toEqual({ code: 0, signal: null });
    expect(launcher.stdout().join("\n")).toMatch(/Stopping nats-server\.\.\.\nStopped\.$/);
    for (const service of SERVICE_NAMES) {
      const [host, port] = (addresses[addressVariable(service)] as string).split(":");
      expect(await isPortOpen(host as string, Number(port))).toBe(false);
    }
    expect(await isPortOpen("127.0.0.1", natsPort)).toBe(false);
  });
});
