import type { Database } from "@kopru/storage";
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from "jose";
import {
  deleteExpiredRetiredKeys,
  insertSigningKey,
  listSigningKeys,
  lockSigningKeys,
  promoteNextKey,
  retireCurrentKey,
  type SigningKey,
} from "../adapters/persistence/signing-keys.js";
import { SigningKeysUnavailableError } from "../domain/errors.js";

export const SIGNING_ALG = "ES256";
/** Clock difference between the provider and a verifier that a retired key still has to cover. */
export const CLOCK_SKEW_SECONDS = 60;

async function newKey(): Promise<{ kid: string; privateJwk: JWK }> {
  const { privateKey } = await generateKeyPair(SIGNING_ALG, { extractable: true });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { kid, privateJwk: { ...jwk, kid, alg: SIGNING_ALG, use: "sig" } };
}

/**
 * On first start: one key that signs and one staged to sign next, so the first rotation already
 * promotes a key every verifier has had the chance to fetch.
 */
export async function ensureSigningKeys(db: Database, now = new Date()): Promise<void> {
  await db.transaction(async (tx) => {
    await lockSigningKeys(tx);
    const keys = await listSigningKeys(tx);
    if (!keys.some((key) => key.state === "current")) {
      await insertSigningKey(tx, { ...(await newKey()), state: "current", now });
    }
    if (!keys.some((key) => key.state === "next")) {
      await insertSigningKey(tx, { ...(await newKey()), state: "next", now });
    }
  });
}

export interface RotationOptions {
  accessTokenTtlSeconds: number;
  now?: Date;
}

export interface RotationResult {
  /** The key that signs from now on. */
  current: string;
  /** The key staged (published, not signing) for the next rotation. */
  next: string;
  /** The key that signed until now, published until its last token has expired. */
  retired?: string;
}

/**
 * One rotation step, without downtime: the staged `next` key (published since the previous step)
 * starts signing, the old `current` key retires but stays published until every token it signed has
 * expired (access token TTL plus clock skew), and a fresh `next` key is staged. Because a key is
 * published a whole rotation period before it signs, a verifier caching the JWKS knows its kid
 * before any token carries it. Without a staged key (an older database) this only stages one.
 */
export async function rotateSigningKeys(db: Database, options: RotationOptions): Promise<RotationResult> {
  const now = options.now ?? new Date();
  return db.transaction(async (tx) => {
    await lockSigningKeys(tx);
    await deleteExpiredRetiredKeys(tx, now);
    const keys = await listSigningKeys(tx);
    const current = keys.find((key) => key.state === "current");
    const next = keys.find((key) => key.state === "next");
    if (!current) throw new SigningKeysUnavailableError("no current signing key; start the service first");
    if (!next) {
      const staged = await newKey();
      await insertSigningKey(tx, { ...staged, state: "next", now });
      return { current: current.kid, next: staged.kid };
    }
    const retireAfter = new Date(now.getTime() + (options.accessTokenTtlSeconds + CLOCK_SKEW_SECONDS) * 1000);
    await retireCurrentKey(tx, retireAfter);
    await promoteNextKey(tx, now);
    const staged = await newKey();
    await insertSigningKey(tx, { ...staged, state: "next", now });
    return { current: next.kid, next: staged.kid, retired: current.kid };
  });
}

/** The keys to publish, the signing one first: current, next, then retired ones still needed. */
export function publishedKeys(keys: readonly SigningKey[], now = new Date()): SigningKey[] {
  const current = keys.filter((key) => key.state === "current");
  if (current.length === 0) throw new SigningKeysUnavailableError("no current signing key");
  const next = keys.filter((key) => key.state === "next");
  const retired = keys.filter(
    (key) => key.state === "retired" && key.retireAfter !== null && key.retireAfter > now,
  );
  return [...current, ...next, ...retired];
}

/** Whether the periodic rotation is due: the current key has signed for `days` days. */
export function rotationDue(keys: readonly SigningKey[], days: number, now = new Date()): boolean {
  if (days <= 0) return false;
  const current = keys.find((key) => key.state === "current");
  const since = current?.activatedAt ?? current?.createdAt;
  return since !== undefined && now.getTime() - since.getTime() >= days * 86_400_000;
}

export { listSigningKeys, type SigningKey };
