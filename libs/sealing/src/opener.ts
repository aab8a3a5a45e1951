import { type Opener, UnopenableError } from "@kopru/bus";
import { open, SUITE_NAME } from "./crypto.js";
import type { SealingKeyStore } from "./keys.js";

/**
 * A consumer's opener (ADR 0022): the addressee's private key, from this service's own database,
 * opens the payload bound to this very event id, type and subject. A destroyed or unknown key, a
 * foreign addressee or a changed byte makes it unopenable (a dead letter with the reason).
 */
export function createOpener(keys: SealingKeyStore): Opener {
  return async (envelope, subject) => {
    const sealed = envelope.sealedPayload;
    if (!sealed) throw new UnopenableError("envelope is not sealed");
    if (sealed.suite !== SUITE_NAME) throw new UnopenableError(`unknown suite ${sealed.suite}`);
    const key = await keys.privateKey(sealed.keyId, sealed.recipientOrganisationId);
    if (key.state === "unknown") {
      throw new UnopenableError(
        `sealing key ${sealed.keyId} of ${sealed.recipientOrganisationId} is not held here`,
      );
    }
    if (key.state === "destroyed") {
      throw new UnopenableError(`sealing key ${sealed.keyId} was destroyed; the payload is unrecoverable`);
    }
    try {
      return await open(
        key.privateKey,
        { encapsulatedKey: sealed.encapsulatedKey, ciphertext: sealed.ciphertext },
        {
          eventId: envelope.eventId,
          eventType: envelope.eventType,
          subject,
          recipientOrganisationId: sealed.recipientOrganisationId,
          keyId: sealed.keyId,
        },
      );
    } catch (error) {
      throw new UnopenableError(
        `sealed payload of ${envelope.eventType} does not open (altered, or moved under another event or subject)`,
        { cause: error },
      );
    }
  };
}
