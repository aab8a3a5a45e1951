import { createHmac } from "node:crypto";
import { canonicalBirthYear, canonicalDocumentNumber, canonicalPhone } from "./identifiers.js";
import { nameSkeletons } from "./names.js";

/** What a partner knows about a person, as its own records hold it. */
export interface PersonIdentifiers {
  givenName: string;
  familyName: string;
  birthYear?: number | undefined;
  phoneNumber?: string | undefined;
  documentNumber?: string | undefined;
}

/**
 * The kinds of blocking key. Each person gets several of several kinds, so that a typo or a
 * transliteration variant in one identifier still leaves another key in common.
 * - `document`: the document number;
 * - `names_year`: two name skeletons and the birth year (every pair of the person's name words, in
 *   either order, so given/family swapped or an added father's name still meet);
 * - `name_variant_year`: one name exactly, the other within one consonant (a deletion neighbourhood:
 *   a typo that adds, drops, changes or swaps a consonant leaves a variant in common), and the year;
 * - `names`: two name skeletons without the year;
 * - `short_name_variant_year`: the same for a name of three consonants, where one consonant less
 *   leaves two and other names meet it (Hanan/Husayn): worth something only beside another key;
 * - `phone`, `phone_year`: the number, alone and with the birth year (households share a phone).
 */
export type MatchKeyKind =
  | "document"
  | "names_year"
  | "name_variant_year"
  | "names"
  | "short_name_variant_year"
  | "phone"
  | "phone_year";

export const MATCH_KEY_KINDS: readonly MatchKeyKind[] = [
  "document",
  "names_year",
  "name_variant_year",
  "names",
  "short_name_variant_year",
  "phone",
  "phone_year",
];

export interface BlockingKey {
  kind: MatchKeyKind;
  /** The normalised identifiers; personal data, never sent anywhere. */
  value: string;
}

export interface KeyedHash {
  kind: MatchKeyKind;
  /** HMAC-SHA256 of the key under the network secret, base64url (43 characters). */
  hash: string;
}

/** Names beyond this many words add keys without adding much: a long name's first words are kept. */
const MAX_NAME_WORDS = 5;
/** Names with fewer consonants have no variants: one less would leave one, matching almost anything. */
const MIN_VARIANT_SOURCE = 3;
/** Names with this many consonants or more keep a distinctive variant when one is dropped. */
const LONG_NAME = 4;

/**
 * The skeleton and every skeleton one consonant shorter, the first consonant kept: a typo rarely hits
 * the first letter, and names that differ only there (Khalid/Walid, Mansour/Nasser) are other names.
 */
function consonantNeighbourhood(skeleton: string): string[] {
  const variants = new Set([skeleton]);
  if (skeleton.length >= MIN_VARIANT_SOURCE) {
    for (let i = 1; i < skeleton.length; i++) variants.add(skeleton.slice(0, i) + skeleton.slice(i + 1));
  }
  return [...variants];
}

/** The plaintext blocking keys of a person. Personal data: only their keyed hashes leave the partner. */
export function blockingKeys(person: PersonIdentifiers, now: Date = new Date()): BlockingKey[] {
  const keys: BlockingKey[] = [];
  const add = (kind: MatchKeyKind, value: string) => keys.push({ kind, value });
  const year = canonicalBirthYear(person.birthYear, now);
  const document = canonicalDocumentNumber(person.documentNumber);
  const phone = canonicalPhone(person.phoneNumber);
  if (document) add("document", document);
  if (phone) {
    add("phone", phone);
    if (year !== undefined) add("phone_year", `${phone}|${year}`);
  }
  const words = nameSkeletons(person.givenName, person.familyName).slice(0, MAX_NAME_WORDS);
  const pairs: [string, string][] = [];
  for (let i = 0; i < words.length; i++)
    for (let j = i + 1; j < words.length; j++) pairs.push([words[i] as string, words[j] as string]);
  // A single name word (a mononym) pairs with nothing: it stands alone, with the year.
  if (words.length === 1) pairs.push([words[0] as string, ""]);
  for (const [a, b] of pairs) {
    add("names", `${a}|${b}`);
    if (year === undefined) continue;
    add("names_year", `${a}|${b}|${year}`);
    if (!b) continue;
    for (const [exact, fuzzy] of [
      [a, b],
      [b, a],
    ] as const) {
      const kind = fuzzy.length >= LONG_NAME ? "name_variant_year" : "short_name_variant_year";
      for (const variant of consonantNeighbourhood(fuzzy)) add(kind, `${exact}|~${variant}|${year}`);
    }
  }
  const seen = new Set<string>();
  return keys.filter((key) => {
    const id = `${key.kind}\n${key.value}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/** Hashes one blocking key; the kind is part of what is hashed, so equal values of two kinds differ. */
export function keyedHash(secret: Uint8Array, key: BlockingKey): KeyedHash {
  const hash = createHmac("sha256", secret)
    .update(`kopru-matching/v1\n${key.kind}\n${key.value}`)
    .digest("base64url");
  return { kind: key.kind, hash };
}

/**
 * The keyed hashes of a person's blocking keys under the network secret: what a partner sends to the
 * matching service, which holds no secret and no identifier, so cannot try names against them.
 */
export function keyedHashes(
  person: PersonIdentifiers,
  secret: Uint8Array,
  now: Date = new Date(),
): KeyedHash[] {
  if (secret.length < 32) throw new RangeError("the network matching secret must be at least 32 bytes");
  return blockingKeys(person, now).map((key) => keyedHash(secret, key));
}
