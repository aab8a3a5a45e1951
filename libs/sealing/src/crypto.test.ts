import { describe, expect, it } from "vitest";
import { generateKeyPair, open, type SealBinding, seal } from "./crypto.js";

const binding: SealBinding = {
  eventId: "0193a1c2-0000-7000-8000-000000000001",
  eventType: "kopru.referral.v1.ReferralRequested",
  subject: "kopru.v1.referral.requested.mmcc-a",
  recipientOrganisationId: "mmcc-a",
  keyId: "0193a1c2-0000-7000-8000-0000000000aa",
};
const canary = new TextEncoder().encode("phone +90 555 000 1234 CANARY");

describe("seal and open", () => {
  it("opens what was sealed to the key, and the ciphertext does not carry the plaintext", async () => {
    const keys = await generateKeyPair();
    expect(keys.publicKey).toHaveLength(32);
    const sealed = await seal(keys.publicKey, canary, binding);
    expect(Buffer.from(sealed.ciphertext).includes(Buffer.from("CANARY"))).toBe(false);
    expect(await open(keys.privateKey, sealed, binding)).toEqual(canary);
  });

  it("uses a fresh data key per message: the same payload seals differently every time", async () => {
    const keys = await generateKeyPair();
    const a = await seal(keys.publicKey, canary, binding);
    const b = await seal(keys.publicKey, canary, binding);
    expect(Buffer.from(a.encapsulatedKey).equals(Buffer.from(b.encapsulatedKey))).toBe(false);
    expect(Buffer.from(a.ciphertext).equals(Buffer.from(b.ciphertext))).toBe(false);
  });

  it("refuses a tampered ciphertext or encapsulated key", async () => {
    const keys = await generateKeyPair();
    const sealed = await seal(keys.publicKey, canary, binding);
    const ciphertext = sealed.ciphertext.slice();
    ciphertext[3] = (ciphertext[3] as number) ^ 1;
    await expect(open(keys.privateKey, { ...sealed, ciphertext }, binding)).rejects.toThrow();
    const encapsulatedKey = sealed.encapsulatedKey.slice();
    encapsulatedKey[0] = (encapsulatedKey[0] as number) ^ 1;
    await expect(open(keys.privateKey, { ...sealed, encapsulatedKey }, binding)).rejects.toThrow();
  });

  it.each([
    ["event id", { eventId: "0193a1c2-0000-7000-8000-000000000002" }],
    ["event type", { eventType: "kopru.referral.v1.ContactDetailsUpdated" }],
    ["subject (another addressee)", { subject: "kopru.v1.referral.requested.mmcc-b" }],
    ["recipient", { recipientOrganisationId: "mmcc-b" }],
    ["key id", { keyId: "0193a1c2-0000-7000-8000-0000000000bb" }],
  ])("refuses it under another %s (associated data)", async (_, change) => {
    const keys = await generateKeyPair();
    const sealed = await seal(keys.publicKey, canary, binding);
    await expect(open(keys.privateKey, sealed, { ...binding, ...change })).rejects.toThrow();
  });

  it("refuses another organisation's private key", async () => {
    const keys = await generateKeyPair();
    const other = await generateKeyPair();
    const sealed = await seal(keys.publicKey, canary, binding);
    await expect(open(other.privateKey, sealed, binding)).rejects.toThrow();
  });
});
