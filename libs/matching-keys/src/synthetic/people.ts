// A generated population for measuring duplicate matching: synthetic people, each registered at one
// to three partner organisations, each registration spelled as that partner would (Arabic script,
// one of the Latin transliterations, the Turkish form), with typos, swapped given/family names, a
// birth year a year off, phones in local and international forms and document numbers formatted
// differently. Deterministic for a seed. Households share a family name and a phone, so the
// measurement sees the false matches a shared phone invites.
import { type KeyedHash, keyedHashes, type MatchKeyKind, type PersonIdentifiers } from "../keys.js";
import { type MatchStrength, matchStrength } from "../strength.js";
import { FAMILY_NAMES, GIVEN_NAMES, type NameSpellings } from "./names.js";

/** A small, fast, seedable generator (mulberry32): the same seed gives the same population. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SyntheticRecord extends PersonIdentifiers {
  /** The synthetic person this registration is of: the ground truth. */
  personId: number;
  organisationId: string;
  recordRef: string;
  /** How the registration was spelled, for reading failures. */
  variation: string[];
}

export interface PopulationOptions {
  seed: number;
  people: number;
  organisations: number;
  /** Chance that a registration's name carries one typo (default 0.15). */
  typoRate?: number;
  /** Chance that given and family names are recorded the other way round (default 0.15). */
  swapRate?: number;
  /** Chance that the birth year recorded is a year off (default 0.05). */
  yearOffRate?: number;
}

export interface Population {
  records: SyntheticRecord[];
  options: Required<PopulationOptions>;
}

