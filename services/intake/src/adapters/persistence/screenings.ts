import type { WashingtonGroupAnswer } from "@kopru/contracts/common/v1/disaggregation";
import { LegalDocument } from "@kopru/contracts/intake/v1/beneficiary";
import {
  ChildProtectionSection,
  EducationSection,
  FinancialSection,
  GbvSection,
  HealthSection,
  HouseholdSection,
  MhpssSection,
  ProtectionSection,
} from "@kopru/contracts/referral/v1/package";
import type { ScreeningRepository } from "../../application/ports.js";
import type { ScreeningRecord } from "../../domain/records.js";
import { numbers, optionalText } from "./rows.js";

/** A proto message stored as its encoding in one bytea column. */
interface Codec<T> {
  encode(message: T): { finish(): Uint8Array };
  decode(input: Uint8Array): T;
}

/**
 * The screening's sections, each kept encoded in the column of the same name (NULL = not screened).
 * Adding a section is a column here and in a migration.
 */
const SECTION_COLUMNS = {
  household: ["household", HouseholdSection],
  protection: ["protection", ProtectionSection],
  gbv: ["gbv", GbvSection],
  childProtection: ["child_protection", ChildProtectionSection],
  health: ["health", HealthSection],
  mhpss: ["mhpss", MhpssSection],
  financial: ["financial", FinancialSection],
  education: ["education", EducationSection],
  legalDocument: ["legal_document", LegalDocument],
} as const satisfies {
  [K in keyof ScreeningRecord]?: readonly [string, Codec<NonNullable<ScreeningRecord[K]>>];
};

type SectionKey = keyof typeof SECTION_COLUMNS;
const SECTION_KEYS = Object.keys(SECTION_COLUMNS) as SectionKey[];

interface ScreeningRow {
  screening_id: string;
  beneficiary_id: string;
  organisation_id: string;
  services_needed: number[];
  vulnerabilities: number[];
  washington_group_answers: WashingtonGroupAnswer[] | string;
  disability_status: number;
  needs_summary: string | null;
  screened_at: Date;
  screened_by_kind: number;
  screened_by_actor_id: string;
  screened_by_role: number;
  [column: string]: unknown;
}

function decodeSection<K extends SectionKey>(key: K, row: ScreeningRow): ScreeningRecord[K] {
  const [column, codec] = SECTION_COLUMNS[key];
  const bytes = row[column] as Uint8Array | null | undefined;
  return (bytes ? (codec as Codec<unknown>).decode(bytes) : undefined) as ScreeningRecord[K];
}

function encodeSection(key: SectionKey, record: ScreeningRecord): Buffer | null {
  const value = record[key];
  if (value === undefined || value === null) return null;
  const [, codec] = SECTION_COLUMNS[key];
  return Buffer.from((codec as Codec<unknown>).encode(value).finish());
}

function fromRow(row: ScreeningRow): ScreeningRecord {
  const answers =
    typeof row.washington_group_answers === "string"
      ? (JSON.parse(row.washington_group_answers) as WashingtonGroupAnswer[])
      : row.washington_group_answers;
  const record: ScreeningRecord = {
    screeningId: row.screening_id,
    beneficiaryId: row.beneficiary_id,
    organisationId: row.organisation_id,
    servicesNeeded: numbers(row.services_needed),
    vulnerabilities: numbers(row.vulnerabilities),
    washingtonGroupAnswers: answers.map((a) => ({ domain: Number(a.domain), severity: Number(a.severity) })),
    disabilityStatus: row.disability_status,
    needsSummary: optionalText(row.needs_summary),
    screenedAt: new Date(row.screened_at),
    screenedBy: {
      kind: row.screened_by_kind,
      organisationId: row.organisation_id,
      actorId: row.screened_by_actor_id,
      role: row.screened_by_role,
    },
  };
  for (const key of SECTION_KEYS) {
    const value = decodeSection(key, row);
    if (value !== undefined) Object.assign(record, { [key]: value });
  }
  return record;
}

const SECTION_SQL_COLUMNS = SECTION_KEYS.map((key) => SECTION_COLUMNS[key][0]);

export const screeningRepository: ScreeningRepository = {
  async insert(tx, s) {
    const fixed = [
      s.screeningId,
      s.beneficiaryId,
      s.organisationId,
      [...s.servicesNeeded],
      [...s.vulnerabilities],
      JSON.stringify(s.washingtonGroupAnswers.map((a) => ({ domain: a.domain, severity: a.severity }))),
      s.disabilityStatus,
      s.needsSummary ?? null,
      s.screenedAt,
      s.screenedBy?.kind ?? 0,
      s.screenedBy?.actorId ?? "",
      s.screenedBy?.role ?? 0,
    ];
    const sections = SECTION_KEYS.map((key) => encodeSection(key, s));
    const placeholders = [...fixed, ...sections].map((_, i) => (i === 5 ? `$${i + 1}::jsonb` : `$${i + 1}`));
    await tx.query(
      `INSERT INTO screenings (
         screening_id, beneficiary_id, organisation_id, services_needed, vulnerabilities,
         washington_group_answers, disability_status, needs_summary, screened_at,
         screened_by_kind, screened_by_actor_id, screened_by_role, ${SECTION_SQL_COLUMNS.join(", ")})
       VALUES (${placeholders.join(", ")})`,
      [...fixed, ...sections],
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
