import type { CaseStatus } from "@kopru/contracts/common/v1/case";
import type { Caller, CaseRecord, MunicipalityDeps, Page } from "./ports.js";

/** Cases of the caller's MMCC, newest first. Holds pseudonymous refs only, no notes. */
export function listCases(
  deps: MunicipalityDeps,
  caller: Caller,
  filter: { statuses: readonly CaseStatus[]; assignedCaseworkerId: string | undefined } & Page,
): Promise<CaseRecord[]> {
  return deps.cases.list(deps.db, { organisationId: caller.organisationId, ...filter });
}
