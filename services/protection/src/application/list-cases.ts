import { hasRestrictedRole } from "../domain/index.js";
import type { Caller, CaseSummary, ProtectionDeps } from "./ports.js";
import { summarise } from "./shared.js";

export interface ListCasesInput {
  caseTypes: readonly number[];
  statuses: readonly number[];
  riskLevels: readonly number[];
  assignedCaseworkerId: string | undefined;
  limit: number;
  offset: number;
}

/**
 * The caller's organisation's cases, highest risk first. Restricted cases appear only to staff with a
 * restricted-case role and to each case's team. Every case listed counts as read (audited).
 */
export async function listCases(
  deps: ProtectionDeps,
  caller: Caller,
  input: ListCasesInput,
): Promise<CaseSummary[]> {
  return deps.uow.run(async (tx) => {
    const records = await tx.store.listCases({
      organisationId: caller.organisationId,
      caseTypes: input.caseTypes,
      statuses: input.statuses,
      riskLevels: input.riskLevels,
      assignedCaseworkerId: input.assignedCaseworkerId,
      viewer: { actorId: caller.actorId, seesAllRestricted: hasRestrictedRole(caller, deps.policy) },
      limit: input.limit,
      offset: input.offset,
    });
    await tx.store.audit({
      caller,
      action: "list-cases",
      caseIds: records.map((r) => r.caseId),
      listFilter: input,
    });
    return summarise(tx, records);
  });
}
