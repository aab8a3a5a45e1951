import { randomUUID } from "node:crypto";
import type { ErasePersonHook } from "@kopru/referral";
import type { DataClass } from "@kopru/retention";

export interface ClosedCasesClassOptions {
  /** The service's case table: `case_id`, `organisation_id`, `status` (2 closed), `closed_at`, `beneficiary_ref`. */
  cases: string;
  /** The table linking its cases to the referrals they serve (`case_id`, `referral_id`). */
  caseReferrals: string;
  /** The service's own erasure of a person's records (ADR 0023), reused here case by case. */
  erase: ErasePersonHook;
  defaultPeriodDays: number;
  description: string;
  reason: string;
}

/**
 * The `closed-cases` data class of a receiving service: a case closed for longer than the period is
 * anonymised by the service's own erase hook, the one network-wide erasure uses, so a case is
 * destroyed the same way whichever of the two asks. The hook is given the case's referrals and no
 * person ref, so it reaches exactly this case (a referral serves one case), never the person's open
 * ones. What stays is what the hook keeps for the PII-free figures; an anonymised case carries an
 * `erased-` ref and is not selected again.
 */
export function closedCasesClass(options: ClosedCasesClassOptions): DataClass {
  return {
    name: "closed-cases",
    description: options.description,
    method: "anonymised",
    defaultPeriodDays: options.defaultPeriodDays,
    reason: options.reason,
    async select(sql, { organisationId, endedBefore }) {
      const { rows } = await sql.query<{ case_id: string }>(
        `SELECT c.case_id::text FROM ${options.cases} c
          WHERE c.organisation_id = $1 AND c.status = 2 AND c.closed_at < $2
            AND c.beneficiary_ref NOT LIKE 'erased-%'
            AND EXISTS (SELECT 1 FROM ${options.caseReferrals} l WHERE l.case_id = c.case_id)
          ORDER BY c.case_id`,
        [organisationId, endedBefore],
      );
      return rows.map((r) => r.case_id);
    },
    async destroy(tx, ids, { organisationId, now }) {
      for (const caseId of ids) {
        const links = await tx.query<{ referral_id: string }>(
          `SELECT l.referral_id::text FROM ${options.caseReferrals} l
             JOIN ${options.cases} c ON c.case_id = l.case_id
            WHERE l.case_id = $1 AND c.organisation_id = $2`,
          [caseId, organisationId],
        );
        await options.erase(tx, {
          erasureRequestId: randomUUID(),
          organisationId,
          beneficiaryRef: "",
          referralIds: links.rows.map((r) => r.referral_id),
          at: now,
        });
      }
    },
  };
}
