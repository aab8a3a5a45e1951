import { auditCaller } from "@kopru/casework";
import type { CaseClosureReason } from "@kopru/contracts/common/v1/case";
import { NotFoundError } from "@kopru/service-kit";
import { closeCase as closeCaseRule } from "../domain/index.js";
import type { Caller, CaseRecord, MunicipalityDeps } from "./ports.js";

/**
 * Closes a case of the caller's MMCC with a reason code (the internal note stays here). Closing it
 * again for the same reason is a no-op; the referrals it served keep their own lifecycle.
 */
export async function closeCase(
  deps: MunicipalityDeps,
  caller: Caller,
  input: { caseId: string; reason: CaseClosureReason; internalNote: string | undefined },
): Promise<CaseRecord> {
  const result = await deps.db.transaction(async (tx) => {
    const found = await deps.cases.find(tx, caller.organisationId, input.caseId, { forUpdate: true });
    if (!found) throw new NotFoundError("case", input.caseId);
    const now = deps.clock.now();
    const closed = closeCaseRule(found, input.reason, now);
    if (!closed.changed) return { record: found, changed: false };
    const record: CaseRecord = {
      ...closed.state,
      closureNote: input.internalNote || undefined,
      eventSequence: found.eventSequence + 1,
    };
    await deps.cases.save(tx, record);
    await deps.audit.record(tx, {
      at: now,
      ...auditCaller(caller),
      action: "close-case",
      entity: "case",
      entityId: record.caseId,
    });
    await deps.events.caseClosed(tx, record);
    return { record, changed: true };
  });
  if (result.changed) deps.afterCommit();
  return result.record;
}
