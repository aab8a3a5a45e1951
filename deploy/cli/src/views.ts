import type { Disaggregation } from "@kopru/contracts/common/v1/disaggregation";
import { ReferralStatus } from "@kopru/contracts/common/v1/vocabulary";
import type { TrackedReferral } from "@kopru/contracts/coordination/v1/tracking";
import {
  FollowUpStage,
  type Referral,
  type ReferralAssignment,
  type ReferralTransition,
} from "@kopru/contracts/referral/v1/referral";
import { enumName } from "./enums.js";
import { duration, fields, names, table, time } from "./format.js";
import { provinceLabel } from "./provinces.js";
import { ENUMS } from "./requests.js";

const AWAITING_ANSWER = new Set<number>([
  ReferralStatus.REFERRAL_STATUS_REQUESTED,
  ReferralStatus.REFERRAL_STATUS_RECEIVED,
]);

/** `OVERDUE 5h` past the answer deadline, `in 2d 3h` before it, `-` once answered. */
export function due(status: ReferralStatus, respondBy: Date | undefined, now: Date): string {
  if (!respondBy || !AWAITING_ANSWER.has(status)) return "-";
  const left = respondBy.getTime() - now.getTime();
  return left < 0 ? `OVERDUE ${duration(left)}` : `in ${duration(left)}`;
}

/** The reason code matching the status, e.g. `declined: no_capacity`. */
export function reasonOf(r: {
  declineReason: number;
  notCompletedReason: number;
  cancelReason: number;
  onHoldReason: number;
  redirectReason: number;
  outcomeCodes: readonly number[];
}): string {
  if (r.declineReason) return enumName(ENUMS.declineReason, r.declineReason);
  if (r.notCompletedReason) return enumName(ENUMS.notCompletedReason, r.notCompletedReason);
  if (r.cancelReason) return enumName(ENUMS.cancelReason, r.cancelReason);
  if (r.redirectReason) return enumName(ENUMS.redirectReason, r.redirectReason);
  if (r.onHoldReason) return enumName(ENUMS.onHoldReason, r.onHoldReason);
  if (r.outcomeCodes.length > 0) return names(ENUMS.outcome, r.outcomeCodes);
  return "-";
}

export function inboxTable(referrals: readonly Referral[], now: Date): string {
  if (referrals.length === 0) return "(no referrals)";
  return table(
    ["referral", "service", "priority", "status", "from", "respond by", "due", "follow-up", "assigned to"],
    referrals.map((r) => [
      r.referralId,
      enumName(ENUMS.serviceType, r.serviceType),
      enumName(ENUMS.priority, r.priority),
      enumName(ENUMS.status, r.status),
      r.referrer?.organisationId ?? "-",
      time(r.respondBy),
      due(r.status, r.respondBy, now),
      followUp(r, now),
      r.assigneeActorId ?? "-",
    ]),
  );
}

/**
 * The follow-up deadline after acceptance: `in 5d (reminded)` before it, `OVERDUE 2d` past it,
 * `done` once closed, `-` before acceptance.
 */
export function followUp(
  r: { followUpStage?: FollowUpStage | undefined; followUpDueAt?: Date | undefined },
  now: Date,
): string {
  const stage = r.followUpStage ?? FollowUpStage.FOLLOW_UP_STAGE_UNSPECIFIED;
  if (stage === FollowUpStage.FOLLOW_UP_STAGE_UNSPECIFIED || !r.followUpDueAt) return "-";
  if (stage === FollowUpStage.FOLLOW_UP_STAGE_DONE) return "done";
  const left = r.followUpDueAt.getTime() - now.getTime();
  if (left < 0 || stage === FollowUpStage.FOLLOW_UP_STAGE_OVERDUE)
    return `OVERDUE ${duration(Math.min(left, 0))}`;
  return `in ${duration(left)}${stage === FollowUpStage.FOLLOW_UP_STAGE_REMINDED ? " (reminded)" : ""}`;
}

export function sentTable(referrals: readonly Referral[], now: Date): string {
  if (referrals.length === 0) return "(no referrals)";
  return table(
    ["referral", "service", "priority", "status", "to", "requested", "due", "reason/outcome"],
    referrals.map((r) => [
      r.referralId,
      enumName(ENUMS.serviceType, r.serviceType),
      enumName(ENUMS.priority, r.priority),
      enumName(ENUMS.status, r.status),
      r.target?.organisationId ?? "-",
      time(r.requestedAt),
      due(r.status, r.respondBy, now),
      reasonOf(r),
    ]),
  );
}

export function disaggregationText(d: Disaggregation | undefined): string | undefined {
  if (!d) return undefined;
  return [
    enumName(ENUMS.sex, d.sex),
    `age ${enumName(ENUMS.ageBand, d.ageBand)}`,
    enumName(ENUMS.disability, d.disabilityStatus),
    d.nationality || "-",
    provinceLabel(d.provinceCode),
  ].join(", ");
}

