import { recordCaseAudit } from "@kopru/casework";
import type { CaseStatus } from "@kopru/contracts/common/v1/case";
import type { Caller, CaseRecord, MunicipalityDeps, Page } from "./ports.js";

/**
 * Cases of the caller's MMCC, newest first. Holds pseudonymous refs only, no notes; every case listed
 * counts as read (audited, with the filter).
 */
export function listCases(
  deps: MunicipalityDeps,
  caller: Caller,
  filter: { statuses: readonly CaseStatus[]; assignedCaseworkerId: string | undefined } & Page,
): Promise<CaseRecord[]> {
  return deps.db.transaction(async (tx) => {
    const records = await deps.cases.list(tx, { organisationId: caller.organisationId, ...filter });
    await recordCaseAudit(tx, {
      caller,
      action: "list-cases",
      caseIds: records.map((r) => r.caseId),
      listFilter: filter,
    });
    return records;
  });
}