export function generatePopulation(options: PopulationOptions): Population {
  const settings: Required<PopulationOptions> = {
    typoRate: 0.15,
    swapRate: 0.15,
    yearOffRate: 0.05,
    ...options,
  };
  const random = seededRandom(settings.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const chance = (p: number) => random() < p;
  const organisations = Array.from({ length: settings.organisations }, (_, i) => `org-${i + 1}`);
  const records: SyntheticRecord[] = [];

  interface Person {
    given: NameSpellings;
    family: NameSpellings;
    birthYear: number;
    phoneDigits?: { country: "90" | "963"; national: string };
    document?: string;
  }
  const people: Person[] = [];
  while (people.length < settings.people) {
    const previous = people[people.length - 1];
    // One person in ten is in the household of the previous one: same family name and phone.
    const household = previous !== undefined && chance(0.1);
    const person: Person = {
      given: pick(GIVEN_NAMES),
      family: household ? previous.family : pick(FAMILY_NAMES),
      birthYear: 1950 + Math.floor(random() * 70),
    };
    if (household && previous.phoneDigits) person.phoneDigits = previous.phoneDigits;
    else if (chance(0.7)) {
      person.phoneDigits = chance(0.6)
        ? { country: "90", national: `5${digits(random, 9)}` }
        : { country: "963", national: `9${digits(random, 8)}` };
    }
    if (chance(0.4)) person.document = `99${digits(random, 9)}`;
    people.push(person);
  }

  people.forEach((person, personId) => {
    const copies = chance(0.5) ? 1 : chance(0.7) ? 2 : 3;
    const at = shuffle(random, organisations).slice(0, copies);
    for (const organisationId of at) {
      const variation: string[] = [];
      const script = pick(["arabic", "latin", "turkish"] as const);
      variation.push(script);
      const spell = (name: NameSpellings) =>
        script === "arabic" ? name.arabic : script === "latin" ? pick(name.latin) : pick(name.turkish);
      let givenName = spell(person.given);
      let familyName = spell(person.family);
      if (chance(settings.typoRate)) {
        variation.push("typo");
        if (chance(0.5)) givenName = typo(random, givenName);
        else familyName = typo(random, familyName);
      }
      if (chance(settings.swapRate)) {
        variation.push("swapped");
        [givenName, familyName] = [familyName, givenName];
      }
      let birthYear: number | undefined = person.birthYear;
      if (chance(settings.yearOffRate)) {
        variation.push("year-off");
        birthYear += chance(0.5) ? 1 : -1;
      } else if (chance(0.03)) {
        variation.push("no-year");
        birthYear = undefined;
      }
      const phoneNumber =
        person.phoneDigits && chance(0.8) ? phoneForm(random, person.phoneDigits) : undefined;
      const documentNumber =
        person.document && chance(0.6) ? documentForm(random, person.document) : undefined;
      records.push({
        personId,
        organisationId,
        recordRef: `r-${records.length + 1}`,
        givenName,
        familyName,
        birthYear,
        phoneNumber,
        documentNumber,
        variation,
      });
    }
  });
  return { records, options: settings };
}

function digits(random: () => number, count: number): string {
  let out = "";
  for (let i = 0; i < count; i++) out += Math.floor(random() * 10);
  return out;
}

function shuffle<T>(random: () => number, items: readonly T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

/** One keyboard slip: a letter dropped, doubled, replaced by a neighbour's, or two swapped. */
function typo(random: () => number, name: string): string {
  const chars = [...name];
  if (chars.length < 3) return name;
  const at = 1 + Math.floor(random() * (chars.length - 2));
  const kind = Math.floor(random() * 4);
  const letters = /[\u0600-\u06FF]/.test(name)
    ? [..."بتثجحخدذرزسشصضطظعغفقكلمنهوي"]
    : [..."abcdefghijklmnoprstuvyz"];
  if (kind === 0) chars.splice(at, 1);
  else if (kind === 1) chars.splice(at, 0, chars[at] as string);
  else if (kind === 2) chars[at] = letters[Math.floor(random() * letters.length)] as string;
  else [chars[at], chars[at - 1]] = [chars[at - 1] as string, chars[at] as string];
  return chars.join("");
}

function phoneForm(random: () => number, phone: { country: "90" | "963"; national: string }): string {
  const { country, national } = phone;
  const spaced = `${national.slice(0, 3)} ${national.slice(3, 6)} ${national.slice(6)}`;
  switch (Math.floor(random() * 5)) {
    case 0:
      return `+${country}${national}`;
    case 1:
      return `+${country} ${spaced}`;
    case 2:
      return `0${spaced}`;
    case 3:
      return `00${country}-${national}`;
    default:
      return `0${national}`;
  }
}

function documentForm(random: () => number, document: string): string {
  switch (Math.floor(random() * 3)) {
    case 0:
      return document;
    case 1:
      return `${document.slice(0, 3)} ${document.slice(3, 6)} ${document.slice(6)}`;
    default:
      return `${document.slice(0, 2)}-${document.slice(2)}`;
  }
}

export interface MatchingFigures {
  records: number;
  people: number;
  organisations: number;
  /** (registration, other organisation) pairs where the person really is registered there. */
  truePairs: number;
  /** Pairs told as a possible match (medium or strong) that are right / wrong, and pairs missed. */
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  precision: number;
  recall: number;
  /** The same, counting only strong matches as told. */
  strongPrecision: number;
  strongRecall: number;
  /** Misses by how the missed registration was spelled (a record may count under several). */
  missesByVariation: Record<string, number>;
}

/**
 * Asks, for every registration, "which other organisations hold a possible match?" exactly as the
 * matching service answers it (the strongest pair per organisation, told when medium or strong),
 * from the keyed hashes alone, and compares with the truth.
 */
export function measureMatching(
  population: Population,
  secret: Uint8Array,
  now = new Date(),
): MatchingFigures {
  const { records } = population;
  const hashes: KeyedHash[][] = records.map((r) => keyedHashes(r, secret, now));
  const byHash = new Map<string, number[]>();
  hashes.forEach((list, index) => {
    for (const h of list) {
      const holders = byHash.get(h.hash) ?? [];
      holders.push(index);
      byHash.set(h.hash, holders);
    }
  });
  const rank: Record<MatchStrength, number> = { weak: 0, medium: 1, strong: 2 };
  let truePairs = 0;
  const counts = { tp: 0, fp: 0, fn: 0, strongTp: 0, strongFp: 0, strongFn: 0 };
  const missesByVariation: Record<string, number> = {};
  const organisationsOfPerson = new Map<number, Set<string>>();
  for (const r of records) {
    const held = organisationsOfPerson.get(r.personId) ?? new Set<string>();
    held.add(r.organisationId);
    organisationsOfPerson.set(r.personId, held);
  }
  records.forEach((record, index) => {
    const kindsByRecord = new Map<number, Set<MatchKeyKind>>();
    for (const h of hashes[index] as KeyedHash[]) {
      for (const other of byHash.get(h.hash) ?? []) {
        if (records[other]?.organisationId === record.organisationId) continue;
        const kinds = kindsByRecord.get(other) ?? new Set<MatchKeyKind>();
        kinds.add(h.kind);
        kindsByRecord.set(other, kinds);
      }
    }
    const bestByOrganisation = new Map<string, MatchStrength>();
    for (const [other, kinds] of kindsByRecord) {
      const organisationId = (records[other] as SyntheticRecord).organisationId;
      const strength = matchStrength(kinds);
      const best = bestByOrganisation.get(organisationId);
      if (!best || rank[strength] > rank[best]) bestByOrganisation.set(organisationId, strength);
    }
    const truth = new Set(organisationsOfPerson.get(record.personId));
    truth.delete(record.organisationId);
    truePairs += truth.size;
    for (const organisationId of new Set([...truth, ...bestByOrganisation.keys()])) {
      const strength = bestByOrganisation.get(organisationId) ?? "weak";
      const real = truth.has(organisationId);
      const told = rank[strength] >= rank.medium;
      const strong = strength === "strong";
      if (told && real) counts.tp++;
      if (told && !real) counts.fp++;
      if (!told && real) {
        counts.fn++;
        for (const v of record.variation) missesByVariation[v] = (missesByVariation[v] ?? 0) + 1;
      }
      if (strong && real) counts.strongTp++;
      if (strong && !real) counts.strongFp++;
      if (!strong && real) counts.strongFn++;
    }
  });
  const ratio = (a: number, b: number) => (b === 0 ? 1 : a / b);
  return {
    records: records.length,
    people: new Set(records.map((r) => r.personId)).size,
    organisations: new Set(records.map((r) => r.organisationId)).size,
    truePairs,
    truePositives: counts.tp,
    falsePositives: counts.fp,
    falseNegatives: counts.fn,
    precision: ratio(counts.tp, counts.tp + counts.fp),
    recall: ratio(counts.tp, counts.tp + counts.fn),
    strongPrecision: ratio(counts.strongTp, counts.strongTp + counts.strongFp),
    strongRecall: ratio(counts.strongTp, counts.strongTp + counts.strongFn),
    missesByVariation,
  };
}
