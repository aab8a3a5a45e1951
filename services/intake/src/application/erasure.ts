import { appendToOutbox, type ReceivedEvent } from "@kopru/bus";
import { CancelReason } from "@kopru/contracts/common/v1/vocabulary";
import type {
  ErasureRequest,
  GetErasureRequestRequest,
  GetErasureRequestResponse,
  RequestErasureRequest,
  RequestErasureResponse,
} from "@kopru/contracts/intake/v1/intake_service";
import { ConsentWithdrawalReason } from "@kopru/contracts/referral/v1/consent";
import {
  type BeneficiaryErasureConfirmed,
  type ErasureRequestTracked,
  ErasureResult,
} from "@kopru/contracts/referral/v1/events";
import { EVENTS } from "@kopru/events";
import {
  heldReferralsOf,
  holdersFromLedger,
  referralStore,
  scrubPublishedPersonalData,
} from "@kopru/referral";
import { isTerminal } from "@kopru/referral/domain";
import { NotFoundError } from "@kopru/service-kit";
import type { Sql } from "@kopru/storage";
import { cancelTimer, type DueTimer, scheduleTimer } from "@kopru/timers";
import { v7 as uuidv7 } from "uuid";
import { eraseIntakePerson } from "../adapters/persistence/erasure.js";
import { ownBeneficiary } from "./load.js";
import { forgetMatchingRecord } from "./matching.js";
import type { Caller, ErasureHolderRecord, ErasureRequestRecord, IntakeDeps } from "./ports.js";

/** KVKK art. 13: a data subject's request is answered within 30 days. */
export const KVKK_ANSWER_WITHIN_MS = 30 * 24 * 3_600_000;

/** The durable timer that marks a holder overdue when it has not confirmed by its deadline. */
export const ERASURE_HOLDER_DEADLINE_TIMER = "erasure-holder-deadline";

/**
 * Starts network-wide erasure of a person (ADR 0023), in one transaction: every organisation that
 * received the person's data is found (the targets of the organisation's referrals and every target
 * down their chains), one row per holder is recorded with its deadline, further sharing stops (the
 * person's consents are withdrawn with reason ERASURE_REQUEST, open referrals cancelled), intake's own
 * copy is erased, and one BeneficiaryErasureRequested per holder plus a PII-free ErasureRequestTracked
 * for coordination go to the outbox. A retry with the same request_id, or any request for the person
 * while one is open, answers that request. With no holder, the request is complete at once.
 */
