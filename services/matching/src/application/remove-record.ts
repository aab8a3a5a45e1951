import type { RemoveRecordResponse } from "@kopru/contracts/matching/v1/matching_service";
import type { MatchingDeps, RecordKey } from "./ports.js";

/**
 * Forgets a record (the person's erasure at its organisation): its hashes and every match it was in
 * go; links keep only that the organisations linked, under which consent. A repeat succeeds.
 */
export async function removeRecord(deps: MatchingDeps, record: RecordKey): Promise<RemoveRecordResponse> {
  return { removed: await deps.db.transaction((tx) => deps.store.removeRecord(tx, record)) };
}
