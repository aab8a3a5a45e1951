// Public surface of @kopru/matching-keys: what a partner computes from its own records before it asks
// the matching service about duplicates (ADR 0027). Pure functions, no I/O.

export { contractKindOf, keyKindOfContract } from "./contract.js";
export { canonicalBirthYear, canonicalDocumentNumber, canonicalPhone } from "./identifiers.js";
export {
  type BlockingKey,
  blockingKeys,
  type KeyedHash,
  keyedHash,
  keyedHashes,
  MATCH_KEY_KINDS,
  type MatchKeyKind,
  type PersonIdentifiers,
} from "./keys.js";
export { latinise, nameSkeletons, nameWords, wordSkeleton } from "./names.js";
export { type MatchStrength, matchScore, matchStrength, POSSIBLE_SCORE, STRONG_SCORE } from "./strength.js";