export async function requestErasure(
  deps: IntakeDeps,
  caller: Caller,
  request: RequestErasureRequest,
): Promise<RequestErasureResponse> {
  const now = deps.clock.now();
  const { record, changed } = await deps.db.transaction(async (tx) => {
    const erasureRequestId = uuidv7();
    const claim = await deps.repos.requests.claim(tx, {
      organisationId: caller.organisationId,
      requestId: request.requestId,
      kind: "request-erasure",
      entityId: erasureRequestId,
    });
    if (!claim.isNew) {
      const before = await deps.repos.erasures.find(tx, claim.entityId, caller.organisationId);
      if (before) return { record: before, changed: false };
    }
    const person = await ownBeneficiary(deps, tx, request.beneficiaryId, caller.organisationId, {
      forUpdate: true,
    });
    const open = await deps.repos.erasures.openFor(tx, person.beneficiaryId);
    if (open) {
      // This request_id now names the open request, so its retries answer it even after completion.
      if (claim.isNew)
        await deps.repos.requests.rebind(tx, caller.organisationId, request.requestId, open.erasureRequestId);
      return { record: open, changed: false };
    }

    const sent = await heldReferralsOf(tx, caller.organisationId, person.beneficiaryRef, []);
    const own = sent.filter((r) => r.role === "referrer");
    const holders = await holdersOf(deps, tx, own, {
      organisationId: caller.organisationId,
      beneficiaryRef: person.beneficiaryRef,
    });
    const confirmBy = new Date(now.getTime() + deps.erasure.confirmWithinMs);
    const record: ErasureRequestRecord = {
      erasureRequestId: claim.isNew ? erasureRequestId : claim.entityId,
      organisationId: caller.organisationId,
      beneficiaryId: person.beneficiaryId,
      reason: request.reason,
      requestedAt: now,
      requestedBy: caller.actor,
      kvkkDueBy: new Date(now.getTime() + KVKK_ANSWER_WITHIN_MS),
      completedAt: holders.size === 0 ? now : undefined,
      beneficiaryRef: holders.size === 0 ? undefined : person.beneficiaryRef,
      trackedSequence: 0,
      holders: [...holders].map(([organisationId, referralIds]) => ({
        organisationId,
        referralIds,
        requestedAt: now,
        confirmBy,
        result: ErasureResult.ERASURE_RESULT_UNSPECIFIED,
      })),
    };
    await deps.repos.erasures.insert(tx, record);
    for (const holder of record.holders) await askHolder(tx, record, holder, person.beneficiaryRef);

    // No further sharing: every consent of the person ends, and the referrals still open end too.
    for (const consent of await deps.repos.consents.forBeneficiary(tx, person.beneficiaryId)) {
      if (consent.withdrawnAt) continue;
      await deps.repos.consents.markWithdrawn(tx, consent.consentId, {
        at: now,
        reason: ConsentWithdrawalReason.CONSENT_WITHDRAWAL_REASON_ERASURE_REQUEST,
        notifiedOrganisationIds: [...holders.keys()],
        cancelledReferralIds: [],
      });
    }
    for (const referral of own) {
      const held = await referralStore.find(tx, referral.referralId, "referrer", { forUpdate: true });
      if (!held || isTerminal(held.status) || held.cancellationRequestedAt) continue;
      await deps.lifecycle.requestCancellation(tx, {
        referralId: held.referralId,
        scope: [caller.organisationId],
        cancelReason: CancelReason.CANCEL_REASON_CONSENT_WITHDRAWN,
        acting: caller.acting,
      });
    }
    // Intake's own copy goes now; the request keeps ids, codes and (while open) the person's ref.
    // Intake keeps no key of the packages it sent (each was sealed to its addressee's key with a
    // one-time key, ADR 0022): the holders' key rotation on erasure leaves the stream copies unopenable.
    // The keyed hashes at the matching service go too (removed by its worker, ADR 0027).
    await forgetMatchingRecord(deps.matching, tx, person.beneficiaryId, now);
    await eraseIntakePerson(tx, {
      beneficiaryId: person.beneficiaryId,
      beneficiaryRef: person.beneficiaryRef,
      organisationId: caller.organisationId,
    });
    await deps.repos.audit.record(tx, {
      organisationId: caller.organisationId,
      actor: caller.actor,
      token: caller.token,
      action: "erase",
      entityType: "beneficiary",
      entityId: person.beneficiaryId,
    });
    await publishTracking(deps, tx, record, now);
    return { record, changed: true };
  });
  if (changed) deps.afterCommit();
  return { erasureRequest: erasureView(record, now) };
}

export async function getErasureRequest(
  deps: IntakeDeps,
  caller: Caller,
  request: GetErasureRequestRequest,
): Promise<GetErasureRequestResponse> {
  const record = await deps.repos.erasures.find(deps.db, request.erasureRequestId, caller.organisationId);
  if (!record) throw new NotFoundError("erasure request", request.erasureRequestId);
  return { erasureRequest: erasureView(record, deps.clock.now()) };
}

/**
 * A holder's BeneficiaryErasureConfirmed, in the consumer's transaction: its answer is recorded (once),
 * its deadline timer cancelled; holders it names through onward referrals that were not asked yet are
 * asked now; when every holder answered, the request completes and forgets the person's ref, and the
 * sent requests (which carried it) leave the outbox. Coordination is told how far it went.
 */
