import { addCaseEntry } from "@kopru/casework";
import type { AssistanceKind } from "@kopru/contracts/common/v1/vocabulary";
import type { EcmAssessment, NeedSeverity } from "@kopru/contracts/ecm/v1/case";
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
    const command = {
      action: "record-assessment",
      entryName: "assessment",
      record,
      request: input,
      refusedWhenClosed: "no assessment can be added",
      at: deps.clock.now(),
    };
    return addCaseEntry(tx, caller, command, {
      earlier: (id) => tx.store.assessment(record.caseId, id),
      async add(assessmentId, now) {
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
        return { entry: assessment, updated: { ...record, updatedAt: now } };
      },
    });
  });
}
