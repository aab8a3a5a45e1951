import { afterEach, describe, expect, it } from "vitest";
import { NatsUnavailableError, PostgresUnavailableError } from "./errors.js";
import { resolveNats } from "./nats.js";
import { closedPortUrl, freePort } from "./net.js";
import { resolvePostgres } from "./postgres.js";
import { stopTestServers } from "./servers.js";

// These drive the uncached resolution with a local address nobody listens on, to exercise the
// fall-through paths on a machine whose real servers are up.
describe("server resolution", () => {
  const saved = { NATS_URL: process.env.NATS_URL, DATABASE_URL: process.env.DATABASE_URL };

  afterEach(async () => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    await stopTestServers();
  });

  it("starts its own nats-server when nothing answers locally", async () => {
    delete process.env.NATS_URL;
    const info = await resolveNats({ host: "127.0.0.1", port: await freePort() });
    expect(info.source).toBe("started");
    expect(info.url).toMatch(/^nats:\/\/127\.0\.0\.1:\d+$/);
  });

  it("fails loudly, not falling through, when NATS_URL is set but dead", async () => {
    process.env.NATS_URL = await closedPortUrl("nats", "");
    await expect(resolveNats()).rejects.toThrow(NatsUnavailableError);
    await expect(resolveNats()).rejects.toThrow(/NATS_URL=nats:\/\/127\.0\.0\.1:\d+/);
  });

  it("names PostgreSQL and the install command when nothing answers", async () => {
    delete process.env.DATABASE_URL;
    const port = await freePort();
    const error = await resolvePostgres({ host: "127.0.0.1", port }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PostgresUnavailableError);
    expect((error as Error).message).toContain(`PostgreSQL does not answer at 127.0.0.1:${port}`);
    expect((error as Error).message).toContain("apt-get install -y postgresql");
  });

  it("uses DATABASE_URL as the server to create databases on", async () => {
    process.env.DATABASE_URL = "postgres://postgres@127.0.0.1:5432/postgres";
    expect(await resolvePostgres()).toEqual({ adminUrl: process.env.DATABASE_URL, source: "env" });
    process.env.DATABASE_URL = await closedPortUrl();
    await expect(resolvePostgres()).rejects.toThrow(
      /DATABASE_URL=postgres:\/\/127\.0\.0\.1:\d+\/x is not usable/,
    );
  });
});
