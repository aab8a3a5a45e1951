// Readiness as a launcher sees it: a service binds its port at once, says NOT_SERVING while its broker
// is away (and does not exit), and SERVING once streams and consumers are in place.
import { type BusLayout, busMigrations, defineEvent } from "@kopru/bus";
import { OrganisationRef } from "@kopru/contracts/common/v1/refs";
import { createTestDatabase, freePort, startNatsServer, uniqueName, waitFor } from "@kopru/testing";
import { afterEach, describe, expect, it } from "vitest";
import { ErrorCatalogue } from "./errors.js";
import { checkHealth, waitUntilServing } from "./health.js";
import { type RunningService, serviceEnv, startService } from "./runtime.js";

const teardown: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of teardown.splice(0).reverse()) await step();
});

function layoutFor(id: string): BusLayout {
  const thing = defineEvent({
    type: "kopru.common.v1.OrganisationRef",
    schemaVersion: 1,
    codec: OrganisationRef,
    stream: id,
    subjectPattern: `t.${id}.thing`,
    subject: () => `t.${id}.thing`,
    personalData: false,
  });
  return {
    streams: [{ name: id, subjects: [`t.${id}.>`], maxAgeMs: 60_000, duplicateWindowMs: 60_000 }],
    events: [thing],
    deadLetterStream: {
      name: `${id}_DLQ`,
      subjects: ["kopru.dlq.>"],
      maxAgeMs: 60_000,
      duplicateWindowMs: 60_000,
    },
  };
}

describe("startService readiness", () => {
  it("answers NOT_SERVING while NATS is down, never exits, and SERVING once NATS is back", async () => {
    const nats = await startNatsServer();
    teardown.push(() => nats.close());
    const database = await createTestDatabase({ prefix: "kit_ready" });
    teardown.push(() => database.drop());
    const port = await freePort();
    const address = `127.0.0.1:${port}`;
    await nats.stop();

    let running: RunningService<ReturnType<typeof serviceEnv>["_output"]> | undefined;
    let failure: unknown;
    const starting = startService(
      {
        name: uniqueName("ready"),
        envSchema: serviceEnv(0),
        migrations: [busMigrations],
        layout: layoutFor(uniqueName("READY")),
        errors: new ErrorCatalogue(),
        build: async () => ({ grpc: [] }),
      },
      {
        NATS_URL: nats.url,
        DATABASE_URL: database.url,
        GRPC_HOST: "127.0.0.1",
        GRPC_PORT: String(port),
        LOG_LEVEL: "silent",
        // Keys are fetched on the first call only: readiness needs no issuer that answers.
        AUTH_ISSUER: "http://127.0.0.1:9",
        GRPC_PLAINTEXT: "development",
      },
    ).then(
      (started) => {
        running = started;
        teardown.push(() => started.stop());
      },
      (error: unknown) => {
        failure = error;
      },
    );

    expect(
      await waitFor(async () => (await checkHealth(address)) === "NOT_SERVING", { timeoutMs: 20_000 }),
    ).toBe(true);
    expect(failure).toBeUndefined();
    expect(running).toBeUndefined();

    await nats.restart();
    await waitUntilServing(address, { timeoutMs: 30_000 });
    await starting;
    expect(failure).toBeUndefined();
    expect(running?.grpc.address).toBe(address);

    await running?.stop();
    expect(await checkHealth(address, "", 500)).toBe("UNREACHABLE");
  });
});
