import type { RegisterRecordResponse } from "@kopru/contracts/matching/v1/matching_service";
import { possibleMatchesOf } from "./find-matches.js";
import type { MatchingDeps, RecordKey, StoredHash } from "./ports.js";

/**
 * Registers a record's keyed hashes (replacing those it had: a partner re-registers after a change)
 * and answers its possible matches. Idempotent: the same request again changes nothing and answers
 * the same match ids.
 */
export async function registerRecord(
  deps: MatchingDeps,
  record: RecordKey,
  hashes: readonly StoredHash[],
): Promise<RegisterRecordResponse> {
  return deps.db.transaction(async (tx) => {
    await deps.store.saveRecord(tx, record, hashes, deps.clock.now());
    return { possibleMatches: await possibleMatchesOf(deps, tx, record) };
  });
}