export function referralFields(
  r: Referral,
  now: Date,
  extra: readonly (readonly [string, string | undefined])[] = [],
): string {
  return fields([
    ["referral", r.referralId],
    ["status", enumName(ENUMS.status, r.status)],
    ["reason/outcome", reasonOf(r)],
    // The outcome codes, when the line above shows a reason instead (e.g. not completed, then reported).
    [
      "outcome",
      r.outcomeCodes.length > 0 && reasonOf(r) !== names(ENUMS.outcome, r.outcomeCodes)
        ? names(ENUMS.outcome, r.outcomeCodes)
        : undefined,
    ],
    ["service", enumName(ENUMS.serviceType, r.serviceType)],
    ["priority", enumName(ENUMS.priority, r.priority)],
    ["purpose", enumName(ENUMS.purpose, r.purpose)],
    ["referrer", r.referrer?.organisationId],
    ["target", r.target?.organisationId],
    ["offering", r.serviceOfferingId],
    ["origin", enumName(ENUMS.origin, r.origin)],
    ["root", r.rootReferralId !== r.referralId ? r.rootReferralId : undefined],
    ["parent", r.parentReferralId || undefined],
    ["children", r.childReferralIds.length > 0 ? r.childReferralIds.join(", ") : undefined],
    ["consent", r.consentId],
    ["beneficiary ref", r.beneficiaryRef],
    ["requested", time(r.requestedAt)],
    [
      "respond by",
      `${time(r.respondBy)} ${due(r.status, r.respondBy, now) === "-" ? "" : `(${due(r.status, r.respondBy, now)})`}`.trim(),
    ],
    ["received", r.receivedAt ? time(r.receivedAt) : undefined],
    ["answered", r.respondedAt ? time(r.respondedAt) : undefined],
    ["started", r.startedAt ? time(r.startedAt) : undefined],
    ["closed", r.closedAt ? time(r.closedAt) : undefined],
    ["follow-up by", r.followUpDueAt ? `${time(r.followUpDueAt)} (${followUp(r, now)})` : undefined],
    [
      "assigned to",
      r.assigneeActorId
        ? `${r.assigneeActorId}${r.assignedAt ? ` since ${time(r.assignedAt)}` : ""}`
        : undefined,
    ],
    ["people bands", disaggregationText(r.disaggregation)],
    ["sequence", String(r.sequence)],
    ...extra,
  ]);
}

export function transitionsTable(transitions: readonly ReferralTransition[]): string {
  if (transitions.length === 0) return "(no transitions)";
  return table(
    ["at", "referral", "seq", "from", "to", "by", "reason/outcome"],
    transitions.map((t) => [
      time(t.occurredAt),
      t.referralId,
      String(t.sequence),
      enumName(ENUMS.status, t.fromStatus),
      enumName(ENUMS.status, t.toStatus) + (t.childReferralId ? ` → ${t.childReferralId}` : ""),
      [t.actor?.organisationId, t.actor?.actorId].filter(Boolean).join("/") || "-",
      reasonOf(t),
    ]),
  );
}

export function trackedTable(referrals: readonly TrackedReferral[], now: Date): string {
  return table(
    [
      "referral",
      "origin",
      "referrer",
      "target",
      "service",
      "priority",
      "status",
      "due",
      "reason/outcome",
      "assigned",
      "follow-up",
    ],
    referrals.map((r) => [
      r.referralId,
      enumName(ENUMS.origin, r.origin),
      r.referrerOrganisationId,
      r.targetOrganisationId,
      enumName(ENUMS.serviceType, r.serviceType),
      enumName(ENUMS.priority, r.priority),
      enumName(ENUMS.status, r.status),
      due(r.status, r.respondBy, now),
      reasonOf(r),
      r.assigned ? "yes" : "no",
      followUp(r, now),
    ]),
  );
}

/** A referral's assignment history, oldest first. */
export function assignmentsTable(assignments: readonly ReferralAssignment[]): string {
  if (assignments.length === 0) return "(never assigned)";
  return table(
    ["#", "at", "assigned to", "before", "by"],
    assignments.map((a) => [
      String(a.sequence),
      time(a.assignedAt),
      a.assigneeActorId,
      a.previousAssigneeActorId || "-",
      a.assignedByActorId,
    ]),
  );
}

/** An offering's places as `free/total` (e.g. `3/20`), or `-` when it does not count them. */
export function placesText(
  offering: { totalPlaces?: number | undefined; freePlaces?: number | undefined } | undefined,
): string {
  if (offering?.totalPlaces === undefined) return "-";
  return `${offering.freePlaces ?? 0}/${offering.totalPlaces}`;
}
