import { encodeEvent } from "@kopru/bus";
import { EventEnvelope } from "@kopru/contracts/common/v1/envelope";
import { ReferralRequested } from "@kopru/contracts/referral/v1/events";
import { ReferralPackage } from "@kopru/contracts/referral/v1/package";
import { EVENTS, NETWORK_LAYOUT, SUBJECTS } from "@kopru/events";
import type { Sql } from "@kopru/storage";
import { describe, expect, it } from "vitest";
import { generateKeyPair, open, SUITE_NAME } from "./crypto.js";
import { personalDurablesOf } from "./manager.js";
import { addresseeOf, createSealer } from "./sealer.js";

/** The key lookups here are in memory: they are never handed the relay's transaction. */
const noSql = {} as Sql;
const producer = { organisationId: "ngo-hayat", service: "intake" };

function packageFor(target: string, phone: string) {
  return encodeEvent(
    {
      definition: EVENTS.referralRequested,
      payload: {
        referralPackage: ReferralPackage.fromPartial({
          referralId: "0193a1c2-0000-7000-8000-000000000001",
          target: { organisationId: target },
          contact: { phoneNumber: phone },
        }),
      },
      aggregate: { type: "referral", id: "0193a1c2-0000-7000-8000-000000000001", sequence: 1 },
    },
    producer,
  );
}

describe("the relay's sealer", () => {
  it("seals a personal event to its addressee's key, bound to the event, with no clear payload left", async () => {
    const keys = await generateKeyPair();
    const sealer = createSealer({
      events: NETWORK_LAYOUT.events,
      recipientKey: async (org) =>
        org === "mmcc-a" ? { keyId: "k1", publicKey: keys.publicKey, suite: SUITE_NAME } : undefined,
      now: () => new Date(),
    });
    const encoded = packageFor("mmcc-a", "+90 555 CANARY");
    const outcome = await sealer({ ...encoded, eventType: encoded.type }, noSql);
    if (outcome.kind !== "sealed") throw new Error(`expected sealed, got ${outcome.kind}`);
    expect(Buffer.from(outcome.envelope).includes(Buffer.from("CANARY"))).toBe(false);
    const envelope = EventEnvelope.decode(outcome.envelope);
    expect(envelope.payload).toHaveLength(0);
    expect(envelope.eventId).toBe(encoded.eventId);
    const sealed = envelope.sealedPayload as NonNullable<EventEnvelope["sealedPayload"]>;
    const plain = await open(keys.privateKey, sealed, {
      eventId: encoded.eventId,
      eventType: encoded.type,
      subject: SUBJECTS.requestedFor("mmcc-a"),
      recipientOrganisationId: "mmcc-a",
      keyId: "k1",
    });
    expect(ReferralRequested.decode(plain).referralPackage?.contact?.phoneNumber).toBe("+90 555 CANARY");
    // A replay of the sealed row passes as it is.
    expect(await sealer({ ...encoded, eventType: encoded.type, envelope: outcome.envelope }, noSql)).toEqual({
      kind: "clear",
    });
  });

  it("makes a personal event wait while no key of its addressee is known, and lets other events pass", async () => {
    const sealer = createSealer({
      events: NETWORK_LAYOUT.events,
      recipientKey: async () => undefined,
      now: () => new Date(),
    });
    const encoded = packageFor("mmcc-b", "+90 555 0");
    expect(await sealer({ ...encoded, eventType: encoded.type }, noSql)).toEqual({
      kind: "wait",
      reason: "no sealing key of mmcc-b is valid now",
    });
    const notice = encodeEvent(
      {
        definition: EVENTS.sealingKeyPublished,
        payload: { organisationId: "mmcc-b", keyId: "k", publicKey: Buffer.alloc(32), suite: SUITE_NAME },
        aggregate: { type: "sealing_key", id: "k", sequence: 1 },
      },
      producer,
    );
    expect(await sealer({ ...notice, eventType: notice.type }, noSql)).toEqual({ kind: "clear" });
    await expect(sealer({ ...notice, eventType: "kopru.unknown.v1.Thing" }, noSql)).rejects.toThrow(
      /not in the layout/,
    );
  });

  it("finds the one addressee of every personal event of the layout", () => {
    for (const definition of NETWORK_LAYOUT.events.filter((e) => e.personalData)) {
      const subject = definition.subjectPattern.replace("*", "org-x");
      expect(addresseeOf(definition, subject)).toBe("org-x");
    }
  });
});

describe("the consumers a key's destruction waits for", () => {
  const durable = (name: string, stream: string, filterSubject: string) => ({
    name,
    subjects: { stream, filterSubject },
  });
  it("are the organisation's consumers of personal subjects, and only those", () => {
    const consumers = [
      durable("m-mmcc-a-requested", "KOPRU_REFERRAL", SUBJECTS.requestedFor("mmcc-a")),
      durable("m-mmcc-b-requested", "KOPRU_REFERRAL", SUBJECTS.requestedFor("mmcc-b")),
      durable("m-mmcc-a-consent", "KOPRU_CONSENT", SUBJECTS.consentWithdrawnFor("mmcc-a")),
      durable("m-mmcc-a-contact", "KOPRU_REFERRAL", SUBJECTS.contactUpdatedFor("mmcc-a")),
      durable("m-mmcc-a-cancelled", "KOPRU_REFERRAL", SUBJECTS.cancelledFor("mmcc-a")),
      durable("m-directory", "KOPRU_DIRECTORY", SUBJECTS.directory),
      durable("everything", "KOPRU_REFERRAL", "kopru.v1.referral.>"),
    ];
    expect(personalDurablesOf("mmcc-a", consumers, NETWORK_LAYOUT.events).map((c) => c.name)).toEqual([
      "m-mmcc-a-requested",
      "m-mmcc-a-consent",
      "m-mmcc-a-contact",
      "everything",
    ]);
  });
});
