import { NotFoundError } from "@kopru/service-kit";
import type { AssistanceItemState } from "../domain/index.js";
import type { Caller, CaseSummary, EcmCaseRecord, Tx } from "./ports.js";

export { actorOf } from "@kopru/service-kit";

/** The caller's organisation's case, locked when `forUpdate`; anything else answers NOT_FOUND. */
export async function callerCase(
  tx: Tx,
  caller: Caller,
  caseId: string,
  options: { forUpdate?: boolean } = {},
): Promise<EcmCaseRecord> {
  const record = await tx.store.findCase(caller.organisationId, caseId, options);
  if (!record) throw new NotFoundError("case", caseId);
  return record;
}

/**
 * An item of the caller's organisation, with its case, both locked (case first, then item: the order
 * every command takes, so two commands on one case never deadlock).
 */
export async function callerItem(
  tx: Tx,
  caller: Caller,
  assistanceItemId: string,
): Promise<{ record: EcmCaseRecord; item: AssistanceItemState }> {
  const located = await tx.store.findItem(caller.organisationId, assistanceItemId);
  if (!located) throw new NotFoundError("assistance item", assistanceItemId);
  const record = await callerCase(tx, caller, located.caseId, { forUpdate: true });
  const item = await tx.store.findItem(caller.organisationId, assistanceItemId, { forUpdate: true });
  if (!item) throw new NotFoundError("assistance item", assistanceItemId);
  return { record, item };
}

/** Cases with their newest assessment. */
export async function summarise(tx: Tx, records: readonly EcmCaseRecord[]): Promise<CaseSummary[]> {
  const latest = await tx.store.latestAssessments(records.map((r) => r.caseId));
  return records.map((record) => ({ record, latestAssessment: latest.get(record.caseId) }));
}

export async function summary(tx: Tx, record: EcmCaseRecord): Promise<CaseSummary> {
  return (await summarise(tx, [record]))[0] as CaseSummary;
}
