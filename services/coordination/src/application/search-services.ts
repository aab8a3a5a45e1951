import type { ServiceMatch } from "@kopru/contracts/coordination/v1/directory";
import { type MatchCriteria, rankOfferings } from "@kopru/directory";
import type { CoordinationDeps } from "./deps.js";

/**
 * Offerings that fit a need, best first, ranked by `rankOfferings`: the same ranking intake uses
 * to route, so a coordinator's search and a routing decision agree. Person attributes are used to
 * match and are not stored.
 */
export async function searchServices(
  deps: CoordinationDeps,
  criteria: MatchCriteria,
): Promise<ServiceMatch[]> {
  const { offerings, organisations } = await deps.directory.searchCandidates(
    deps.db,
    criteria.serviceType,
    criteria.provinceCode,
  );
  return rankOfferings(offerings, organisations, criteria);
}
