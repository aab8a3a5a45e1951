import { closedPortUrl, natsServer } from "@kopru/testing";
import { describe, expect, it } from "vitest";
import { NatsUnavailableError, useExternalNats } from "../src/nats.js";

// NATS_URL as the services take it: one server, or a cluster's seed servers separated by commas
// (the NATS client splits the list itself).

describe("the launcher's check of an external NATS_URL", () => {
  it("accepts a seed list whose first server is down, as a service starting beside a dead node would", async () => {
    const { url } = await natsServer();
    const dead = await closedPortUrl("nats", "");
    const seeds = `${dead}, ${url}`;
    const handle = await useExternalNats(seeds);
    expect(handle.url).toBe(seeds);
    expect(handle.child).toBeUndefined();
  });

  it("names NATS_URL when no seed answers", async () => {
    const seeds = `${await closedPortUrl("nats", "")},${await closedPortUrl("nats", "")}`;
    const refused = await useExternalNats(seeds).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(NatsUnavailableError);
    expect((refused as Error).message).toContain(`NATS_URL ${seeds} does not answer with JetStream`);
  });
});
