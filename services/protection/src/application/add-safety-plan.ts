import { addCaseEntry } from "@kopru/casework";
import type { SafetyPlan, SafetyPlanAction } from "@kopru/contracts/protection/v1/case";
import type { Caller, ProtectionDeps } from "./ports.js";
import { actorOf, inTransaction, requireRiskRole, visibleCase } from "./shared.js";

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
  // Before the case is looked up: the refusal says nothing about whether the case exists.
  requireRiskRole(deps, caller, "adding a safety plan");
  return inTransaction(deps, caller, "add-safety-plan", async (tx) => {
    const record = await visibleCase(tx, deps, caller, input.caseId, { forUpdate: true });
    const command = {
      action: "add-safety-plan",
      entryName: "safety plan",
      record,
      request: input,
      refusedWhenClosed: "no safety plan can be added",
      at: deps.clock.now(),
    };
    return addCaseEntry(tx, caller, command, {
      earlier: (id) => tx.store.safetyPlan(record.caseId, id),
      async add(safetyPlanId, now) {
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
        return { entry: plan, updated: { ...record, updatedAt: now } };
      },
    });
  });
}
