import { auditCaller } from "@kopru/casework";
import { NotFoundError } from "@kopru/service-kit";
import type {
  Caller,
  CaseRecord,
  CounsellingSessionRecord,
  DirectAssistanceRecord,
  MunicipalityDeps,
} from "./ports.js";

export interface CaseWithHistory {
  record: CaseRecord;
  sessions: CounsellingSessionRecord[];
  assistance: DirectAssistanceRecord[];
}

/** One case of the caller's MMCC with its sessions and assistance (newest first). The read is audited. */
export async function getCase(
  deps: MunicipalityDeps,
  caller: Caller,
  caseId: string,
): Promise<CaseWithHistory> {
  return deps.db.transaction(async (tx) => {
    const record = await deps.cases.find(tx, caller.organisationId, caseId);
    if (!record) throw new NotFoundError("case", caseId);
    const sessions = await deps.sessions.listForCase(tx, caseId);
    const assistance = await deps.assistance.listForCase(tx, caseId);
    await deps.audit.record(tx, {
      at: deps.clock.now(),
      ...auditCaller(caller),
      action: "read-case",
      entity: "case",
      entityId: caseId,
    });
    return { record, sessions, assistance };
  });
}
