import { EventEnvelope } from "@kopru/contracts/common/v1/envelope";
import { OrganisationRef } from "@kopru/contracts/common/v1/refs";
import { describe, expect, it } from "vitest";
import { decodeEvent, encodeEvent } from "./envelope.js";
import { InvalidEventError, RejectedMessageError } from "./errors.js";
import { defineEvent, type EventDefinition } from "./layout.js";

const thing = defineEvent<OrganisationRef>({
  type: "kopru.common.v1.OrganisationRef",
  schemaVersion: 2,
  codec: OrganisationRef,
  stream: "THINGS",
  subjectPattern: "kopru.v1.thing.*",
  subject: (p) => `kopru.v1.thing.${p.organisationId}`,
  personalData: false,
});
const known = new Map<string, EventDefinition>([[thing.type, thing as EventDefinition]]);
const producer = { organisationId: "org-a", service: "intake" };

function rejection(run: () => unknown): RejectedMessageError {
  try {
    run();
  } catch (error) {
    if (error instanceof RejectedMessageError) return error;
    throw error;
  }
  throw new Error("expected a RejectedMessageError");
}

describe("encodeEvent / decodeEvent", () => {
  it("round-trips every envelope field and the payload", () => {
    const occurredAt = new Date("2026-11-25T10:11:12.345Z");
    const encoded = encodeEvent(
      {
        definition: thing,
        payload: { organisationId: "org-b", displayName: "Partner B" },
        aggregate: { type: "referral", id: "ref-1", sequence: 7 },
        correlationId: "corr-1",
        causationId: "cause-1",
        occurredAt,
      },
      producer,
    );
    expect(encoded.subject).toBe("kopru.v1.thing.org-b");
    expect(encoded.eventId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);

    const { event, definition } = decodeEvent<OrganisationRef>(encoded.envelope, encoded.subject, known);
    expect(definition).toBe(thing);
    expect(event).toEqual({
      eventId: encoded.eventId,
      type: thing.type,
      schemaVersion: 2,
      occurredAt,
      producer,
      correlationId: "corr-1",
      causationId: "cause-1",
      aggregate: { type: "referral", id: "ref-1", sequence: 7 },
      subject: "kopru.v1.thing.org-b",
      payload: { organisationId: "org-b", displayName: "Partner B" },
    });
  });

  it("defaults the correlation id to the event id and keeps a given event id", () => {
    const eventId = "0193e0c4-7d2b-7c6e-a1b2-3c4d5e6f7a8b";
    const encoded = encodeEvent(
      {
        definition: thing,
        payload: { organisationId: "x" },
        aggregate: { type: "t", id: "a", sequence: 1 },
        eventId,
      },
      producer,
    );
    const { event } = decodeEvent(encoded.envelope, encoded.subject, known);
    expect(event.eventId).toBe(eventId);
    expect(event.correlationId).toBe(eventId);
    expect(event.causationId).toBe("");
  });

  it("hands event ids to handlers in canonical lower case, as the inbox stores them", () => {
    const encoded = encodeEvent(
      {
        definition: thing,
        payload: { organisationId: "x" },
        aggregate: { type: "t", id: "a", sequence: 1 },
        eventId: "0193E0C4-7D2B-7C6E-A1B2-3C4D5E6F7A8B",
      },
      producer,
    );
    expect(decodeEvent(encoded.envelope, encoded.subject, known).event.eventId).toBe(
      "0193e0c4-7d2b-7c6e-a1b2-3c4d5e6f7a8b",
    );
  });

  it("refuses to encode an event without an aggregate id or with a bad sequence", () => {
    const base = { definition: thing, payload: { organisationId: "x" } };
    for (const sequence of [0, -1, 1.5, Number.NaN]) {
      expect(() => encodeEvent({ ...base, aggregate: { type: "t", id: "a", sequence } }, producer)).toThrow(
        InvalidEventError,
      );
    }
    expect(() => encodeEvent({ ...base, aggregate: { type: "t", id: "", sequence: 1 } }, producer)).toThrow(
      InvalidEventError,
    );
  });
});

describe("decodeEvent rejections", () => {
  const valid = (overrides: Partial<EventEnvelope> = {}) =>
    EventEnvelope.encode({
      ...EventEnvelope.fromPartial({}),
      eventId: "0193e0c4-7d2b-7c6e-a1b2-3c4d5e6f7a8b",
      eventType: thing.type,
      schemaVersion: 1,
      aggregateType: "t",
      aggregateId: "a",
      aggregateSequence: 1,
      payload: Buffer.from(OrganisationRef.encode({ organisationId: "x" }).finish()),
      ...overrides,
    }).finish();

  it("garbage bytes are undecodable", () => {
    for (const garbage of [
      new TextEncoder().encode("this is not a protobuf message"),
      Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]),
      Uint8Array.from([0x0a, 0x20, 0x41]), // a length-delimited field running past the end
    ]) {
      const error = rejection(() => decodeEvent(garbage, "kopru.v1.thing.x", known));
      expect(error.reason).toBe("undecodable");
      expect(error.event).toBeUndefined();
    }
  });

  it("an empty message or one without an event id or type is undecodable", () => {
    expect(rejection(() => decodeEvent(new Uint8Array(), "s", known)).reason).toBe("undecodable");
    expect(rejection(() => decodeEvent(valid({ eventId: "" }), "s", known)).reason).toBe("undecodable");
    expect(rejection(() => decodeEvent(valid({ eventType: "" }), "s", known)).reason).toBe("undecodable");
  });

  it("an event id that is not a UUID is undecodable (inboxes key on UUIDs)", () => {
    const error = rejection(() => decodeEvent(valid({ eventId: "not-a-uuid" }), "s", known));
    expect(error.reason).toBe("undecodable");
    expect(error.message).toMatch(/not-a-uuid/);
  });

  it("an unknown event type is unknown_type", () => {
    const error = rejection(() => decodeEvent(valid({ eventType: "kopru.other.v1.Unknown" }), "s", known));
    expect(error.reason).toBe("unknown_type");
    expect(error.message).toMatch(/kopru\.other\.v1\.Unknown/);
    // What the envelope said, so the consumer can record the skip in its inbox and cursor.
    expect(error.event).toEqual({
      eventId: "0193e0c4-7d2b-7c6e-a1b2-3c4d5e6f7a8b",
      type: "kopru.other.v1.Unknown",
      aggregate: { type: "t", id: "a", sequence: 1 },
    });
  });

  it("a newer schema version is unsupported_schema_version; older and equal ones decode", () => {
    const error = rejection(() => decodeEvent(valid({ schemaVersion: 3 }), "s", known));
    expect(error.reason).toBe("unsupported_schema_version");
    expect(error.event?.eventId).toBe("0193e0c4-7d2b-7c6e-a1b2-3c4d5e6f7a8b");
    expect(error.message).toMatch(/3 is newer than the 2/);
    expect(decodeEvent(valid({ schemaVersion: 2 }), "s", known).event.schemaVersion).toBe(2);
    expect(decodeEvent(valid({ schemaVersion: 1 }), "s", known).event.schemaVersion).toBe(1);
  });

  it("a payload that does not decode as its type is undecodable", () => {
    const error = rejection(() =>
      decodeEvent(valid({ payload: Buffer.from([0x0a, 0x50, 0x41]) }), "s", known),
    );
    expect(error.reason).toBe("undecodable");
    expect(error.message).toMatch(/payload/);
  });
});
