import type { PossibleMatch } from "@kopru/contracts/matching/v1/matching";
import type { Sql } from "@kopru/storage";
import { protoStrengthOf, tellableMatches } from "../domain/matches.js";
import type { MatchingDeps, RecordKey } from "./ports.js";

/**
 * The possible matches of a registered record: one per other organisation, with a match id that
 * stays the same for the same pair of records. Tells nothing about the other record itself.
 */
export async function possibleMatchesOf(
  deps: MatchingDeps,
  tx: Sql,
  record: RecordKey,
): Promise<PossibleMatch[]> {
  const told = tellableMatches(await deps.store.candidates(tx, record));
  const now = deps.clock.now();
  const matches = [];
  for (const match of told) {
    matches.push(
      await deps.store.upsertMatch(
        tx,
        {
          seeker: record,
          holder: { organisationId: match.organisationId, recordRef: match.recordRef },
          strength: protoStrengthOf(match.strength),
        },
        now,
      ),
    );
  }
  const consents = await deps.store.linkedConsents(
    tx,
    matches.map((m) => m.matchId),
  );
  return matches.map((m) => ({
    matchId: m.matchId,
    organisationId: m.holder.organisationId,
    strength: m.strength,
    foundAt: m.foundAt,
    linkedConsentId: consents.get(m.matchId),
  }));
}
