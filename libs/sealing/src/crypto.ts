import { Aes256Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from "@hpke/core";

/**
 * HPKE base mode (RFC 9180) through `@hpke/core`, a maintained implementation of the RFC (with its
 * test vectors) over WebCrypto: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM. Every seal
 * makes a fresh ephemeral key pair, so every message has its own data key; the sender keeps
 * nothing that could open it again.
 */
export const SUITE_NAME = "HPKE-base/X25519-HKDF-SHA256/HKDF-SHA256/AES-256-GCM";

const suite = new CipherSuite({
  kem: new DhkemX25519HkdfSha256(),
  kdf: new HkdfSha256(),
  aead: new Aes256Gcm(),
});

/** Domain separation: a key of this network used for anything else yields nothing usable here. */
const INFO = new TextEncoder().encode("kopru sealed event v1");

/** What a sealed payload is bound to: moved under another envelope or subject, it does not open. */
export interface SealBinding {
  eventId: string;
  eventType: string;
  /** The subject it is published on (it names the addressee). */
  subject: string;
  recipientOrganisationId: string;
  keyId: string;
}

/** The associated data: every bound field, length-prefixed so no two bindings encode alike. */
export function associatedData(binding: SealBinding): Uint8Array {
  const fields = [
    "kopru-sealed-v1",
    binding.eventId.toLowerCase(),
    binding.eventType,
    binding.subject,
    binding.recipientOrganisationId,
    binding.keyId,
  ].map((field) => new TextEncoder().encode(field));
  const out = new Uint8Array(fields.reduce((n, f) => n + 4 + f.length, 0));
  const view = new DataView(out.buffer);
  let offset = 0;
  for (const field of fields) {
    view.setUint32(offset, field.length);
    out.set(field, offset + 4);
    offset += 4 + field.length;
  }
  return out;
}

export interface KeyPairBytes {
  /** Raw X25519 public key, 32 bytes. */
  publicKey: Uint8Array;
  /** Raw X25519 private key, 32 bytes. */
  privateKey: Uint8Array;
}

export async function generateKeyPair(): Promise<KeyPairBytes> {
  const pair = await suite.kem.generateKeyPair();
  return {
    publicKey: new Uint8Array(await suite.kem.serializePublicKey(pair.publicKey)),
    privateKey: new Uint8Array(await suite.kem.serializePrivateKey(pair.privateKey)),
  };
}

export interface Sealed {
  encapsulatedKey: Uint8Array;
  ciphertext: Uint8Array;
}

export async function seal(
  publicKey: Uint8Array,
  plaintext: Uint8Array,
  binding: SealBinding,
): Promise<Sealed> {
  const recipientPublicKey = await suite.kem.deserializePublicKey(publicKey);
  const { enc, ct } = await suite.seal(
    { recipientPublicKey, info: INFO },
    plaintext,
    associatedData(binding),
  );
  return { encapsulatedKey: new Uint8Array(enc), ciphertext: new Uint8Array(ct) };
}

/** Opens a sealed payload; throws (an HPKE `OpenError`) when the key, the binding or a byte differs. */
export async function open(
  privateKey: Uint8Array,
  sealed: Sealed,
  binding: SealBinding,
): Promise<Uint8Array> {
  const recipientKey = await suite.kem.deserializePrivateKey(privateKey);
  const pt = await suite.open(
    { recipientKey, enc: sealed.encapsulatedKey, info: INFO },
    sealed.ciphertext,
    associatedData(binding),
  );
  return new Uint8Array(pt);
}
