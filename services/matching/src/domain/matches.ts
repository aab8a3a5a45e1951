import type { MatchKeyKind as ProtoKind } from "@kopru/contracts/matching/v1/matching";
import { MatchStrength as ProtoStrength } from "@kopru/contracts/matching/v1/matching";
import {
  keyKindOfContract,
  type MatchKeyKind,
  type MatchStrength,
  matchStrength,
} from "@kopru/matching-keys";

// What a pair of records sharing keyed hashes means: which kinds they share decides the band (the
// rule lives in @kopru/matching-keys, where the benchmark measures it), and one answer per other
// organisation says no more than "a possible match exists there".

export function protoStrengthOf(strength: Exclude<MatchStrength, "weak">): ProtoStrength {
  return strength === "strong" ? ProtoStrength.MATCH_STRENGTH_STRONG : ProtoStrength.MATCH_STRENGTH_MEDIUM;
}

/** Another organisation's record that shares keyed hashes with the seeker's, and of which kinds. */
export interface Candidate {
  organisationId: string;
  recordRef: string;
  kinds: readonly ProtoKind[];
}

/** The record told for an organisation: its strongest pair with the seeker's record. */
export interface TellableMatch {
  organisationId: string;
  recordRef: string;
  strength: Exclude<MatchStrength, "weak">;
}

const RANK: Record<MatchStrength, number> = { weak: 0, medium: 1, strong: 2 };

/**
 * One match per other organisation, its strongest pair, strong before medium and then by
 * organisation; weak pairs are told to no one. Ties within an organisation go to the smaller record
 * ref, so the same pair (and match id) is told each time.
 */
export function tellableMatches(candidates: readonly Candidate[]): TellableMatch[] {
  const best = new Map<string, TellableMatch>();
  for (const candidate of candidates) {
    const kinds = candidate.kinds.map(keyKindOfContract).filter((k): k is MatchKeyKind => k !== undefined);
    const strength = matchStrength(kinds);
    if (strength === "weak") continue;
    const current = best.get(candidate.organisationId);
    const better =
      !current ||
      RANK[strength] > RANK[current.strength] ||
      (RANK[strength] === RANK[current.strength] && candidate.recordRef < current.recordRef);
    if (better) best.set(candidate.organisationId, { ...candidate, strength });
  }
  return [...best.values()].sort(
    (a, b) => RANK[b.strength] - RANK[a.strength] || a.organisationId.localeCompare(b.organisationId),
  );
}
