import { claimCommand } from "@kopru/casework";
import type { SafetyPlan, SafetyPlanAction } from "@kopru/contracts/protection/v1/case";
import { NotFoundError } from "@kopru/service-kit";
import { v7 as uuidv7 } from "uuid";
import { assertOpen } from "../domain/index.js";
import type { Caller, ProtectionDeps } from "./ports.js";
import { actorOf, inTransaction, visibleCase } from "./shared.js";

export interface AddSafetyPlanInput {
  requestId: string;
  caseId: string;
  actions: readonly SafetyPlanAction[];
  notes: string | undefined;
  reviewAt: Date | undefined;
}

/**
 * Adds the case's next safety plan version (the newest is the plan in force; earlier ones stay as
 * history). A retried request id returns the plan the first request added.
 */
export async function addSafetyPlan(
  deps: ProtectionDeps,
  caller: Caller,
  input: AddSafetyPlanInput,
): Promise<SafetyPlan> {
  return inTransaction(deps, caller, "add-safety-plan", async (tx) => {
    const record = await visibleCase(tx, deps, caller, input.caseId, { forUpdate: true });
    const safetyPlanId = uuidv7();
    const earlier = await claimCommand(tx.sql, caller, "add-safety-plan", input, safetyPlanId);
    if (earlier) {
      const first = await tx.store.safetyPlan(record.caseId, earlier);
      if (!first) throw new NotFoundError("safety plan", earlier);
      return first;
    }
    assertOpen(record, "no safety plan can be added");
    const now = deps.clock.now();
    const plan: SafetyPlan = {
      safetyPlanId,
      caseId: record.caseId,
      actions: input.actions.map((a) => ({ ...a })),
      notes: input.notes,
      reviewAt: input.reviewAt,
      createdAt: now,
      createdBy: actorOf(caller),
    };
    await tx.store.insertSafetyPlan(plan, await tx.store.nextSafetyPlanVersion(record.caseId));
    await tx.store.saveCase({ ...record, updatedAt: now });
    await tx.store.audit({
      caller,
      action: "add-safety-plan",
      caseIds: [record.caseId],
      subjectId: safetyPlanId,
    });
    return plan;
  });
}