export async function applyErasureConfirmation(
  deps: IntakeDeps,
  tx: Sql,
  requesterOrganisationId: string,
  event: ReceivedEvent<BeneficiaryErasureConfirmed>,
): Promise<void> {
  const answer = event.payload;
  const now = deps.clock.now();
  const record = await deps.repos.erasures.find(tx, answer.erasureRequestId, requesterOrganisationId, {
    forUpdate: true,
  });
  if (!record) {
    deps.logger.warn(
      { erasureRequestId: answer.erasureRequestId },
      "confirmation of an unknown erasure request",
    );
    return;
  }
  const recorded = await deps.repos.erasures.recordConfirmation(
    tx,
    record.erasureRequestId,
    answer.organisationId,
    { result: answer.result, confirmedAt: answer.confirmedAt ?? now, recordedAt: now },
  );
  if (!recorded) return;
  await cancelTimer(
    tx,
    ERASURE_HOLDER_DEADLINE_TIMER,
    timerKey(record.erasureRequestId, answer.organisationId),
  );

  // Onward referrals intake had not learnt of (their status events still on the way): ask their targets.
  const asked = new Set(record.holders.map((h) => h.organisationId));
  const late = new Map<string, string[]>();
  for (const onward of answer.onward) {
    if (!onward.organisationId || asked.has(onward.organisationId)) continue;
    late.set(onward.organisationId, [...(late.get(onward.organisationId) ?? []), onward.referralId]);
  }
  if (late.size > 0 && record.beneficiaryRef) {
    const confirmBy = new Date(now.getTime() + deps.erasure.confirmWithinMs);
    for (const [organisationId, referralIds] of late) {
      const holder: ErasureHolderRecord = {
        organisationId,
        referralIds: referralIds.sort(),
        requestedAt: now,
        confirmBy,
        result: ErasureResult.ERASURE_RESULT_UNSPECIFIED,
      };
      await deps.repos.erasures.addHolder(tx, record.erasureRequestId, holder);
      await askHolder(tx, record, holder, record.beneficiaryRef);
    }
  }
  const updated = await reload(deps, tx, record);
  if (updated.holders.every((h) => h.result !== ErasureResult.ERASURE_RESULT_UNSPECIFIED)) {
    await deps.repos.erasures.complete(tx, record.erasureRequestId, now);
    // The requests carried the person's ref: once answered, no copy stays for replay.
    await scrubPublishedPersonalData(tx, [record.erasureRequestId]);
  }
  await publishTracking(deps, tx, await reload(deps, tx, record), now);
}

/** Timer handler: a holder's deadline passed; if it has not answered, it is overdue. */
export async function holderDeadlinePassed(deps: IntakeDeps, tx: Sql, timer: DueTimer): Promise<void> {
  const { erasureRequestId, organisationId, requesterOrganisationId } = timer.payload as {
    erasureRequestId: string;
    organisationId: string;
    requesterOrganisationId: string;
  };
  const now = deps.clock.now();
  const record = await deps.repos.erasures.find(tx, erasureRequestId, requesterOrganisationId, {
    forUpdate: true,
  });
  if (!record) return;
  if (!(await deps.repos.erasures.markOverdue(tx, erasureRequestId, organisationId, now))) return;
  await publishTracking(deps, tx, await reload(deps, tx, record), now);
}

async function reload(
  deps: IntakeDeps,
  tx: Sql,
  record: ErasureRequestRecord,
): Promise<ErasureRequestRecord> {
  return (await deps.repos.erasures.find(tx, record.erasureRequestId, record.organisationId)) ?? record;
}

function timerKey(erasureRequestId: string, organisationId: string): string {
  return `${erasureRequestId}:${organisationId}`;
}

/** One BeneficiaryErasureRequested to one holder, and the timer of its deadline. */
async function askHolder(
  tx: Sql,
  record: ErasureRequestRecord,
  holder: Pick<ErasureHolderRecord, "organisationId" | "referralIds" | "requestedAt" | "confirmBy">,
  beneficiaryRef: string,
): Promise<void> {
  await appendToOutbox(
    tx,
    { organisationId: record.organisationId, service: "intake" },
    {
      definition: EVENTS.beneficiaryErasureRequested,
      payload: {
        erasureRequestId: record.erasureRequestId,
        beneficiaryRef,
        referralIds: [...holder.referralIds],
        reason: record.reason,
        requestedAt: holder.requestedAt,
        confirmBy: holder.confirmBy,
        holderOrganisationId: holder.organisationId,
        requesterOrganisationId: record.organisationId,
      },
      // The request is the aggregate, so its sent copies can be scrubbed from the outbox once answered.
      aggregate: { type: "erasure-request", id: record.erasureRequestId, sequence: 1 },
      correlationId: record.erasureRequestId,
      occurredAt: holder.requestedAt,
    },
  );
  await scheduleTimer(tx, {
    kind: ERASURE_HOLDER_DEADLINE_TIMER,
    key: timerKey(record.erasureRequestId, holder.organisationId),
    dueAt: holder.confirmBy,
    payload: {
      erasureRequestId: record.erasureRequestId,
      organisationId: holder.organisationId,
      requesterOrganisationId: record.organisationId,
    },
  });
}

