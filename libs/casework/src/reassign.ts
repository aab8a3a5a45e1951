import type { ReferralAssignment } from "@kopru/contracts/referral/v1/referral";
import type { Acting } from "@kopru/referral";
import type { Sql } from "@kopru/storage";
import { recordCaseAudit } from "./audit.js";
import { callerOfActing } from "./caller.js";
import { identifier } from "./case-records.js";

/**
 * The case follows its referral: when a supervisor (re)assigns a received referral, the open cases
 * of the organisation serving it are assigned to the same caseworker, in the same transaction, and
 * the audit log records it. For a receiving service's `onAssigned`, over its own case table and its
 * case↔referral link table. Returns the cases reassigned.
 */
export async function reassignCasesServing(
  sql: Sql,
  tables: { cases: string; referrals: string },
  input: { organisationId: string; assignment: ReferralAssignment; acting: Acting; at: Date },
): Promise<string[]> {
  const cases = identifier(tables.cases);
  const links = identifier(tables.referrals);
  const updated = await sql.query<{ case_id: string }>(
    `UPDATE ${cases} SET assigned_caseworker_id = $3, updated_at = $4
      WHERE organisation_id = $1 AND status = 1
        AND case_id IN (SELECT case_id FROM ${links} WHERE referral_id = $2)
        AND assigned_caseworker_id IS DISTINCT FROM $3
      RETURNING case_id`,
    [input.organisationId, input.assignment.referralId, input.assignment.assigneeActorId, input.at],
  );
  const caseIds = updated.rows.map((row) => row.case_id);
  if (caseIds.length > 0) {
    await recordCaseAudit(sql, {
      caller: callerOfActing(input.organisationId, input.acting),
      action: "reassign",
      caseIds,
      subjectId: input.assignment.referralId,
    });
  }
  return caseIds;
}
