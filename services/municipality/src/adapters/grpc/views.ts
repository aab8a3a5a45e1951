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
  return {
    caseId: record.caseId,
    organisationId: record.organisationId,
    status: record.status,
    beneficiaryRef: record.beneficiaryRef,
    referralIds: [...record.referralIds],
    assignedCaseworkerId: record.assignedCaseworkerId,
    openedAt: record.openedAt,
    closedAt: record.closedAt,
    closureReason: record.closureReason,
    updatedAt: record.updatedAt,
  };
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
  return {
    organisationId: c.organisationId,
    name: c.name,
    location: {
      provinceCode: c.provinceCode,
      districtCode: c.districtCode,
      provinceName: c.provinceName || undefined,
      districtName: c.districtName,
    },
    languages: [...c.languages],
    active: c.active,
  };
}
