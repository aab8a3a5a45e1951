import { addCaseEntry } from "@kopru/casework";
import type { ProtectionConcern } from "@kopru/contracts/common/v1/needs";
import type { RiskAssessment } from "@kopru/contracts/protection/v1/case";
import { type AssessedRiskLevel, nextReviewAt, recordRiskLevel } from "../domain/index.js";
import type { Caller, ProtectionDeps } from "./ports.js";
import { actorOf, inTransaction, requireRiskRole, visibleCase } from "./shared.js";

export interface RecordRiskAssessmentInput {
  requestId: string;
  caseId: string;
  riskLevel: AssessedRiskLevel;
  concerns: readonly ProtectionConcern[];
  summary: string | undefined;
  nextReviewAt: Date | undefined;
}

/**
 * Records a risk assessment; the case takes its level. Without a review date the level sets one
 * (critical: the next day). A retried request id returns the assessment the first request recorded.
 */
export async function recordRiskAssessment(
  deps: ProtectionDeps,
  caller: Caller,
  input: RecordRiskAssessmentInput,
): Promise<RiskAssessment> {
  // Before the case is looked up: the refusal says nothing about whether the case exists.
  requireRiskRole(deps, caller, "recording a risk assessment");
  return inTransaction(deps, caller, "record-risk-assessment", async (tx) => {
    const record = await visibleCase(tx, deps, caller, input.caseId, { forUpdate: true });
    const command = {
      action: "record-risk-assessment",
      entryName: "risk assessment",
      record,
      request: input,
      at: deps.clock.now(),
    };
    return addCaseEntry(tx, caller, command, {
      earlier: (id) => tx.store.riskAssessment(record.caseId, id),
      async add(assessmentId, now) {
        const updated = recordRiskLevel(record, input.riskLevel, now);
        const assessment: RiskAssessment = {
          assessmentId,
          caseId: record.caseId,
          riskLevel: input.riskLevel,
          concerns: [...input.concerns],
          summary: input.summary,
          assessedAt: now,
          assessedBy: actorOf(caller),
          nextReviewAt: nextReviewAt(input.riskLevel, now, input.nextReviewAt),
        };
        await tx.store.insertRiskAssessment(assessment);
        return { entry: assessment, updated };
      },
    });
  });
}
