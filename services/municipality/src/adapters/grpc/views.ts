import { caseCoreView, siteView } from "@kopru/casework";
import type {
  CounsellingSession,
  DirectAssistance,
  Mmcc,
  MunicipalityCase,
} from "@kopru/contracts/municipality/v1/case";
import type {
  CaseRecord,
  CentreRecord,
  CounsellingSessionRecord,
  DirectAssistanceRecord,
} from "../../application/ports.js";

export function caseView(record: CaseRecord): MunicipalityCase {
  return caseCoreView(record);
}

export function sessionView(s: CounsellingSessionRecord): CounsellingSession {
  return {
    sessionId: s.sessionId,
    caseId: s.caseId,
    sessionType: s.sessionType,
    modality: s.modality,
    topics: [...s.topics],
    interpreterUsed: s.interpreterUsed,
    interpreterLanguage: s.interpreterLanguage,
    durationMinutes: s.durationMinutes,
    heldAt: s.heldAt,
    counsellor: { ...s.counsellor, organisationId: s.organisationId },
    notes: s.notes,
  };
}

export function assistanceView(a: DirectAssistanceRecord): DirectAssistance {
  return {
    directAssistanceId: a.directAssistanceId,
    caseId: a.caseId,
    referralId: a.referralId,
    kind: a.kind,
    amount: a.amount,
    description: a.description,
    providedAt: a.providedAt,
    recordedBy: { ...a.recordedBy, organisationId: a.organisationId },
  };
}

export function centreView(c: CentreRecord): Mmcc {
  return { ...siteView(c), active: c.active };
}
