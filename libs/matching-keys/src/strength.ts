import type { MatchKeyKind } from "./keys.js";

/** How sure a possible match is, from which kinds of key two records have in common. */
export type MatchStrength = "strong" | "medium" | "weak";

/**
 * What each kind of key in common counts for. A document number alone is enough; both names with the
 * year nearly so; one name within a consonant, or a phone with the year, make a possible match; a
 * phone alone (households share one) or both names with another year only add to something else.
 */
const WEIGHT: Record<MatchKeyKind, number> = {
  document: 4,
  names_year: 3,
  name_variant_year: 2,
  names: 1,
  short_name_variant_year: 1,
  phone: 1,
  phone_year: 1,
};

/** Scores at or above which a pair is strong, and a possible match worth telling (medium). */
export const STRONG_SCORE = 4;
export const POSSIBLE_SCORE = 2;

export function matchScore(kinds: Iterable<MatchKeyKind>): number {
  let score = 0;
  for (const kind of new Set(kinds)) score += WEIGHT[kind];
  return score;
}

/** The band of a pair of records; `weak` pairs are not told to anyone. */
export function matchStrength(kinds: Iterable<MatchKeyKind>): MatchStrength {
  const score = matchScore(kinds);
  if (score >= STRONG_SCORE) return "strong";
  if (score >= POSSIBLE_SCORE) return "medium";
  return "weak";
}
