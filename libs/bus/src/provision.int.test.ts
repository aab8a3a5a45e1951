// Provisioning against a broker that is away: a service starting while NATS restarts must wait for
// it, not exit. These run on a nats-server of their own, stopped and started again mid-provision.
import {
  connectNats,
  type NatsServerProcess,
  type NatsTestConnection,
  startNatsServer,
  waitFor,
} from "@kopru/testing";
import { JetStreamApiError, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { afterEach, describe, expect, it } from "vitest";
import { EventConsumer } from "./consumer.js";
import { provisionStreams } from "./provision.js";
import { Cleanup, openTestPostgres, recordingLogger, testBus, testConsumerOptions } from "./testkit.js";

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const RETRY_LINE = /the broker did not answer; trying again$/;

/** A broker of the test's own and a client that keeps reconnecting to it while it is down. */
async function brokerAndClient(): Promise<{ server: NatsServerProcess; nats: NatsTestConnection }> {
  const server = await startNatsServer();
  cleanup.defer(() => server.close());
  const nats = await connectNats({
    url: server.url,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 100,
    timeout: 1_000,
  });
  cleanup.defer(() => nats.close());
  // Short API timeouts, so each try while the broker is away ends quickly.
  const jsm = await jetstreamManager(nats.nc, { timeout: 500 });
  return { server, nats: { ...nats, jsm, js: jetstream(nats.nc, { timeout: 500 }) } };
}

describe("provisioning while the broker is away", () => {
  it("waits for a stopped nats-server, then creates every stream once it is back", async () => {
    const { server, nats } = await brokerAndClient();
    const bus = testBus();
    const log = recordingLogger();

    await server.stop();
    let settled = false;
    const provisioning = provisionStreams(nats.jsm, bus.layout, {
      logger: log.logger,
      maxDelayMs: 200,
    }).finally(() => {
      settled = true;
    });
    await waitFor(() => log.messages.filter((m) => RETRY_LINE.test(m)).length >= 2, {
      timeoutMs: 30_000,
      message: "provisioning to report the broker away and try again",
    });
    expect(settled).toBe(false);

    await server.restart();
    await provisioning;
    const names: string[] = [];
    for await (const name of nats.jsm.streams.names()) names.push(name);
    expect(names.sort()).toEqual([bus.stream, bus.deadLetterStream].sort());
    expect(
      log.messages.some((m) => m === `stream ${bus.stream}: the broker did not answer; trying again`),
    ).toBe(true);
  });

  it("waits for a stopped nats-server, then creates the durable consumer once it is back", async () => {
    const { server, nats } = await brokerAndClient();
    const bus = testBus();
    await provisionStreams(nats.jsm, bus.layout);
    const pg = await openTestPostgres("bus_provision");
    cleanup.defer(pg.drop);
    const log = recordingLogger();
    const consumer = new EventConsumer(
      testConsumerOptions(bus, { db: pg.db, js: nats.js, jsm: nats.jsm }, { logger: log.logger }),
    );

    await server.stop();
    const provisioning = consumer.provision();
    await waitFor(
      () =>
        log.messages.some((m) => m === `consumer ${consumer.name}: the broker did not answer; trying again`),
      {
        timeoutMs: 30_000,
        message: "the consumer to report the broker away and try again",
      },
    );

    await server.restart();
    await provisioning;
    const info = await nats.jsm.consumers.info(bus.stream, consumer.name);
    expect(info.config.durable_name).toBe(consumer.name);
    expect(info.config.filter_subject).toBe(bus.thingSubjects);
    // Bound to this database, so the next start keeps the durable instead of replaying.
    const bound = await pg.db.query("SELECT 1 FROM kopru_consumer_bindings WHERE consumer = $1", [
      consumer.name,
    ]);
    expect(bound.rowCount).toBe(1);
  });

  it("fails at once on a refusal: a stream whose subjects another stream already holds", async () => {
    const { nats } = await brokerAndClient();
    const bus = testBus();
    await nats.jsm.streams.add({
      name: `${bus.stream}_OTHER`,
      subjects: [...(bus.layout.streams[0]?.subjects ?? [])],
    });
    const log = recordingLogger();

    const error = await provisionStreams(nats.jsm, bus.layout, { logger: log.logger }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(JetStreamApiError);
    expect((error as Error).message).toMatch(/subjects overlap/);
    expect(log.messages).toEqual([]);
  });
});
