import type {
  CheckPossibleDuplicatesRequest,
  CheckPossibleDuplicatesResponse,
} from "@kopru/contracts/intake/v1/intake_service";
import type { PossibleMatch } from "@kopru/contracts/matching/v1/matching";
import type { BeneficiaryRecord } from "../domain/records.js";
import { ownBeneficiary } from "./load.js";
import { queueMatchingRegistration, sendRegistration } from "./matching.js";
import type { Caller, IntakeDeps } from "./ports.js";

export interface ElsewhereAnswer {
  possibleMatchesElsewhere: PossibleMatch[];
  matchingPending: boolean;
  checkedAt: Date | undefined;
}

/**
 * What the matching service says about a person now: the registration is sent if it has not been
 * (queued first, for a person registered before matching was on), or the matches asked again. When
 * the service cannot be reached the last answer stands and, if there was none, the check is pending:
 * the worker keeps sending.
 */
export async function matchesElsewhere(
  deps: IntakeDeps,
  person: BeneficiaryRecord,
  options: { refresh: boolean },
): Promise<ElsewhereAnswer> {
  const matching = deps.matching;
  if (!matching) return { possibleMatchesElsewhere: [], matchingPending: false, checkedAt: undefined };
  let registration = await matching.registrations.find(deps.db, person.beneficiaryId);
  if (!registration) {
    await deps.db.transaction((tx) => queueMatchingRegistration(matching, tx, person, deps.clock.now()));
    registration = await matching.registrations.find(deps.db, person.beneficiaryId);
    if (!registration) throw new Error("the matching registration just queued is not there");
  }
  const now = () => deps.clock.now();
  try {
    if (registration.syncedVersion < registration.version) {
      const possibleMatches = await sendRegistration(matching, deps.db, registration, now);
      return { possibleMatchesElsewhere: possibleMatches, matchingPending: false, checkedAt: now() };
    }
    if (options.refresh && registration.wanted === "registered") {
      const possibleMatches = await matching.client.find(registration.organisationId, registration.recordRef);
      const checkedAt = now();
      await matching.registrations.synced(deps.db, registration.beneficiaryId, registration.version, {
        possibleMatches,
        checkedAt,
      });
      return { possibleMatchesElsewhere: possibleMatches, matchingPending: false, checkedAt };
    }
  } catch {
    // Unreachable or failing: the worker retries what is pending; the last answer is still true.
    matching.wake();
  }
  return {
    possibleMatchesElsewhere: registration.possibleMatches,
    matchingPending: registration.syncedVersion < registration.version,
    checkedAt: registration.checkedAt,
  };
}

/** Possible duplicates of a person the organisation registered: its own, and at other organisations. */
export async function checkPossibleDuplicates(
  deps: IntakeDeps,
  caller: Caller,
  request: CheckPossibleDuplicatesRequest,
): Promise<CheckPossibleDuplicatesResponse> {
  const person = await ownBeneficiary(deps, deps.db, request.beneficiaryId, caller.organisationId);
  const possibleDuplicateIds = await deps.repos.beneficiaries.possibleDuplicates(deps.db, person);
  return { possibleDuplicateIds, ...(await matchesElsewhere(deps, person, { refresh: true })) };
}
