import type { PageRequest, PageResponse } from "@kopru/contracts/common/v1/refs";
import type { Referral, ReferralTransition } from "@kopru/contracts/referral/v1/referral";
import { InvalidArgumentError } from "@kopru/service-kit";
import type { ReferralRecord, TransitionRecord } from "./store.js";

/** The PII-free view of a referral (its package is returned separately, and audited). */
export function referralView(record: ReferralRecord): Referral {
  return {
    referralId: record.referralId,
    rootReferralId: record.rootReferralId,
    parentReferralId: record.parentReferralId ?? "",
    childReferralIds: [...record.childReferralIds],
    origin: record.origin,
    beneficiaryRef: record.beneficiaryRef,
    referrer: {
      organisationId: record.referrerOrganisationId,
      displayName: record.package.referrer?.displayName,
    },
    target: { organisationId: record.targetOrganisationId, displayName: record.package.target?.displayName },
    serviceOfferingId: record.serviceOfferingId,
    serviceType: record.serviceType,
    priority: record.priority,
    purpose: record.purpose,
    consentId: record.consentId,
    status: record.status,
    declineReason: record.declineReason,
    notCompletedReason: record.notCompletedReason,
    cancelReason: record.cancelReason,
    onHoldReason: record.onHoldReason,
    redirectReason: record.redirectReason,
    outcomeCodes: [...record.outcomes],
    requestedAt: record.requestedAt,
    respondBy: record.respondBy,
    receivedAt: record.receivedAt,
    respondedAt: record.respondedAt,
    startedAt: record.startedAt,
    closedAt: record.closedAt,
    updatedAt: record.updatedAt,
    sequence: record.sequence,
    disaggregation: record.disaggregation,
    // The target's own work on it (its copy only; the referrer's has none).
    assigneeActorId: record.assigneeActorId,
    assignedAt: record.assignedAt,
    followUpDueAt: record.followUpDueAt,
    followUpStage: record.followUpStage || undefined,
  };
}

export function transitionView(referralId: string, t: TransitionRecord): ReferralTransition {
  return {
    referralId,
    sequence: t.sequence,
    fromStatus: t.from,
    toStatus: t.to,
    actor: { kind: t.actorKind, organisationId: t.actorOrganisationId, actorId: t.actorId ?? "", role: 0 },
    occurredAt: t.at,
    declineReason: t.declineReason,
    notCompletedReason: t.notCompletedReason,
    cancelReason: t.cancelReason,
    onHoldReason: t.onHoldReason,
    redirectReason: t.redirectReason,
    outcomeCodes: [...t.outcomes],
    childReferralId: t.childReferralId,
  };
}

const DEFAULT_PAGE = 50;
const MAX_PAGE = 500;

/** Offset paging behind an opaque token (the offset, base-36). */
/** A token `nextPage` gave out: an offset in base 36, short enough to stay a safe integer. */
const PAGE_TOKEN = /^[0-9a-z]{1,10}$/;

/** The page size asked for, or the default, never above the largest page. */
export function pageLimit(page: PageRequest | undefined): number {
  return Math.min(MAX_PAGE, page?.pageSize || DEFAULT_PAGE);
}

export function readPage(page: PageRequest | undefined): { limit: number; offset: number } {
  const limit = pageLimit(page);
  const token = page?.pageToken ?? "";
  if (token !== "" && !PAGE_TOKEN.test(token)) {
    // Parsed as it came, a long token became an OFFSET PostgreSQL cannot read (an unexpected failure).
    throw new InvalidArgumentError([
      { field: "page.page_token", description: "is not a page token this service gave out" },
    ]);
  }
  return { limit, offset: token === "" ? 0 : Number.parseInt(token, 36) };
}

export function nextPage(got: number, page: { limit: number; offset: number }): PageResponse {
  return { nextPageToken: got === page.limit ? (page.offset + got).toString(36) : "" };
}
