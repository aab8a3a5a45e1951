import type { EventDefinition, Sealer, SealOutcome } from "@kopru/bus";
import { EventEnvelope } from "@kopru/contracts/common/v1/envelope";
import type { Sql } from "@kopru/storage";
import { SUITE_NAME, seal } from "./crypto.js";

/** The public key a sender seals to: the addressee's newest key valid at `at`, if one is known. */
export type RecipientKeyLookup = (
  organisationId: string,
  at: Date,
  /** The relay's transaction (the lookup must not take another connection). */
  sql: Sql,
) => Promise<{ keyId: string; publicKey: Uint8Array; suite: string } | undefined>;

/** Which addressee a personal event is sealed to; a personal event must name exactly one. */
export function addresseeOf(definition: EventDefinition, subject: string): string {
  const wildcards = definition.subjectPattern
    .split(".")
    .flatMap((token, index) => (token === "*" ? [index] : []));
  if (wildcards.length !== 1 || definition.subjectPattern.endsWith(">")) {
    throw new Error(
      `${definition.type} carries personal data but its subject ${definition.subjectPattern} does not name exactly one addressee`,
    );
  }
  const addressee = subject.split(".")[wildcards[0] as number];
  if (!addressee) throw new Error(`subject ${subject} names no addressee for ${definition.type}`);
  return addressee;
}

/**
 * The outbox relay's sealer (ADR 0022): every event whose definition says `personalData` leaves
 * with its payload sealed to its addressee's key valid now, and waits while no such key is known.
 * Events without personal data, and envelopes already sealed (a replay), pass as they are.
 */
export function createSealer(options: {
  events: readonly EventDefinition[];
  recipientKey: RecipientKeyLookup;
  now: () => Date;
}): Sealer {
  const byType = new Map(options.events.map((definition) => [definition.type, definition]));
  return async (message, sql): Promise<SealOutcome> => {
    const definition = byType.get(message.eventType);
    // A type this service does not know cannot be shown to be free of personal data.
    if (!definition) throw new Error(`event type ${message.eventType} is not in the layout; not published`);
    if (!definition.personalData) return { kind: "clear" };
    const envelope = EventEnvelope.decode(message.envelope);
    if (envelope.sealedPayload) return { kind: "clear" };
    const recipient = addresseeOf(definition, message.subject);
    const key = await options.recipientKey(recipient, options.now(), sql);
    if (!key) return { kind: "wait", reason: `no sealing key of ${recipient} is valid now` };
    if (key.suite !== SUITE_NAME) throw new Error(`sealing key ${key.keyId} is for suite ${key.suite}`);
    const sealed = await seal(key.publicKey, envelope.payload, {
      eventId: message.eventId,
      eventType: message.eventType,
      subject: message.subject,
      recipientOrganisationId: recipient,
      keyId: key.keyId,
    });
    const out = EventEnvelope.encode({
      ...envelope,
      payload: Buffer.alloc(0),
      sealedPayload: {
        recipientOrganisationId: recipient,
        keyId: key.keyId,
        encapsulatedKey: Buffer.from(sealed.encapsulatedKey),
        ciphertext: Buffer.from(sealed.ciphertext),
        suite: SUITE_NAME,
      },
    }).finish();
    return { kind: "sealed", envelope: out };
  };
}

/**
 * For a service that seals nothing: it refuses to publish any personal event rather than let it
 * leave in clear. Non-personal events pass.
 */
export function refusePersonalEvents(events: readonly EventDefinition[]): Sealer {
  const byType = new Map(events.map((definition) => [definition.type, definition]));
  return async (message) => {
    const definition = byType.get(message.eventType);
    if (!definition || definition.personalData) {
      const envelope = EventEnvelope.decode(message.envelope);
      if (envelope.sealedPayload) return { kind: "clear" };
      throw new Error(`${message.eventType} carries personal data and this service has no sealer`);
    }
    return { kind: "clear" };
  };
}
