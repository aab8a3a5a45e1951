import { createHash } from "node:crypto";
import { type Actor, ActorKind, StaffRole } from "@kopru/contracts/common/v1/refs";
import { InvalidArgumentError, NotFoundError } from "@kopru/service-kit";
import { canAccessCase, staffRole } from "../domain/index.js";
import type { Caller, CaseSummary, ProtectionCaseRecord, ProtectionDeps, Tx } from "./ports.js";

/** A stable hash of a request, to recognise a request id reused for a different request. */
export function fingerprint(request: unknown): string {
  return createHash("sha256").update(JSON.stringify(request)).digest("hex");
}

/**
 * Claims a request id for `operation`. Returns the id of what an earlier request with the same id
 * created (the caller returns that instead of creating anything), or undefined when this is the first.
 */
export async function claimRequest(
  tx: Tx,
  caller: Caller,
  claim: { requestId: string; operation: string; request: unknown; entityId: string },
): Promise<string | undefined> {
  const print = fingerprint(claim.request);
  const earlier = await tx.store.claimRequest({
    organisationId: caller.organisationId,
    requestId: claim.requestId,
    operation: claim.operation,
    fingerprint: print,
    entityId: claim.entityId,
  });
  if (!earlier) return undefined;
  if (earlier.operation !== claim.operation || earlier.fingerprint !== print) {
    throw new InvalidArgumentError([
      { field: "request_id", description: "was already used for a different request; use a new one" },
    ]);
  }
  return earlier.entityId;
}

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

/** Cases with their newest risk assessment and safety plan. */
export async function summarise(tx: Tx, records: readonly ProtectionCaseRecord[]): Promise<CaseSummary[]> {
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

export async function summary(tx: Tx, record: ProtectionCaseRecord): Promise<CaseSummary> {
  return (await summarise(tx, [record]))[0] as CaseSummary;
}

/** The caller as recorded on what they wrote: staff (with their role) or a partner system. */
export function actorOf(caller: Caller): Actor {
  const staff = caller.actorId !== undefined && caller.actorId !== "";
  return {
    kind: staff ? ActorKind.ACTOR_KIND_STAFF : ActorKind.ACTOR_KIND_PARTNER_CLIENT,
    organisationId: caller.organisationId,
    actorId: caller.actorId ?? "",
    role: staff ? staffRole(caller.role) : StaffRole.STAFF_ROLE_UNSPECIFIED,
  };
}
