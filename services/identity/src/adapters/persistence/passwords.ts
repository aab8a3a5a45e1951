import { hash, verify } from "@node-rs/argon2";

/**
 * argon2id (the library's default algorithm) at OWASP's first recommended setting: 19 MiB, two
 * passes, one lane. Memory-hard, so a stolen table costs an attacker memory per guess, not only time.
 */
const PARAMETERS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export function hashPassword(password: string): Promise<string> {
  return hash(password, PARAMETERS);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

let dummy: Promise<string> | undefined;

/**
 * A hash no password matches, verified when the username is unknown so that the answer takes as
 * long as for a known user: response time must not tell which usernames exist.
 */
export function dummyHash(): Promise<string> {
  dummy ??= hashPassword(`no user ${Math.random()}`);
  return dummy;
}
