import type { CaseState } from "./case-state.js";
import type { SiteProfile } from "./sites.js";

/**
 * The part of a case every receiving service's API shows alike (internal notes and bookkeeping stay
 * inside); each service adds its own fields.
 */
export function caseCoreView(
  record: Pick<
    CaseState,
    | "caseId"
    | "organisationId"
    | "status"
    | "beneficiaryRef"
    | "openedAt"
    | "closedAt"
    | "closureReason"
    | "updatedAt"
  > & { assignedCaseworkerId: string | undefined; referralIds: readonly string[] },
) {
  return {
    caseId: record.caseId,
    organisationId: record.organisationId,
    status: record.status,
    beneficiaryRef: record.beneficiaryRef,
    referralIds: [...record.referralIds],
    assignedCaseworkerId: record.assignedCaseworkerId ?? "",
    openedAt: record.openedAt,
    closedAt: record.closedAt,
    closureReason: record.closureReason,
    updatedAt: record.updatedAt,
  };
}

/** A site as the API shows it. */
export function siteView(site: SiteProfile) {
  return {
    organisationId: site.organisationId,
    name: site.name,
    location: {
      provinceCode: site.provinceCode,
      districtCode: site.districtCode,
      provinceName: site.provinceName || undefined,
      districtName: site.districtName,
    },
    languages: [...site.languages],
  };
}

/** The facts of a closed case every receiving service's CaseClosed event carries (ids, codes, times). */
export function caseClosedFacts(
  state: Pick<CaseState, "caseId" | "organisationId" | "closureReason" | "openedAt" | "closedAt">,
) {
  return {
    caseId: state.caseId,
    organisationId: state.organisationId,
    closureReason: state.closureReason,
    openedAt: state.openedAt,
    closedAt: state.closedAt,
  };
}

/** A case event's place in the case's own ordered stream of events. */
export function caseAggregate(type: string, state: Pick<CaseState, "caseId" | "eventSequence">) {
  return { type, id: state.caseId, sequence: state.eventSequence };
}
