import type { EcmAssessment } from "@kopru/contracts/ecm/v1/case";
import type { AssistanceItemState } from "../domain/index.js";
import type { Caller, CaseSummary, EcmDeps } from "./ports.js";
import { callerCase, summary } from "./shared.js";

export interface CaseDetails extends CaseSummary {
  /** Newest first. */
  assessments: EcmAssessment[];
  /** Newest first. */
  items: AssistanceItemState[];
}

/** One case with its assessments and assistance; the read is audited. */
export async function getCase(deps: EcmDeps, caller: Caller, caseId: string): Promise<CaseDetails> {
  return deps.uow.run(async (tx) => {
    const record = await callerCase(tx, caller, caseId);
    const assessments = await tx.store.assessments(caseId);
    const items = await tx.store.items(caseId);
    await tx.store.audit({ caller, action: "read-case", caseIds: [caseId] });
    return { ...(await summary(tx, record)), assessments, items };
  });
}
