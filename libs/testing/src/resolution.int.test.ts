import { afterEach, describe, expect, it } from "vitest";
import { NatsUnavailableError, PostgresUnavailableError } from "./errors.js";
import { connectNats, resolveNats } from "./nats.js";
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

  it("starts a nats-server of its own per run, even when one answers at 127.0.0.1:4222", async () => {
    delete process.env.NATS_URL;
    const first = await resolveNats();
    expect(first.source).toBe("started");
    expect(first.url).toMatch(/^nats:\/\/127\.0\.0\.1:\d+$/);
    expect(first.url).not.toBe("nats://127.0.0.1:4222");
    // Another run (another process) gets another server: runs never share streams.
    const second = await resolveNats();
    expect(second.url).not.toBe(first.url);
    const conn = await connectNats({ url: first.url });
    try {
      expect(await conn.jsm.streams.names().next()).toEqual([]);
    } finally {
      await conn.close();
    }
  });

  it("says what is missing when there is no binary, no container engine and no NATS_URL", async () => {
    delete process.env.NATS_URL;
    const saved = process.env.KOPRU_TESTCONTAINERS;
    process.env.KOPRU_TESTCONTAINERS = "off";
    try {
      await expect(resolveNats({ binary: "" })).rejects.toThrow(NatsUnavailableError);
    } finally {
      if (saved === undefined) delete process.env.KOPRU_TESTCONTAINERS;
      else process.env.KOPRU_TESTCONTAINERS = saved;
    }
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
