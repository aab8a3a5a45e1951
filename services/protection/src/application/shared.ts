import { RiskLevel } from "@kopru/contracts/common/v1/needs";
import { NotFoundError } from "@kopru/service-kit";
import { canAccessCase, maySeeRiskAndSafety, RestrictedRoleRequiredError } from "../domain/index.js";
import type { Caller, CaseSummary, ProtectionCaseRecord, ProtectionDeps, Tx } from "./ports.js";

/**
 * The caller's case, locked for the transaction when `forUpdate`. Unknown cases, another
 * organisation's, and restricted ones the caller may not see all answer the same NOT_FOUND (the
 * last as a RestrictedCaseRefusal, which `inTransaction` audits).
 */
export async function visibleCase(
  tx: Tx,
  deps: ProtectionDeps,
  caller: Caller,
  caseId: string,
  options: { forUpdate?: boolean } = {},
): Promise<ProtectionCaseRecord> {
  const record = await tx.store.findCase(caller.organisationId, caseId, options);
  if (!record) throw new NotFoundError("case", caseId);
  if (!canAccessCase(record, caller, deps.policy)) throw new RestrictedCaseRefusal(caseId);
  return record;
}

/** A restricted case the caller may not see: answered as NOT_FOUND, after auditing the attempt. */
export class RestrictedCaseRefusal extends NotFoundError {
  constructor(readonly caseId: string) {
    super("case", caseId);
  }
}

/**
 * Runs a use case in one transaction; when it was refused a restricted case, records the refused
 * attempt in the audit log (its own transaction, since the refused one rolled back) and answers
 * NOT_FOUND.
 */
export async function inTransaction<T>(
  deps: ProtectionDeps,
  caller: Caller,
  action: string,
  work: (tx: Tx) => Promise<T>,
): Promise<T> {
  try {
    return await deps.uow.run(work);
  } catch (error) {
    if (error instanceof RestrictedCaseRefusal) {
      await deps.uow.run((tx) =>
        tx.store.audit({ caller, action: `refused:${action}`, caseIds: [error.caseId] }),
      );
    }
    throw error;
  }
}

/**
 * Cases with their newest risk assessment and safety plan, for a caller who may see them; for anyone
 * else the cases without either and without their risk level (neither is read).
 */
export async function summarise(
  tx: Tx,
  records: readonly ProtectionCaseRecord[],
  seesRisk: boolean,
): Promise<CaseSummary[]> {
  if (!seesRisk) return records.map(withoutRisk);
  const ids = records.map((r) => r.caseId);
  // One after the other: a transaction is one connection.
  const assessments = await tx.store.latestRiskAssessments(ids);
  const plans = await tx.store.latestSafetyPlans(ids);
  return records.map((record) => ({
    record,
    latestRiskAssessment: assessments.get(record.caseId),
    latestSafetyPlan: plans.get(record.caseId),
  }));
}

export async function summary(tx: Tx, record: ProtectionCaseRecord, seesRisk: boolean): Promise<CaseSummary> {
  return (await summarise(tx, [record], seesRisk))[0] as CaseSummary;
}

/** The case as a caller without a restricted-case role gets it. */
export function withoutRisk(record: ProtectionCaseRecord): CaseSummary {
  return {
    record: { ...record, riskLevel: RiskLevel.RISK_LEVEL_UNSPECIFIED },
    latestRiskAssessment: undefined,
    latestSafetyPlan: undefined,
  };
}

/** Refuses a caller without a restricted-case role the risk and safety work named by `what`. */
export function requireRiskRole(deps: ProtectionDeps, caller: Caller, what: string): void {
  if (!maySeeRiskAndSafety(caller, deps.policy))
    throw new RestrictedRoleRequiredError(what, deps.policy.restrictedRoles);
}

export { actorOf } from "@kopru/service-kit";
