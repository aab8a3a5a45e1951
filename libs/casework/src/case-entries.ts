import { NotFoundError } from "@kopru/service-kit";
import type { Sql } from "@kopru/storage";
import { v7 as uuidv7 } from "uuid";
import type { CaseAuditEntry } from "./audit.js";
import type { Caller } from "./caller.js";
import { assertOpen, type CaseState } from "./case-state.js";
import { claimCommand } from "./opening.js";

/** The ports a command that adds an entry to a case (an assessment, a plan, an item) writes through. */
export interface CaseEntryPorts<Case> {
  sql: Sql;
  store: {
    saveCase(state: Case): Promise<void>;
    audit(entry: CaseAuditEntry): Promise<void>;
  };
}

/**
 * Adds one entry to a case, once per request id. The command's `request_id` is claimed for the new
 * entry's id: a retry, even one racing the first, gets back the entry the first request added
 * (`earlier`), never a second one. Otherwise (on an open case, where `refusedWhenClosed` says so) `add`
 * builds and stores the entry made `at` and says what the case becomes; the case is saved and the
 * command audited with the entry as its subject.
 */
export async function addCaseEntry<Case extends Pick<CaseState, "caseId" | "status">, Entry>(
  tx: CaseEntryPorts<Case>,
  caller: Caller,
  command: {
    action: string;
    entryName: string;
    record: Case;
    request: { requestId: string };
    /** When set, a closed case refuses the entry (`CaseClosedError`, saying this). */
    refusedWhenClosed?: string;
    at: Date;
  },
  steps: {
    earlier(entryId: string): Promise<Entry | undefined>;
    add(entryId: string, at: Date): Promise<{ entry: Entry; updated: Case }>;
  },
): Promise<Entry> {
  const entryId = uuidv7();
  const earlier = await claimCommand(tx.sql, caller, command.action, command.request, entryId);
  if (earlier) {
    const first = await steps.earlier(earlier);
    if (!first) throw new NotFoundError(command.entryName, earlier);
    return first;
  }
  if (command.refusedWhenClosed !== undefined) assertOpen(command.record, command.refusedWhenClosed);
  const { entry, updated } = await steps.add(entryId, command.at);
  await tx.store.saveCase(updated);
  await tx.store.audit({
    caller,
    action: command.action,
    caseIds: [command.record.caseId],
    subjectId: entryId,
  });
  return entry;
}
