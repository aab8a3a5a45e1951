import type { WashingtonGroupAnswer } from "@kopru/contracts/common/v1/disaggregation";
import { HouseholdSection } from "@kopru/contracts/referral/v1/package";
import type { ScreeningRepository } from "../../application/ports.js";
import type { ScreeningRecord } from "../../domain/records.js";
import { numbers, optionalText } from "./rows.js";

interface ScreeningRow {
  screening_id: string;
  beneficiary_id: string;
  organisation_id: string;
  services_needed: number[];
  vulnerabilities: number[];
  washington_group_answers: WashingtonGroupAnswer[] | string;
  disability_status: number;
  needs_summary: string | null;
  household: Uint8Array | null;
  screened_at: Date;
  screened_by_kind: number;
  screened_by_actor_id: string;
  screened_by_role: number;
}

function fromRow(row: ScreeningRow): ScreeningRecord {
  const answers =
    typeof row.washington_group_answers === "string"
      ? (JSON.parse(row.washington_group_answers) as WashingtonGroupAnswer[])
      : row.washington_group_answers;
  return {
    screeningId: row.screening_id,
    beneficiaryId: row.beneficiary_id,
    organisationId: row.organisation_id,
    servicesNeeded: numbers(row.services_needed),
    vulnerabilities: numbers(row.vulnerabilities),
    washingtonGroupAnswers: answers.map((a) => ({ domain: Number(a.domain), severity: Number(a.severity) })),
    disabilityStatus: row.disability_status,
    needsSummary: optionalText(row.needs_summary),
    household: row.household ? HouseholdSection.decode(row.household) : undefined,
    screenedAt: new Date(row.screened_at),
    screenedBy: {
      kind: row.screened_by_kind,
      organisationId: row.organisation_id,
      actorId: row.screened_by_actor_id,
      role: row.screened_by_role,
    },
  };
}

export const screeningRepository: ScreeningRepository = {
  async insert(tx, s) {
    await tx.query(
      `INSERT INTO screenings (
         screening_id, beneficiary_id, organisation_id, services_needed, vulnerabilities,
         washington_group_answers, disability_status, needs_summary, household, screened_at,
         screened_by_kind, screened_by_actor_id, screened_by_role)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, $10, $11, $12, $13)`,
      [
        s.screeningId,
        s.beneficiaryId,
        s.organisationId,
        [...s.servicesNeeded],
        [...s.vulnerabilities],
        JSON.stringify(s.washingtonGroupAnswers.map((a) => ({ domain: a.domain, severity: a.severity }))),
        s.disabilityStatus,
        s.needsSummary ?? null,
        s.household ? Buffer.from(HouseholdSection.encode(s.household).finish()) : null,
        s.screenedAt,
        s.screenedBy?.kind ?? 0,
        s.screenedBy?.actorId ?? "",
        s.screenedBy?.role ?? 0,
      ],
    );
  },

  async find(sql, screeningId) {
    const rows = await sql.query<ScreeningRow>("SELECT * FROM screenings WHERE screening_id = $1", [
      screeningId,
    ]);
    const row = rows.rows[0];
    return row ? fromRow(row) : undefined;
  },

  async latest(sql, beneficiaryId) {
    const rows = await sql.query<ScreeningRow>(
      `SELECT * FROM screenings WHERE beneficiary_id = $1
        ORDER BY screened_at DESC, screening_id DESC LIMIT 1`,
      [beneficiaryId],
    );
    const row = rows.rows[0];
    return row ? fromRow(row) : undefined;
  },
};
