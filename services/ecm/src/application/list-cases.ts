import type { Caller, CaseSummary, EcmDeps } from "./ports.js";
import { summarise } from "./shared.js";

export interface ListCasesInput {
  statuses: readonly number[];
  assignedCaseworkerId: string | undefined;
  limit: number;
  offset: number;
}

/** The caller's unit's cases, newest first. Every case listed counts as read (audited). */
export async function listCases(
  deps: EcmDeps,
  caller: Caller,
  input: ListCasesInput,
): Promise<CaseSummary[]> {
  return deps.uow.run(async (tx) => {
    const records = await tx.store.listCases({ organisationId: caller.organisationId, ...input });
    await tx.store.audit({
      caller,
      action: "list-cases",
      caseIds: records.map((r) => r.caseId),
      listFilter: input,
    });
    return summarise(tx, records);
  });
}
