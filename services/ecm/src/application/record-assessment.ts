import { claimCommand } from "@kopru/casework";
import type { AssistanceKind } from "@kopru/contracts/common/v1/vocabulary";
import type { EcmAssessment, NeedSeverity } from "@kopru/contracts/ecm/v1/case";
import { NotFoundError } from "@kopru/service-kit";
import { v7 as uuidv7 } from "uuid";
import { assertOpen } from "../domain/index.js";
import type { Caller, EcmDeps } from "./ports.js";
import { actorOf, callerCase } from "./shared.js";

export interface RecordAssessmentInput {
  requestId: string;
  caseId: string;
  needsIdentified: readonly AssistanceKind[];
  severity: NeedSeverity;
  summary: string | undefined;
}

/** Records a needs assessment. A retried request id returns the assessment the first request recorded. */
export async function recordAssessment(
  deps: EcmDeps,
  caller: Caller,
  input: RecordAssessmentInput,
): Promise<EcmAssessment> {
  return deps.uow.run(async (tx) => {
    const record = await callerCase(tx, caller, input.caseId, { forUpdate: true });
    const assessmentId = uuidv7();
    const earlier = await claimCommand(tx.sql, caller, "record-assessment", input, assessmentId);
    if (earlier) {
      const first = await tx.store.assessment(record.caseId, earlier);
      if (!first) throw new NotFoundError("assessment", earlier);
      return first;
    }
    assertOpen(record, "no assessment can be added");
    const now = deps.clock.now();
    const assessment: EcmAssessment = {
      assessmentId,
      caseId: record.caseId,
      needsIdentified: [...input.needsIdentified],
      severity: input.severity,
      summary: input.summary,
      assessedAt: now,
      assessedBy: actorOf(caller),
    };
    await tx.store.insertAssessment(assessment);
    await tx.store.saveCase({ ...record, updatedAt: now });
    await tx.store.audit({
      caller,
      action: "record-assessment",
      caseIds: [record.caseId],
      subjectId: assessmentId,
    });
    return assessment;
  });
}
