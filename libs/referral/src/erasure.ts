import { randomUUID } from "node:crypto";
import type { EventDefinition } from "@kopru/bus";
import { ReferralPackage } from "@kopru/contracts/referral/v1/package";
import { NETWORK_LAYOUT } from "@kopru/events";
import type { Sql } from "@kopru/storage";
import type { ReferralRole } from "./store.js";

/**
 * Per-record anonymisers of the referral library's tables (ADR 0023). Each erases or irreversibly
 * anonymises the personal data of one record and keeps what PII-free figures need: ids, codes,
 * timestamps, disaggregation bands and transitions. They are the building blocks of network-wide
 * erasure (a holder answering BeneficiaryErasureRequested, intake erasing its own copy) and of
 * retention (libs/retention destroys a data class when its period ends).
 *
 * | table                        | erased / anonymised                                   | kept                                             |
 * |------------------------------|-------------------------------------------------------|--------------------------------------------------|
 * | referrals                    | package cut to its routing fields (no reason, no      | ids, codes, statuses, timestamps, disaggregation, |
 * |                              | section); beneficiary_ref replaced by a random token  | assignee (staff id); erased_at set               |
 * | referral_transitions         | internal_note                                         | every transition (codes, actor ids, times)       |
 * | referral_contact_attempts    | internal_note                                         | method, result, times                            |
 * | referral_contact_pending     | the row (a contact section waiting for its referral)  | —                                                |
 * | referral_chain_events        | —                                                     | PII-free status events                           |
 * | referral_audit               | —                                                     | ids only; legal hold (accountability, KVKK 12)   |
 * | referral_assignments         | —                                                     | staff ids only                                   |
 * | kopru_outbox (sent rows)     | events carrying personal data about the referral      | PII-free events                                  |
 */

/** The token a beneficiary_ref becomes: random, so nothing links the record to the person again. */
export function erasedRef(): string {
  return `erased-${randomUUID()}`;
}

/** Whether a beneficiary ref is one an anonymiser wrote. */
export function isErasedRef(ref: string): boolean {
  return ref.startsWith("erased-");
}

/** The event types that may carry personal data (from the network's layout). */
export function personalEventTypes(events: readonly EventDefinition[] = NETWORK_LAYOUT.events): string[] {
  return events.filter((e) => e.personalData).map((e) => e.type);
}

/**
 * Erases the personal data of one copy of a referral (`role` says which: the referrer's or the
 * target's). Returns false when this database holds no such copy. Idempotent: a second call finds
 * nothing personal left and changes nothing that matters.
 */
export async function anonymiseReferral(tx: Sql, referralId: string, role: ReferralRole): Promise<boolean> {
  const found = await tx.query<{ package: Uint8Array; erased_at: Date | null }>(
    "SELECT package, erased_at FROM referrals WHERE referral_id = $1 AND role = $2 FOR UPDATE",
    [referralId, role],
  );
  const row = found.rows[0];
  if (!row) return false;
  const original = ReferralPackage.decode(row.package);
  const kept = routingOnly(original);
  await tx.query(
    `UPDATE referrals
        SET package = $3, beneficiary_ref = $4, erased_at = COALESCE(erased_at, now())
      WHERE referral_id = $1 AND role = $2`,
    [referralId, role, Buffer.from(ReferralPackage.encode(kept).finish()), kept.beneficiaryRef],
  );
  await tx.query(
    "UPDATE referral_transitions SET internal_note = NULL WHERE referral_id = $1 AND role = $2",
    [referralId, role],
  );
  if (role === "target") {
    await tx.query("UPDATE referral_contact_attempts SET internal_note = NULL WHERE referral_id = $1", [
      referralId,
    ]);
    await tx.query("DELETE FROM referral_contact_pending WHERE referral_id = $1", [referralId]);
  }
  // The ledger keeps where the data went (categories, recipient, consent, purpose) but no longer
  // whom it was about; a consent the person gave a holder for a redirect or onward referral goes.
  await tx.query("UPDATE disclosures SET beneficiary_ref = NULL WHERE referral_id = $1", [referralId]);
  await tx.query("DELETE FROM fresh_consents WHERE referral_id = $1", [referralId]);
  await scrubPublishedPersonalData(tx, [referralId]);
  return true;
}

