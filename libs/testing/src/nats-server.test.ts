import { describe, expect, it } from "vitest";
import { NatsServerStartError } from "./errors.js";
import { findNatsServerBinary, startNatsServer } from "./nats-server.js";

describe("startNatsServer without a usable binary", () => {
  it("rejects with NatsServerStartError naming the binary", async () => {
    const error = await startNatsServer({ binary: "/nonexistent/nats-server", jetstream: false }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(NatsServerStartError);
    expect((error as Error).message).toContain("/nonexistent/nats-server");
  });

  it("reports every place it looked for the binary", () => {
    const { searched } = findNatsServerBinary();
    expect(searched).toContain("/usr/sbin/nats-server");
  });
});
