import { describe, expect, it } from "vitest";
import { WaitForTimeoutError } from "./errors.js";
import { waitFor } from "./wait.js";

describe("waitFor", () => {
  it("resolves with the first truthy value", async () => {
    let calls = 0;
    const value = await waitFor(() => (++calls >= 3 ? `done after ${calls}` : undefined), { intervalMs: 1 });
    expect(value).toBe("done after 3");
  });

  it("treats a throwing predicate as not yet", async () => {
    let calls = 0;
    const value = await waitFor(
      async () => {
        if (++calls < 3) throw new Error("not up");
        return true;
      },
      { intervalMs: 1 },
    );
    expect(value).toBe(true);
  });

  it("times out with the message and the last error as cause", async () => {
    const last = new Error("ECONNREFUSED");
    const error = await waitFor(
      () => {
        throw last;
      },
      { timeoutMs: 30, intervalMs: 5, message: "the outbox to drain" },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WaitForTimeoutError);
    expect((error as Error).message).toMatch(/Timed out after 30 ms .*waiting for the outbox to drain/);
    expect((error as Error).message).toContain("ECONNREFUSED");
    expect((error as Error).cause).toBe(last);
  });
});
