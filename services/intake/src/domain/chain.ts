import { ActorKind } from "@kopru/contracts/common/v1/refs";
import { ReferralStatus } from "@kopru/contracts/common/v1/vocabulary";
import type { ReferralStatusChanged } from "@kopru/contracts/referral/v1/events";
import type { Referral, ReferralTransition } from "@kopru/contracts/referral/v1/referral";
import { isTerminal } from "@kopru/referral/domain";

export interface Timeline {
  referrals: Referral[];
  transitions: ReferralTransition[];
}

const ANSWERS: readonly ReferralStatus[] = [
  ReferralStatus.REFERRAL_STATUS_ACCEPTED,
  ReferralStatus.REFERRAL_STATUS_DECLINED,
  ReferralStatus.REFERRAL_STATUS_ON_HOLD,
  ReferralStatus.REFERRAL_STATUS_REDIRECTED,
];

/** One step of someone else's referral, as its PII-free status event tells it. */
function transitionFromEvent(event: ReferralStatusChanged): ReferralTransition {
  return {
    referralId: event.referralId,
    sequence: event.sequence,
    fromStatus: event.fromStatus,
    toStatus: event.toStatus,
    actor: {
      kind: event.actorKind || ActorKind.ACTOR_KIND_UNSPECIFIED,
      organisationId: event.actorOrganisationId,
      actorId: "",
      role: 0,
    },
    occurredAt: event.occurredAt,
    declineReason: event.declineReason,
    notCompletedReason: event.notCompletedReason,
    cancelReason: event.cancelReason,
    onHoldReason: event.onHoldReason,
    redirectReason: event.redirectReason,
    outcomeCodes: [...event.outcomeCodes],
    childReferralId: event.childReferralId,
  };
}

/**
 * The current state of a referral intake is not party to (a redirect or onward referral further down
 * a chain it started), rebuilt from its status events. Only what status events carry is known: the
 * purpose, consent and beneficiary_ref of such a referral stay with the parties to it.
 */
function referralFromEvents(events: readonly ReferralStatusChanged[]): Referral {
  const ordered = [...events].sort((a, b) => a.sequence - b.sequence);
  const first = ordered[0] as ReferralStatusChanged;
  const last = ordered[ordered.length - 1] as ReferralStatusChanged;
  const at = (predicate: (e: ReferralStatusChanged) => boolean) => ordered.find(predicate)?.occurredAt;
  const withOutcomes = [...ordered].reverse().find((e) => e.outcomeCodes.length > 0);
  return {
    referralId: last.referralId,
    rootReferralId: last.rootReferralId,
    parentReferralId: last.parentReferralId,
    childReferralIds: [...new Set(ordered.flatMap((e) => (e.childReferralId ? [e.childReferralId] : [])))],
    origin: last.origin,
    beneficiaryRef: "",
    referrer: { organisationId: last.referrerOrganisationId },
    target: { organisationId: last.targetOrganisationId },
    serviceOfferingId: last.serviceOfferingId,
    serviceType: last.serviceType,
    priority: last.priority,
    purpose: 0,
    consentId: "",
    status: last.toStatus,
    declineReason: last.declineReason,
    notCompletedReason: last.notCompletedReason,
    cancelReason: last.cancelReason,
    onHoldReason: last.onHoldReason,
    redirectReason: last.redirectReason,
    outcomeCodes: [...(withOutcomes?.outcomeCodes ?? [])],
    requestedAt: first.requestedAt ?? last.requestedAt,
    respondBy: last.respondBy,
    receivedAt: at((e) => e.toStatus === ReferralStatus.REFERRAL_STATUS_RECEIVED),
    respondedAt: at((e) => ANSWERS.includes(e.toStatus)),
    startedAt: at((e) => e.toStatus === ReferralStatus.REFERRAL_STATUS_IN_PROGRESS),
    closedAt: at((e) => isTerminal(e.toStatus)),
    updatedAt: last.occurredAt,
    sequence: last.sequence,
    disaggregation: last.disaggregation,
  };
}

const time = (d: Date | undefined) => d?.getTime() ?? 0;

/**
 * The whole journey of a chain intake started: its own referrals with their full histories, plus
 * every other referral of the chain (redirects and onward referrals between other partners) rebuilt
 * from the PII-free status events intake keeps for chains it started. A referral intake holds is
 * described by its own copy, never twice. Each referral lists the children seen in the chain.
 */
export function chainTimeline(own: Timeline, chainEvents: readonly ReferralStatusChanged[]): Timeline {
  const ownIds = new Set(own.referrals.map((r) => r.referralId));
  const others = new Map<string, ReferralStatusChanged[]>();
  for (const event of chainEvents) {
    if (ownIds.has(event.referralId)) continue;
    const list = others.get(event.referralId) ?? [];
    if (!list.some((e) => e.sequence === event.sequence)) list.push(event);
    others.set(event.referralId, list);
  }
  const referrals = [...own.referrals, ...[...others.values()].map(referralFromEvents)];
  const childrenOf = new Map<string, string[]>();
  for (const referral of referrals) {
    if (!referral.parentReferralId) continue;
    childrenOf.set(referral.parentReferralId, [
      ...(childrenOf.get(referral.parentReferralId) ?? []),
      referral.referralId,
    ]);
  }
  const withChildren = referrals
    .map((r) => ({
      ...r,
      childReferralIds: [...new Set([...r.childReferralIds, ...(childrenOf.get(r.referralId) ?? [])])],
    }))
    .sort((a, b) => time(a.requestedAt) - time(b.requestedAt) || a.referralId.localeCompare(b.referralId));
  const transitions = mergeByTime([
    ...groupBy(own.transitions),
    ...[...others.values()].map((events) => events.map(transitionFromEvent)),
  ]);
  return { referrals: withChildren, transitions };
}

function groupBy(transitions: readonly ReferralTransition[]): ReferralTransition[][] {
  const byReferral = new Map<string, ReferralTransition[]>();
  for (const t of transitions) byReferral.set(t.referralId, [...(byReferral.get(t.referralId) ?? []), t]);
  return [...byReferral.values()];
}

/**
 * One history in time order that never puts a referral's steps out of sequence, even when the
 * parties' clocks disagree: each referral's steps are taken in sequence, the earliest head first.
 */
function mergeByTime(histories: readonly ReferralTransition[][]): ReferralTransition[] {
  const queues = histories.map((h) => [...h].sort((a, b) => a.sequence - b.sequence));
  const merged: ReferralTransition[] = [];
  for (;;) {
    let pick = -1;
    for (let i = 0; i < queues.length; i++) {
      const head = queues[i]?.[0];
      if (!head) continue;
      const best = pick >= 0 ? queues[pick]?.[0] : undefined;
      if (
        !best ||
        time(head.occurredAt) < time(best.occurredAt) ||
        (time(head.occurredAt) === time(best.occurredAt) && head.referralId < best.referralId)
      ) {
        pick = i;
      }
    }
    if (pick < 0) return merged;
    merged.push(queues[pick]?.shift() as ReferralTransition);
  }
}
