import type { FindMatchesResponse } from "@kopru/contracts/matching/v1/matching_service";
import { NotFoundError } from "@kopru/service-kit";
import { possibleMatchesOf } from "./find-matches.js";
import type { MatchingDeps, RecordKey } from "./ports.js";

/** The possible matches of a record the organisation registered; another's is NOT_FOUND. */
export async function findMatches(deps: MatchingDeps, record: RecordKey): Promise<FindMatchesResponse> {
  return deps.db.transaction(async (tx) => {
    if (!(await deps.store.exists(tx, record))) throw new NotFoundError("record", record.recordRef);
    return { possibleMatches: await possibleMatchesOf(deps, tx, record) };
  });
}
