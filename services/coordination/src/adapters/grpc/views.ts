import type { PageResponse } from "@kopru/contracts/common/v1/refs";
import type { TrackedReferral } from "@kopru/contracts/coordination/v1/tracking";
import { nextPage } from "@kopru/referral";
import type { Page, TrackedReferralRecord } from "../../application/ports.js";

/** Coordination's PII-free view of a referral: no beneficiary, consent or actor ids by construction. */
export function trackedReferralView(record: TrackedReferralRecord): TrackedReferral {
  return {
    referralId: record.referralId,
    rootReferralId: record.rootReferralId,
    parentReferralId: record.parentReferralId ?? "",
    childReferralIds: record.childReferralIds,
    origin: record.origin,
    referrerOrganisationId: record.referrerOrganisationId,
    targetOrganisationId: record.targetOrganisationId,
    serviceOfferingId: record.serviceOfferingId,
    serviceType: record.serviceType,
    priority: record.priority,
    status: record.status,
    declineReason: record.declineReason,
    notCompletedReason: record.notCompletedReason,
    cancelReason: record.cancelReason,
    onHoldReason: record.onHoldReason,
    redirectReason: record.redirectReason,
    outcomeCodes: record.outcomeCodes,
    requestedAt: record.requestedAt,
    respondBy: record.respondBy,
    receivedAt: record.receivedAt,
    respondedAt: record.respondedAt,
    acceptedAt: record.acceptedAt,
    closedAt: record.closedAt,
    updatedAt: record.updatedAt,
    sequence: record.sequence,
    disaggregation: {
      sex: record.sex,
      ageBand: record.ageBand,
      disabilityStatus: record.disabilityStatus,
      nationality: record.nationality,
      legalStatus: record.legalStatus,
      provinceCode: record.provinceCode,
      districtCode: record.districtCode,
    },
    assigned: record.assigned,
    followUpStage: record.followUpStage,
    followUpDueAt: record.followUpDueAt,
  };
}

/** The page closing a list: `nextPage` of the referral library (same tokens as `readPage`), plus the total. */
export function pageResponse<T>(found: Page<T>, page: { limit: number; offset: number }): PageResponse {
  return { ...nextPage(found.items.length, page), totalSize: found.total };
}
