import { OrganisationRef } from "@kopru/contracts/common/v1/refs";
import { describe, expect, it } from "vitest";
import { BusLayoutError } from "./errors.js";
import {
  type BusLayout,
  defineEvent,
  type EventDefinition,
  findEventForSubject,
  type StreamDefinition,
  subjectMatches,
  subjectToken,
  validateLayout,
} from "./layout.js";

const stream = (name: string, subjects: string[]): StreamDefinition => ({
  name,
  subjects,
  maxAgeMs: 60_000,
  duplicateWindowMs: 60_000,
});

const event = (
  type: string,
  subjectPattern: string,
  streamName = "REFERRAL",
): EventDefinition<OrganisationRef> =>
  defineEvent<OrganisationRef>({
    type,
    schemaVersion: 1,
    codec: OrganisationRef,
    stream: streamName,
    subjectPattern,
    subject: (p) => subjectPattern.replace("*", p.organisationId),
    personalData: false,
  });

const layout = (
  events: EventDefinition[],
  streams = [stream("REFERRAL", ["kopru.v1.referral.>"])],
): BusLayout => ({
  streams,
  events,
  deadLetterStream: stream("DLQ", ["kopru.dlq.>"]),
});

describe("subjectMatches", () => {
  it.each([
    ["kopru.v1.referral.requested.*", "kopru.v1.referral.requested.org1", true],
    ["kopru.v1.referral.requested.*", "kopru.v1.referral.requested", false],
    ["kopru.v1.referral.requested.*", "kopru.v1.referral.requested.org1.extra", false],
    ["kopru.v1.referral.status.*.*", "kopru.v1.referral.status.a.b", true],
    ["kopru.v1.referral.status.*.b", "kopru.v1.referral.status.a.c", false],
    ["kopru.v1.referral.>", "kopru.v1.referral.status.a.b", true],
    ["kopru.v1.referral.>", "kopru.v1.referral", false],
    ["kopru.v1.referral.>", "kopru.v1.consent.withdrawn.a", false],
    ["kopru.v1.directory.organisations", "kopru.v1.directory.organisations", true],
    ["kopru.v1.directory.organisations", "kopru.v1.directory.offerings", false],
  ])("%s against %s is %s", (pattern, subject, expected) => {
    expect(subjectMatches(pattern, subject)).toBe(expected);
  });
});

describe("subjectToken", () => {
  it("accepts an id and refuses what would change the subject's shape", () => {
    expect(subjectToken("0193e0c4-7d2b-7c6e-a1b2-3c4d5e6f7a8b", "org")).toBe(
      "0193e0c4-7d2b-7c6e-a1b2-3c4d5e6f7a8b",
    );
    for (const bad of ["a.b", "*", ">", "a b", ""]) {
      expect(() => subjectToken(bad, "org")).toThrow(BusLayoutError);
    }
  });
});

describe("validateLayout", () => {
  it("accepts disjoint subjects inside their streams", () => {
    const ok = layout([
      event("kopru.referral.v1.ReferralRequested", "kopru.v1.referral.requested.*"),
      event("kopru.referral.v1.ReferralStatusChanged", "kopru.v1.referral.status.*.*"),
    ]);
    expect(validateLayout(ok)).toBe(ok);
    expect(findEventForSubject(ok, "kopru.v1.referral.status.a.b")?.type).toBe(
      "kopru.referral.v1.ReferralStatusChanged",
    );
    expect(findEventForSubject(ok, "kopru.v1.referral.closed.a")).toBeUndefined();
  });

  it.each([
    ["a wildcard over a literal", "kopru.v1.referral.requested.*", "kopru.v1.referral.*.org1"],
    ["a full wildcard over a pattern", "kopru.v1.referral.>", "kopru.v1.referral.status.*.*"],
    ["the same pattern twice", "kopru.v1.referral.requested.*", "kopru.v1.referral.requested.*"],
  ])("refuses overlapping subjects: %s", (_, a, b) => {
    expect(() => validateLayout(layout([event("t.A", a), event("t.B", b)]))).toThrow(/overlap/);
  });

  it("does not call patterns of different lengths overlapping", () => {
    // "x.>" needs at least one token after x; it cannot match "x" itself.
    const streams = [stream("REFERRAL", ["kopru.v1.referral.>"])];
    expect(() =>
      validateLayout(
        layout(
          [event("t.A", "kopru.v1.referral.status"), event("t.B", "kopru.v1.referral.status.>")],
          streams,
        ),
      ),
    ).not.toThrow();
    expect(() =>
      validateLayout(
        layout([event("t.A", "kopru.v1.referral.a.*"), event("t.B", "kopru.v1.referral.a.*.*")], streams),
      ),
    ).not.toThrow();
  });

  it("refuses a subject outside its stream", () => {
    expect(() => validateLayout(layout([event("t.A", "kopru.v1.consent.withdrawn.*")]))).toThrow(
      /outside stream REFERRAL/,
    );
    // A pattern wider than the stream is outside it too, even though they overlap.
    const narrow = [stream("REFERRAL", ["kopru.v1.referral.requested.*"])];
    expect(() => validateLayout(layout([event("t.A", "kopru.v1.referral.>")], narrow))).toThrow(
      /outside stream/,
    );
    expect(() => validateLayout(layout([event("t.A", "kopru.v1.referral.*.*")], narrow))).toThrow(
      /outside stream/,
    );
  });

  it("refuses an event type declared twice", () => {
    expect(() =>
      validateLayout(
        layout([event("t.A", "kopru.v1.referral.requested.*"), event("t.A", "kopru.v1.referral.status.*.*")]),
      ),
    ).toThrow(/declared twice/);
  });

  it("refuses an unknown stream and a dead-letter stream that is also a regular one", () => {
    expect(() => validateLayout(layout([event("t.A", "kopru.v1.referral.requested.*", "NOPE")]))).toThrow(
      /unknown stream NOPE/,
    );
    expect(() =>
      validateLayout({
        streams: [stream("DLQ", ["kopru.v1.>"])],
        events: [],
        deadLetterStream: stream("DLQ", ["x.>"]),
      }),
    ).toThrow(/dead-letter stream/);
  });

  it("refuses streams whose subjects overlap (JetStream would refuse the second)", () => {
    expect(() =>
      validateLayout(
        layout(
          [],
          [stream("REFERRAL", ["kopru.v1.referral.>"]), stream("OTHER", ["kopru.v1.*.requested.*"])],
        ),
      ),
    ).toThrow(/overlap/);
    expect(() =>
      validateLayout({
        streams: [stream("ALL", ["kopru.>"])],
        events: [],
        deadLetterStream: stream("DLQ", ["kopru.dlq.>"]),
      }),
    ).toThrow(/overlap/);
  });

  it("throws BusLayoutError", () => {
    expect(() => validateLayout(layout([event("t.A", "kopru.v1.consent.*")]))).toThrow(BusLayoutError);
  });
});