/**
 * Deletes the sent outbox rows of personal-data events about these aggregates (a referral's package,
 * a person's contact section): the outbox keeps sent rows for replay, which must not keep a copy of
 * what was erased. Unsent rows stay: the holder they are addressed to is asked to erase in turn, and
 * dropping one would leave its consumer waiting for a sequence that never comes.
 */
export async function scrubPublishedPersonalData(tx: Sql, aggregateIds: readonly string[]): Promise<number> {
  if (aggregateIds.length === 0) return 0;
  const result = await tx.query(
    `DELETE FROM kopru_outbox
      WHERE sent_at IS NOT NULL AND aggregate_id = ANY($1::text[]) AND event_type = ANY($2::text[])`,
    [[...aggregateIds], personalEventTypes()],
  );
  return result.rowCount;
}

/**
 * The package cut to what routing and PII-free figures need: no reason for referral, no section
 * (identity, contact, demographics, household, needs, protection, GBV, health…), no language needs;
 * the beneficiary ref replaced by a random token. Ids, codes, consent scope, timestamps and the
 * disaggregation bands stay.
 */
export function routingOnly(pkg: ReferralPackage): ReferralPackage {
  return ReferralPackage.fromPartial({
    referralId: pkg.referralId,
    rootReferralId: pkg.rootReferralId,
    parentReferralId: pkg.parentReferralId,
    origin: pkg.origin,
    beneficiaryRef: isErasedRef(pkg.beneficiaryRef) ? pkg.beneficiaryRef : erasedRef(),
    referrer: pkg.referrer,
    target: pkg.target,
    serviceOfferingId: pkg.serviceOfferingId,
    serviceType: pkg.serviceType,
    priority: pkg.priority,
    purpose: pkg.purpose,
    consentId: pkg.consentId,
    sharedDataCategories: pkg.sharedDataCategories,
    consentExpiresAt: pkg.consentExpiresAt,
    consentScope: pkg.consentScope,
    requestedBy: pkg.requestedBy,
    requestedAt: pkg.requestedAt,
    respondBy: pkg.respondBy,
    disaggregation: pkg.disaggregation,
  });
}

/**
 * The referrals this organisation holds for a person: the target copies it received (named by the
 * request or found by the person's ref) and the referrer copies of the onward referrals and
 * redirects it made for them.
 */
export async function heldReferralsOf(
  sql: Sql,
  organisationId: string,
  beneficiaryRef: string,
  referralIds: readonly string[],
): Promise<
  { referralId: string; role: ReferralRole; targetOrganisationId: string; rootReferralId: string }[]
> {
  const rows = await sql.query<{
    referral_id: string;
    role: ReferralRole;
    target_organisation_id: string;
    root_referral_id: string;
  }>(
    `SELECT referral_id::text AS referral_id, role, target_organisation_id, root_referral_id::text AS root_referral_id
       FROM referrals
      WHERE ((role = 'target' AND target_organisation_id = $1)
          OR (role = 'referrer' AND referrer_organisation_id = $1))
        AND (referral_id::text = ANY($3::text[]) OR ($2 <> '' AND beneficiary_ref = $2))
      ORDER BY requested_at, referral_id, role`,
    [organisationId, beneficiaryRef, [...referralIds]],
  );
  return rows.rows.map((r) => ({
    referralId: r.referral_id,
    role: r.role,
    targetOrganisationId: r.target_organisation_id,
    rootReferralId: r.root_referral_id,
  }));
}

/** What a receiving service is asked to erase for one person (ADR 0023). */
export interface PersonErasure {
  erasureRequestId: string;
  /** The holder organisation erasing. */
  organisationId: string;
  /** The person's pseudonymous ref as this organisation knows it. */
  beneficiaryRef: string;
  /** Every referral this organisation held for the person (received, and onward ones it made). */
  referralIds: readonly string[];
  at: Date;
}

/** What a service's own erasure did. */
export interface PersonErasureResult {
  /** Records of the service's own model whose personal data went. */
  erasedRecords: number;
  /**
   * True when a legal obligation keeps part of the person's data (restricted, not processed
   * further): the holder then answers RETAINED_LEGAL_OBLIGATION and its README says which table.
   */
  retainedUnderLegalHold: boolean;
}

/**
 * A receiving service's erasure of its own tables (cases, assessments, sessions, enrolments…) for
 * one person, inside the transaction that answers the request. Must be idempotent.
 */
export type ErasePersonHook = (tx: Sql, erasure: PersonErasure) => Promise<PersonErasureResult>;
