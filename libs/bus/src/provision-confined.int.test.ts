// Provisioning by a NATS user confined to its subjects (ADR 0013): it may look streams up but not
// create or change them, so it waits for the admin to provision them, and says so, for a bounded time.
import type { BusAccess } from "@kopru/nats-server";
import { type ConfinedNatsServer, startConfinedNatsServer, waitFor } from "@kopru/testing";
import { jetstreamManager } from "@nats-io/jetstream";
import { type NatsConnection, nanos } from "@nats-io/nats-core";
import { connect } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StreamsNotProvisionedError } from "./errors.js";
import { provisionStreams } from "./provision.js";
import { Cleanup, recordingLogger, type TestBus, testBus } from "./testkit.js";

const WAITING = /may not create or update streams; waiting for the admin/;
const cleanup = new Cleanup();
let server: ConfinedNatsServer;

function serviceAccess(bus: TestBus): BusAccess {
  return { user: "service", publish: [], consumers: [], streams: [bus.stream, bus.deadLetterStream] };
}

async function connectAs(user: string): Promise<NatsConnection> {
  const nc = await connect({ ...server.connectOptions(user), reconnect: false });
  cleanup.defer(() => nc.close());
  return nc;
}

const buses = [testBus(), testBus(), testBus(), testBus()];

beforeAll(async () => {
  // One user that may look up the streams of all the test's buses.
  server = await startConfinedNatsServer({
    access: [
      {
        user: "service",
        publish: [],
        consumers: [],
        streams: buses.flatMap((bus) => serviceAccess(bus).streams),
      },
    ],
  });
});

afterAll(async () => {
  await cleanup.run();
  await server?.close();
});

describe("a service that may not manage streams", () => {
  it("waits until the admin has provisioned them, then goes on", async () => {
    const bus = buses[0] as TestBus;
    const jsm = await jetstreamManager(await connectAs("service"));
    const { logger, messages } = recordingLogger();
    const provisioned = provisionStreams(jsm, bus.layout, { logger, pollMs: 50 });
    await waitFor(() => messages.some((m) => WAITING.test(m)), { message: "the waiting line" });
    await provisionStreams(await jetstreamManager(await connectAs("admin")), bus.layout);
    await provisioned;
    expect(messages.at(-1)).toMatch(/streams provisioned by the admin are ready/);
  });

  it("goes straight on when they are already as declared, asking for nothing it may not", async () => {
    const bus = buses[1] as TestBus;
    await provisionStreams(await jetstreamManager(await connectAs("admin")), bus.layout);
    const { logger, messages } = recordingLogger();
    await provisionStreams(await jetstreamManager(await connectAs("service")), bus.layout, { logger });
    expect(messages).toEqual([]);
  });

  it("gives up after the bound with an error that names the missing streams", async () => {
    const bus = buses[2] as TestBus;
    const jsm = await jetstreamManager(await connectAs("service"));
    const error = await provisionStreams(jsm, bus.layout, { awaitProvisionedMs: 300, pollMs: 50 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StreamsNotProvisionedError);
    expect((error as StreamsNotProvisionedError).streams).toEqual([bus.stream, bus.deadLetterStream]);
    expect((error as Error).message).toMatch(/does not exist.*admin user/);
  });

  it("does not accept a stream that exists with another configuration", async () => {
    const bus = buses[3] as TestBus;
    const admin = await jetstreamManager(await connectAs("admin"));
    await provisionStreams(admin, bus.layout);
    await admin.streams.update(bus.stream, { max_age: nanos(1_200_000) });
    const jsm = await jetstreamManager(await connectAs("service"));
    const error = await provisionStreams(jsm, bus.layout, { awaitProvisionedMs: 300, pollMs: 50 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StreamsNotProvisionedError);
    expect((error as StreamsNotProvisionedError).streams).toEqual([bus.stream]);
    expect((error as Error).message).toMatch(/max_age 1200000000000 ns, expected 3600000000000 ns/);
  });
});
