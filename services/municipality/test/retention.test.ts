import { ConfigError } from "@kopru/config";
import { resolveRetentionPolicy } from "@kopru/retention";
import { describe, expect, it } from "vitest";
import { MUNICIPALITY_RETENTION_CLASSES } from "../src/adapters/persistence/retention.js";

// The classes this service destroys (ADR 0026): their defaults hold against the streams that carry
// them, and a period shorter than those streams keep a message is refused at start.
describe("municipality retention classes", () => {
  it("registers its data classes with defaults the streams respect", () => {
    expect(MUNICIPALITY_RETENTION_CLASSES.map((c) => c.name)).toEqual([
      "closed-cases",
      "received-packages",
      "contact-attempts",
      "referrer-packages",
      "sent-events",
    ]);
    const policy = resolveRetentionPolicy({
      classes: MUNICIPALITY_RETENTION_CLASSES,
      organisations: ["org-a"],
    });
    expect(policy.periodDays("org-a", "received-packages")).toBe(90);
  });

  it("refuses a received-package period shorter than the referral stream keeps a package", () => {
    expect(() =>
      resolveRetentionPolicy({
        classes: MUNICIPALITY_RETENTION_CLASSES,
        organisations: ["org-a"],
        overrides: [{ dataClass: "received-packages", days: 7, text: "received-packages=7d" }],
      }),
    ).toThrow(ConfigError);
  });
});
