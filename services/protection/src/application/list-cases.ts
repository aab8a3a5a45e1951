import { hasRestrictedRole, maySeeRiskAndSafety } from "../domain/index.js";
import type { Caller, CaseSummary, ProtectionDeps } from "./ports.js";
import { requireRiskRole, summarise } from "./shared.js";

export interface ListCasesInput {
  caseTypes: readonly number[];
  statuses: readonly number[];
  riskLevels: readonly number[];
  assignedCaseworkerId: string | undefined;
  limit: number;
  offset: number;
}

/**
 * The caller's organisation's cases. Restricted cases appear only to staff with a restricted-case role
 * and to each case's team. Only a restricted-case role gets the risk: its cases come highest risk
 * first, with their risk level, newest assessment and plan, and only it may filter by risk level
 * (anyone else's list is newest first, as the order alone would rank the people by risk). Every case
 * listed counts as read (audited).
 */
export async function listCases(
  deps: ProtectionDeps,
  caller: Caller,
  input: ListCasesInput,
): Promise<CaseSummary[]> {
  const seesRisk = maySeeRiskAndSafety(caller, deps.policy);
  if (input.riskLevels.length > 0) requireRiskRole(deps, caller, "filtering cases by risk_levels");
  return deps.uow.run(async (tx) => {
    const records = await tx.store.listCases({
      organisationId: caller.organisationId,
      caseTypes: input.caseTypes,
      statuses: input.statuses,
      riskLevels: input.riskLevels,
      assignedCaseworkerId: input.assignedCaseworkerId,
      viewer: {
        actorId: caller.actorId,
        seesAllRestricted: hasRestrictedRole(caller, deps.policy),
        seesRisk,
      },
      limit: input.limit,
      offset: input.offset,
    });
    await tx.store.audit({
      caller,
      action: "list-cases",
      caseIds: records.map((r) => r.caseId),
      listFilter: input,
    });
    return summarise(tx, records, seesRisk);
  });
}
