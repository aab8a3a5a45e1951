import { encodeEvent, type Opener, UnopenableError } from "@kopru/bus";
import type { EventEnvelope } from "@kopru/contracts/common/v1/envelope";
import { EVENTS } from "@kopru/events";
import type { JetStreamClient } from "@nats-io/jetstream";
import { headers as natsHeaders } from "@nats-io/nats-core";
import { v7 as uuidv7 } from "uuid";
import { generateKeyPair, open, SUITE_NAME } from "./crypto.js";

/**
 * For tests whose parties are not whole services: sealing keys for stand-in organisations, kept in
 * memory, their public halves published on the directory stream as a hosting service would
 * (ADR 0022). A service under test then seals to them, and the test opens what it receives or
 * reads from the stream with `opener` / `openPayload`.
 */
export class TestKeyring {
  private readonly keys = new Map<string, { organisationId: string; privateKey: Uint8Array }>();

  /** Publishes a key valid for a year for each organisation (directly on the directory stream). */
  async publish(js: JetStreamClient, organisationIds: readonly string[]): Promise<void> {
    for (const organisationId of organisationIds) {
      const pair = await generateKeyPair();
      const keyId = uuidv7();
      const now = new Date();
      this.keys.set(keyId, { organisationId, privateKey: pair.privateKey });
      const encoded = encodeEvent(
        {
          definition: EVENTS.sealingKeyPublished,
          payload: {
            organisationId,
            keyId,
            publicKey: Buffer.from(pair.publicKey),
            suite: SUITE_NAME,
            // Wide on both sides: tests move their clocks (KOPRU_CLOCK_OFFSET_FILE).
            validFrom: new Date(now.getTime() - 365 * 86_400_000),
            validUntil: new Date(now.getTime() + 365 * 86_400_000),
            publishedAt: now,
          },
          aggregate: { type: "sealing_key", id: keyId, sequence: 1 },
        },
        { organisationId, service: "test-keyring" },
      );
      const h = natsHeaders();
      h.set("Kopru-Event-Type", encoded.type);
      h.set("Kopru-Aggregate-Id", keyId);
      h.set("Kopru-Aggregate-Sequence", "1");
      await js.publish(encoded.subject, encoded.envelope, { msgID: encoded.eventId, headers: h });
    }
  }

  /** Opens a sealed payload addressed to one of this keyring's organisations. */
  readonly opener: Opener = async (envelope, subject) => {
    const sealed = envelope.sealedPayload;
    const key = sealed ? this.keys.get(sealed.keyId) : undefined;
    if (!sealed || !key) throw new UnopenableError("not sealed to a key of this keyring");
    return open(key.privateKey, sealed, {
      eventId: envelope.eventId,
      eventType: envelope.eventType,
      subject,
      recipientOrganisationId: sealed.recipientOrganisationId,
      keyId: sealed.keyId,
    });
  };

  /** The envelope with its payload opened when it is sealed (for reading events off the stream). */
  async openEnvelope(envelope: EventEnvelope, subject: string): Promise<EventEnvelope> {
    if (!envelope.sealedPayload) return envelope;
    const payload = await this.opener(envelope, subject);
    return { ...envelope, payload: Buffer.from(payload), sealedPayload: undefined };
  }
}