/** The PII-free progress of the request, for coordination's overdue-erasure list. */
async function publishTracking(
  deps: IntakeDeps,
  tx: Sql,
  record: ErasureRequestRecord,
  now: Date,
): Promise<void> {
  const sequence = await deps.repos.erasures.nextTrackedSequence(tx, record.erasureRequestId);
  const payload: ErasureRequestTracked = {
    erasureRequestId: record.erasureRequestId,
    requesterOrganisationId: record.organisationId,
    reason: record.reason,
    requestedAt: record.requestedAt,
    kvkkDueBy: record.kvkkDueBy,
    holders: record.holders.map((h) => ({
      organisationId: h.organisationId,
      requestedAt: h.requestedAt,
      confirmBy: h.confirmBy,
      result: h.result,
      confirmedAt: h.confirmedAt,
      overdue: isOverdue(h, now),
      overdueSince: h.overdueSince,
    })),
    completedAt: record.completedAt,
    occurredAt: now,
    sequence,
  };
  await appendToOutbox(
    tx,
    { organisationId: record.organisationId, service: "intake" },
    {
      definition: EVENTS.erasureRequestTracked,
      payload,
      aggregate: { type: "erasure-tracking", id: record.erasureRequestId, sequence },
      correlationId: record.erasureRequestId,
      occurredAt: now,
    },
  );
}

/** A holder still pending past its deadline (marked by its timer, or due now and the timer not run yet). */
function isOverdue(holder: ErasureHolderRecord, now: Date): boolean {
  if (holder.result !== ErasureResult.ERASURE_RESULT_UNSPECIFIED) return false;
  return holder.overdueSince !== undefined || holder.confirmBy.getTime() <= now.getTime();
}

function erasureView(record: ErasureRequestRecord, now: Date): ErasureRequest {
  const confirmations = record.holders.map((h) => ({
    organisationId: h.organisationId,
    result: h.result,
    confirmedAt: h.confirmedAt,
    requestedAt: h.requestedAt,
    confirmBy: h.confirmBy,
    overdue: isOverdue(h, now),
    overdueSince: h.overdueSince,
  }));
  return {
    erasureRequestId: record.erasureRequestId,
    beneficiaryId: record.beneficiaryId,
    reason: record.reason,
    requestedAt: record.requestedAt,
    requestedBy: record.requestedBy,
    confirmations,
    completedAt: record.completedAt,
    kvkkDueBy: record.kvkkDueBy,
    overdue: confirmations.some((c) => c.overdue),
  };
}

/**
 * Holder organisation → the referrals through which it received the person's data: the targets of
 * the organisation's own referrals, and every target further down their chains (from the PII-free
 * status events intake keeps for the chains it started).
 * The disclosure ledger adds every other recorded disclosure of the person (ADR 0024): contact updates,
 * and redirects and onward referrals holders reported; the chain events cover referrals made before
 * the ledger existed.
 */
async function holdersOf(
  deps: IntakeDeps,
  tx: Sql,
  own: readonly { referralId: string; rootReferralId: string; targetOrganisationId: string }[],
  person: { organisationId: string; beneficiaryRef: string },
): Promise<Map<string, string[]>> {
  const held = new Map<string, Set<string>>();
  const add = (organisationId: string, referralId: string) => {
    if (!organisationId) return;
    held.set(organisationId, (held.get(organisationId) ?? new Set()).add(referralId));
  };
  for (const referral of own) add(referral.targetOrganisationId, referral.referralId);
  for (const root of new Set(own.map((r) => r.rootReferralId))) {
    for (const event of await deps.repos.referrals.chainEvents(tx, root)) {
      add(event.targetOrganisationId, event.referralId);
    }
  }
  for (const holder of await holdersFromLedger(tx, person.organisationId, person.beneficiaryRef)) {
    if (holder.referralIds.length === 0)
      held.set(holder.organisationId, held.get(holder.organisationId) ?? new Set());
    for (const referralId of holder.referralIds) add(holder.organisationId, referralId);
  }
  return new Map(
    [...held.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([organisationId, ids]) => [organisationId, [...ids].sort()]),
  );
}
