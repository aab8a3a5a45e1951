import { MatchKeyKind as ContractKind } from "@kopru/contracts/matching/v1/matching";
import type { MatchKeyKind } from "./keys.js";

// The kinds as the MatchingService contract numbers them: one mapping for the partners that send
// hashes and the service that weighs them.

const CONTRACT_KIND: Record<MatchKeyKind, ContractKind> = {
  document: ContractKind.MATCH_KEY_KIND_DOCUMENT,
  names_year: ContractKind.MATCH_KEY_KIND_NAMES_YEAR,
  name_variant_year: ContractKind.MATCH_KEY_KIND_NAME_VARIANT_YEAR,
  short_name_variant_year: ContractKind.MATCH_KEY_KIND_SHORT_NAME_VARIANT_YEAR,
  names: ContractKind.MATCH_KEY_KIND_NAMES,
  phone: ContractKind.MATCH_KEY_KIND_PHONE,
  phone_year: ContractKind.MATCH_KEY_KIND_PHONE_YEAR,
};

const KIND_OF_CONTRACT = new Map<number, MatchKeyKind>(
  Object.entries(CONTRACT_KIND).map(([kind, number]) => [number, kind as MatchKeyKind]),
);

export function contractKindOf(kind: MatchKeyKind): ContractKind {
  return CONTRACT_KIND[kind];
}

/** Undefined for UNSPECIFIED and for a number this version does not know. */
export function keyKindOfContract(kind: ContractKind): MatchKeyKind | undefined {
  return KIND_OF_CONTRACT.get(kind);
}
