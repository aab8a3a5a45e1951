import { auditCaller } from "@kopru/casework";
import type {
  CounsellingSessionType,
  CounsellingTopic,
  SessionModality,
} from "@kopru/contracts/municipality/v1/case";
import { NotFoundError } from "@kopru/service-kit";
import { assertOpen, counsellingSessionViolations } from "../domain/index.js";
import type { Caller, CounsellingSessionRecord, MunicipalityDeps } from "./ports.js";
import { actorOf, refuseViolations } from "./shared.js";

export interface RecordCounsellingSessionInput {
  requestId: string;
  caseId: string;
  sessionType: CounsellingSessionType;
  modality: SessionModality;
  topics: CounsellingTopic[];
  interpreterUsed: boolean;
  interpreterLanguage: string | undefined;
  durationMinutes: number;
  /** Defaults to now. */
  heldAt: Date | undefined;
  notes: string | undefined;
}

/** Records a counselling session on an open case of the caller's MMCC and publishes the PII-free fact. */
export async function recordCounsellingSession(
  deps: MunicipalityDeps,
  caller: Caller,
  input: RecordCounsellingSessionInput,
): Promise<CounsellingSessionRecord> {
  const now = deps.clock.now();
  const draft = {
    ...input,
    heldAt: input.heldAt ?? now,
    interpreterLanguage: input.interpreterLanguage || undefined,
    notes: input.notes || undefined,
  };
  refuseViolations(counsellingSessionViolations(draft, now));

  const result = await deps.db.transaction(async (tx) => {
    const sessionId = deps.newId();
    const earlier = await deps.requests.claim(tx, caller, {
      requestId: input.requestId,
      operation: "RecordCounsellingSession",
      request: input,
      entityId: sessionId,
    });
    if (earlier) {
      const existing = await deps.sessions.find(tx, caller.organisationId, earlier);
      if (!existing) throw new NotFoundError("counselling session", earlier);
      return { session: existing, created: false };
    }
    const found = await deps.cases.find(tx, caller.organisationId, input.caseId, { forUpdate: true });
    if (!found) throw new NotFoundError("case", input.caseId);
    assertOpen(found, "no session can be recorded on it");

    const session: CounsellingSessionRecord = {
      sessionId,
      caseId: found.caseId,
      organisationId: caller.organisationId,
      sessionType: draft.sessionType,
      modality: draft.modality,
      topics: [...draft.topics],
      interpreterUsed: draft.interpreterUsed,
      interpreterLanguage: draft.interpreterLanguage,
      durationMinutes: draft.durationMinutes,
      heldAt: draft.heldAt,
      counsellor: actorOf(caller),
      notes: draft.notes,
      recordedAt: now,
    };
    const record = { ...found, updatedAt: now, eventSequence: found.eventSequence + 1 };
    await deps.sessions.insert(tx, session);
    await deps.cases.save(tx, record);
    await deps.audit.record(tx, {
      at: now,
      ...auditCaller(caller),
      action: "record-counselling-session",
      entity: "counselling-session",
      entityId: sessionId,
    });
    await deps.events.sessionRecorded(tx, record, session);
    return { session, created: true };
  });
  if (result.created) deps.afterCommit();
  return result.session;
}
