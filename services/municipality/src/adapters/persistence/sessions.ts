import type { ActorKind, StaffRole } from "@kopru/contracts/common/v1/refs";
import type {
  CounsellingSessionType,
  CounsellingTopic,
  SessionModality,
} from "@kopru/contracts/municipality/v1/case";
import type { CounsellingSessionRecord, SessionRepository } from "../../application/ports.js";

interface SessionRow {
  session_id: string;
  case_id: string;
  organisation_id: string;
  session_type: number;
  modality: number;
  topics: number[];
  interpreter_used: boolean;
  interpreter_language: string | null;
  duration_minutes: number;
  held_at: Date;
  counsellor_kind: number;
  counsellor_id: string;
  counsellor_role: number;
  notes: string | null;
  recorded_at: Date;
}

function fromRow(row: SessionRow): CounsellingSessionRecord {
  return {
    sessionId: row.session_id,
    caseId: row.case_id,
    organisationId: row.organisation_id,
    sessionType: row.session_type as CounsellingSessionType,
    modality: row.modality as SessionModality,
    topics: row.topics as CounsellingTopic[],
    interpreterUsed: row.interpreter_used,
    interpreterLanguage: row.interpreter_language ?? undefined,
    durationMinutes: row.duration_minutes,
    heldAt: new Date(row.held_at),
    counsellor: {
      kind: row.counsellor_kind as ActorKind,
      actorId: row.counsellor_id,
      role: row.counsellor_role as StaffRole,
    },
    notes: row.notes ?? undefined,
    recordedAt: new Date(row.recorded_at),
  };
}

export const sessionRepository: SessionRepository = {
  async insert(sql, s) {
    await sql.query(
      `INSERT INTO counselling_sessions (session_id, case_id, organisation_id, session_type, modality, topics,
         interpreter_used, interpreter_language, duration_minutes, held_at, counsellor_kind, counsellor_id,
         counsellor_role, notes, recorded_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
      [
        s.sessionId,
        s.caseId,
        s.organisationId,
        s.sessionType,
        s.modality,
        [...s.topics],
        s.interpreterUsed,
        s.interpreterLanguage ?? null,
        s.durationMinutes,
        s.heldAt,
        s.counsellor.kind,
        s.counsellor.actorId,
        s.counsellor.role,
        s.notes ?? null,
        s.recordedAt,
      ],
    );
  },

  async find(sql, organisationId, sessionId) {
    const rows = await sql.query<SessionRow>(
      "SELECT * FROM counselling_sessions WHERE session_id = $1 AND organisation_id = $2",
      [sessionId, organisationId],
    );
    return rows.rows[0] ? fromRow(rows.rows[0]) : undefined;
  },

  async listForCase(sql, caseId) {
    const rows = await sql.query<SessionRow>(
      "SELECT * FROM counselling_sessions WHERE case_id = $1 ORDER BY held_at DESC, session_id DESC",
      [caseId],
    );
    return rows.rows.map(fromRow);
  },
};
