import { auditCaller } from "@kopru/casework";
import type { AssistanceKind } from "@kopru/contracts/common/v1/vocabulary";
import { NotFoundError } from "@kopru/service-kit";
import {
  type Amount,
  assertOpen,
  directAssistanceViolations,
  normaliseAmount,
  ReferralNotOnCaseError,
} from "../domain/index.js";
import type { Caller, DirectAssistanceRecord, MunicipalityDeps } from "./ports.js";
import { actorOf, refuseViolations } from "./shared.js";

export interface RecordDirectAssistanceInput {
  requestId: string;
  caseId: string;
  /** The referral the assistance answers; the case must serve it. */
  referralId: string | undefined;
  kind: AssistanceKind;
  amount: Amount | undefined;
  description: string | undefined;
  /** Defaults to now. */
  providedAt: Date | undefined;
}

/** Records assistance an MMCC gave on an open case and publishes the PII-free fact. */
export async function recordDirectAssistance(
  deps: MunicipalityDeps,
  caller: Caller,
  input: RecordDirectAssistanceInput,
): Promise<DirectAssistanceRecord> {
  const now = deps.clock.now();
  const draft = {
    kind: input.kind,
    amount: normaliseAmount(input.amount),
    description: input.description || undefined,
    providedAt: input.providedAt ?? now,
  };
  refuseViolations(directAssistanceViolations(draft, now));

  const result = await deps.db.transaction(async (tx) => {
    const id = deps.newId();
    const earlier = await deps.requests.claim(tx, caller, {
      requestId: input.requestId,
      operation: "RecordDirectAssistance",
      request: input,
      entityId: id,
    });
    if (earlier) {
      const existing = await deps.assistance.find(tx, caller.organisationId, earlier);
      if (!existing) throw new NotFoundError("direct assistance", earlier);
      return { assistance: existing, created: false };
    }
    const found = await deps.cases.find(tx, caller.organisationId, input.caseId, { forUpdate: true });
    if (!found) throw new NotFoundError("case", input.caseId);
    assertOpen(found, "no assistance can be recorded on it");
    if (input.referralId && !found.referralIds.includes(input.referralId)) {
      const referral = await deps.referrals.find(tx, caller.organisationId, input.referralId);
      if (!referral) throw new NotFoundError("referral", input.referralId);
      throw new ReferralNotOnCaseError(input.referralId, found.caseId);
    }

    const assistance: DirectAssistanceRecord = {
      directAssistanceId: id,
      caseId: found.caseId,
      organisationId: caller.organisationId,
      referralId: input.referralId || undefined,
      ...draft,
      recordedBy: actorOf(caller),
      recordedAt: now,
    };
    const record = { ...found, updatedAt: now, eventSequence: found.eventSequence + 1 };
    await deps.assistance.insert(tx, assistance);
    await deps.cases.save(tx, record);
    await deps.audit.record(tx, {
      at: now,
      ...auditCaller(caller),
      action: "record-direct-assistance",
      entity: "direct-assistance",
      entityId: id,
    });
    await deps.events.assistanceProvided(tx, record, assistance);
    return { assistance, created: true };
  });
  if (result.created) deps.afterCommit();
  return result.assistance;
}
