import { describe, expect, it } from "vitest";
import { uniqueName } from "./nats.js";

describe("uniqueName", () => {
  it("is prefixed, unique and valid as a stream name and subject token", () => {
    const names = new Set(Array.from({ length: 1000 }, () => uniqueName("outbox.events *")));
    expect(names.size).toBe(1000);
    for (const name of names) expect(name).toMatch(/^KOPRU_T_outbox_events___[0-9A-F]{12}$/);
  });
});
