import { appendToOutbox, EventConsumer, type EventConsumerOptions, on, type ReceivedEvent } from "@kopru/bus";
import { type BeneficiaryErasureRequested, ErasureResult } from "@kopru/contracts/referral/v1/events";
import { EVENTS, STREAMS, SUBJECTS } from "@kopru/events";
import type { Sql } from "@kopru/storage";
import { anonymiseReferral, type ErasePersonHook, heldReferralsOf } from "./erasure.js";
import type { ReferralLifecycle } from "./lifecycle.js";

/** Runs in the erasure's transaction for the organisation that erased. */
export type AfterErasureHook = (tx: Sql, organisationId: string) => Promise<unknown>;

/**
 * A holder's answer to one BeneficiaryErasureRequested (ADR 0023), in the consumer's transaction:
 * the open referrals it received for the person end (the late-end hook closes the cases and frees
 * the seats they opened), the service's own tables are erased (`erasePerson`), every copy of a
 * referral it holds for the person (received, and onward ones it made) is anonymised, and a PII-free
 * BeneficiaryErasureConfirmed goes back to the requester naming the onward referrals, so the requester
 * asks their targets too. A request answered before is answered the same again, without erasing
 * twice.
 */
export async function answerErasureRequest(
  tx: Sql,
  lifecycle: ReferralLifecycle,
  organisationId: string,
  event: ReceivedEvent<BeneficiaryErasureRequested>,
  erasePerson: ErasePersonHook | undefined,
  now: Date,
  afterErasure?: AfterErasureHook,
): Promise<ErasureResult> {
  const request = event.payload;
  const answered = await tx.query<{
    result: number;
    confirmed_at: Date;
    onward: { referralId: string; organisationId: string }[] | null;
  }>(
    `SELECT e.result, e.confirmed_at,
            (SELECT json_agg(json_build_object('referralId', r.referral_id::text, 'organisationId', r.target_organisation_id))
               FROM referrals r WHERE r.role = 'referrer' AND r.referral_id::text = ANY(e.onward_referral_ids)) AS onward
       FROM referral_erasures e WHERE e.erasure_request_id = $1 AND e.organisation_id = $2`,
    [request.erasureRequestId, organisationId],
  );
  const before = answered.rows[0];
  if (before) {
    await confirm(
      tx,
      lifecycle,
      organisationId,
      request,
      before.result,
      new Date(before.confirmed_at),
      before.onward ?? [],
    );
    return before.result as ErasureResult;
  }

  const held = await heldReferralsOf(tx, organisationId, request.beneficiaryRef, request.referralIds);
  const received = held.filter((h) => h.role === "target").map((h) => h.referralId);
  const onward = held
    .filter((h) => h.role === "referrer")
    .map((h) => ({ referralId: h.referralId, organisationId: h.targetOrganisationId }));
  await lifecycle.endForErasure(tx, received);
  const own = erasePerson
    ? await erasePerson(tx, {
        erasureRequestId: request.erasureRequestId,
        organisationId,
        beneficiaryRef: request.beneficiaryRef,
        referralIds: [...new Set(held.map((h) => h.referralId))],
        at: now,
      })
    : { erasedRecords: 0, retainedUnderLegalHold: false };
  for (const copy of held) await anonymiseReferral(tx, copy.referralId, copy.role);
  // The stream copies of what this organisation received are sealed to its keys (ADR 0022): a new
  // key from now on, in this transaction, retires the ones that open them, and the key worker
  // destroys those once nothing addressed to them is pending.
  if (held.length > 0 && afterErasure) await afterErasure(tx, organisationId);

  const result = own.retainedUnderLegalHold
    ? ErasureResult.ERASURE_RESULT_RETAINED_LEGAL_OBLIGATION
    : held.length === 0 && own.erasedRecords === 0
      ? ErasureResult.ERASURE_RESULT_NOT_HELD
      : ErasureResult.ERASURE_RESULT_ERASED;
  await tx.query(
    `INSERT INTO referral_erasures
       (erasure_request_id, organisation_id, requester_organisation_id, result, referral_ids,
        onward_referral_ids, requested_at, confirmed_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      request.erasureRequestId,
      organisationId,
      request.requesterOrganisationId,
      result,
      received,
      onward.map((o) => o.referralId),
      request.requestedAt ?? now,
      now,
    ],
  );
  await confirm(tx, lifecycle, organisationId, request, result, now, onward);
  return result;
}

async function confirm(
  tx: Sql,
  lifecycle: ReferralLifecycle,
  organisationId: string,
  request: BeneficiaryErasureRequested,
  result: ErasureResult,
  confirmedAt: Date,
  onward: readonly { referralId: string; organisationId: string }[],
): Promise<void> {
  await appendToOutbox(
    tx,
    { organisationId, service: lifecycle.serviceName },
    {
      definition: EVENTS.beneficiaryErasureConfirmed,
      payload: {
        erasureRequestId: request.erasureRequestId,
        organisationId,
        result,
        confirmedAt,
        requesterOrganisationId: request.requesterOrganisationId,
        onward: [...onward],
      },
      // One self-contained answer per holder: the requester never waits for a predecessor.
      aggregate: {
        type: "erasure-confirmation",
        id: `${request.erasureRequestId}.${organisationId}`,
        sequence: 1,
      },
      correlationId: request.erasureRequestId,
      occurredAt: confirmedAt,
    },
  );
}

/**
 * The durable consumer of the erasure requests addressed to one hosted organisation; `afterCommit`
 * wakes the outbox relay for the confirmation (and the status events of the referrals it ended).
 */
export function erasureRequestConsumer(
  service: string,
  organisationId: string,
  lifecycle: ReferralLifecycle,
  base: Pick<EventConsumerOptions, "db" | "js" | "jsm" | "logger">,
  options: {
    erasePerson?: ErasePersonHook | undefined;
    now: () => Date;
    afterCommit?: () => void;
    /** In the erasure's transaction once the person's data is gone (the sealing key rotation). */
    afterErasure?: AfterErasureHook;
  },
): EventConsumer {
  return new EventConsumer({
    ...base,
    name: `${service}-${organisationId}-erasure`,
    stream: STREAMS.consent.name,
    filterSubject: SUBJECTS.erasureRequestedFor(organisationId),
    handlers: [
      on(EVENTS.beneficiaryErasureRequested, async (tx, event) => {
        await answerErasureRequest(
          tx,
          lifecycle,
          organisationId,
          event,
          options.erasePerson,
          options.now(),
          options.afterErasure,
        );
      }),
    ],
    ...(options.afterCommit ? { afterCommit: options.afterCommit } : {}),
  });
}
