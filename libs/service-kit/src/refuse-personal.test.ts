import { type BusLayout, defineEvent } from "@kopru/bus";
import type { Sql } from "@kopru/storage";
import { describe, expect, it } from "vitest";
import { refusePersonalData } from "./runtime.js";

const codec = { encode: () => ({ finish: () => new Uint8Array() }), decode: () => ({}) };
const layout: BusLayout = {
  streams: [],
  deadLetterStream: { name: "DLQ", subjects: ["kopru.dlq.>"], maxAgeMs: 0, duplicateWindowMs: 0 },
  events: [
    defineEvent({
      type: "t.Personal",
      codec,
      schemaVersion: 1,
      stream: "S",
      subjectPattern: "a.*",
      subject: () => "a.x",
      personalData: true,
    }),
    defineEvent({
      type: "t.Plain",
      codec,
      schemaVersion: 1,
      stream: "S",
      subjectPattern: "b",
      subject: () => "b",
      personalData: false,
    }),
  ],
};

describe("a service without sealing", () => {
  it("never lets a personal event out, and lets the others pass", async () => {
    const sealer = refusePersonalData(layout);
    const message = { eventId: "e", subject: "a.x", envelope: new Uint8Array() };
    await expect(sealer({ ...message, eventType: "t.Personal" }, {} as Sql)).rejects.toThrow(/personal data/);
    expect(await sealer({ ...message, eventType: "t.Plain" }, {} as Sql)).toEqual({ kind: "clear" });
  });
});
