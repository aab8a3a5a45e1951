import type { ActorKind } from "@kopru/contracts/common/v1/refs";
import type { DataCategory, Purpose } from "@kopru/contracts/common/v1/vocabulary";
import {
  ConsentWithdrawalPolicy,
  type ConsentWithdrawalReason,
  type ContinuingLawfulBasis,
  FreshConsent,
} from "@kopru/contracts/referral/v1/consent";
import type { DisclosureKind } from "@kopru/contracts/referral/v1/events";
import type { Sql } from "@kopru/storage";

/** One entry of an organisation's disclosure ledger (table `disclosures`, ADR 0024). */
export interface DisclosureEntry {
  disclosureId: string;
  kind: DisclosureKind;
  /** Whose ledger: the sender, or the root referrer a holder reported it to. */
  ledgerOrganisationId: string;
  /** The person as the ledger's organisation knows them; absent on rows a holder reported. */
  beneficiaryRef?: string | undefined;
  referralId?: string | undefined;
  rootReferralId?: string | undefined;
  parentReferralId?: string | undefined;
  senderOrganisationId: string;
  recipientOrganisationId: string;
  dataCategories: readonly DataCategory[];
  purpose: Purpose;
  consentId: string;
  freshConsent: boolean;
  disclosedAt: Date;
  disclosedBy?: { kind: ActorKind; actorId?: string | undefined } | undefined;
  reported: boolean;
}

interface DisclosureRow {
  disclosure_id: string;
  kind: number;
  ledger_organisation_id: string;
  beneficiary_ref: string | null;
  referral_id: string | null;
  root_referral_id: string | null;
  parent_referral_id: string | null;
  sender_organisation_id: string;
  recipient_organisation_id: string;
  data_categories: number[];
  purpose: number;
  consent_id: string;
  fresh_consent: boolean;
  disclosed_at: Date;
  disclosed_by_kind: number;
  disclosed_by_id: string | null;
  reported: boolean;
}

function fromDisclosureRow(row: DisclosureRow): DisclosureEntry {
  return {
    disclosureId: row.disclosure_id,
    kind: row.kind,
    ledgerOrganisationId: row.ledger_organisation_id,
    beneficiaryRef: row.beneficiary_ref ?? undefined,
    referralId: row.referral_id ?? undefined,
    rootReferralId: row.root_referral_id ?? undefined,
    parentReferralId: row.parent_referral_id ?? undefined,
    senderOrganisationId: row.sender_organisation_id,
    recipientOrganisationId: row.recipient_organisation_id,
    dataCategories: row.data_categories,
    purpose: row.purpose,
    consentId: row.consent_id,
    freshConsent: row.fresh_consent,
    disclosedAt: new Date(row.disclosed_at),
    disclosedBy: row.reported
      ? undefined
      : { kind: row.disclosed_by_kind, actorId: row.disclosed_by_id ?? undefined },
    reported: row.reported,
  };
}

/**
 * The disclosure ledger: every time a person's data leaves this service, one row, written in the
 * transaction that appends the outbox row carrying the data (so neither exists without the other).
 */
export const disclosureLedger = {
  async record(sql: Sql, entry: DisclosureEntry): Promise<void> {
    await sql.query(
      `INSERT INTO disclosures (
         disclosure_id, kind, ledger_organisation_id, beneficiary_ref, referral_id, root_referral_id,
         parent_referral_id, sender_organisation_id, recipient_organisation_id, data_categories, purpose,
         consent_id, fresh_consent, disclosed_at, disclosed_by_kind, disclosed_by_id, reported)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
       ON CONFLICT (disclosure_id) DO NOTHING`,
      [
        entry.disclosureId,
        entry.kind,
        entry.ledgerOrganisationId,
        entry.beneficiaryRef ?? null,
        entry.referralId ?? null,
        entry.rootReferralId ?? null,
        entry.parentReferralId ?? null,
        entry.senderOrganisationId,
        entry.recipientOrganisationId,
        [...new Set(entry.dataCategories)].sort((a, b) => a - b),
        entry.purpose,
        entry.consentId,
        entry.freshConsent,
        entry.disclosedAt,
        entry.disclosedBy?.kind ?? 0,
        entry.disclosedBy?.actorId ?? null,
        entry.reported,
      ],
    );
  },

  /**
   * Every disclosure of a person in an organisation's ledger, oldest first: its own (by the person's
   * ref) and those holders reported down the chains of its referrals for the person.
   */
  async forBeneficiary(
    sql: Sql,
    ledgerOrganisationId: string,
    beneficiaryRef: string,
  ): Promise<DisclosureEntry[]> {
    const rows = await sql.query<DisclosureRow>(
      `SELECT * FROM disclosures
        WHERE ledger_organisation_id = $1
          AND (beneficiary_ref = $2
               OR root_referral_id IN (SELECT root_referral_id FROM referrals
                                        WHERE role = 'referrer' AND beneficiary_ref = $2
                                          AND referrer_organisation_id = $1))
        ORDER BY disclosed_at, disclosure_id`,
      [ledgerOrganisationId, beneficiaryRef],
    );
    return rows.rows.map(fromDisclosureRow);
  },

  /** Every row about one referral (as sent), in the order written. */
  async forReferral(sql: Sql, referralId: string): Promise<DisclosureEntry[]> {
    const rows = await sql.query<DisclosureRow>(
      "SELECT * FROM disclosures WHERE referral_id = $1 ORDER BY disclosed_at, disclosure_id",
      [referralId],
    );
    return rows.rows.map(fromDisclosureRow);
  },
};

/**
 * Who holds a person's data, from an organisation's ledger: every recipient organisation, with the
 * referrals through which it received the data (erasure and withdrawal address each holder).
 */
export async function holdersFromLedger(
  sql: Sql,
  ledgerOrganisationId: string,
  beneficiaryRef: string,
): Promise<{ organisationId: string; referralIds: string[] }[]> {
  const entries = await disclosureLedger.forBeneficiary(sql, ledgerOrganisationId, beneficiaryRef);
  const holders = new Map<string, Set<string>>();
  for (const entry of entries) {
    if (entry.recipientOrganisationId === ledgerOrganisationId) continue;
    const ids = holders.get(entry.recipientOrganisationId) ?? new Set<string>();
    if (entry.referralId) ids.add(entry.referralId);
    holders.set(entry.recipientOrganisationId, ids);
  }
  return [...holders.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([organisationId, ids]) => ({ organisationId, referralIds: [...ids].sort() }));
}

/** A withdrawal as a holder recorded it (table `consent_withdrawals_held`). */
export interface HeldWithdrawal {
  organisationId: string;
  consentId: string;
  referrerOrganisationId: string;
  policy: ConsentWithdrawalPolicy;
  continuingBasis: ContinuingLawfulBasis;
  reason: ConsentWithdrawalReason;
  withdrawnAt: Date;
  recordedAt: Date;
}

/** The withdrawals a holder received, and the restriction of the referrals they concern. */
export const withdrawalRegister = {
  /** Records a withdrawal once; false when it was already recorded (a redelivery). */
  async record(sql: Sql, withdrawal: HeldWithdrawal): Promise<boolean> {
    const result = await sql.query(
      `INSERT INTO consent_withdrawals_held (organisation_id, consent_id, referrer_organisation_id, policy,
         continuing_basis, reason, withdrawn_at, recorded_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (organisation_id, consent_id) DO NOTHING`,
      [
        withdrawal.organisationId,
        withdrawal.consentId,
        withdrawal.referrerOrganisationId,
        withdrawal.policy,
        withdrawal.continuingBasis,
        withdrawal.reason,
        withdrawal.withdrawnAt,
        withdrawal.recordedAt,
      ],
    );
    return result.rowCount === 1;
  },

  async find(sql: Sql, organisationId: string, consentId: string): Promise<HeldWithdrawal | undefined> {
    if (!consentId) return undefined;
    const rows = await sql.query<{
      referrer_organisation_id: string;
      policy: number;
      continuing_basis: number;
      reason: number;
      withdrawn_at: Date;
      recorded_at: Date;
    }>(
      `SELECT referrer_organisation_id, policy, continuing_basis, reason, withdrawn_at, recorded_at
         FROM consent_withdrawals_held WHERE organisation_id = $1 AND consent_id = $2`,
      [organisationId, consentId],
    );
    const row = rows.rows[0];
    if (!row) return undefined;
    return {
      organisationId,
      consentId,
      referrerOrganisationId: row.referrer_organisation_id,
      policy: row.policy,
      continuingBasis: row.continuing_basis,
      reason: row.reason,
      withdrawnAt: new Date(row.withdrawn_at),
      recordedAt: new Date(row.recorded_at),
    };
  },

  /**
   * Marks restricted every referral the organisation received under the consent (or named by the
   * withdrawal), whatever its status; returns their ids, oldest first.
   */
  async restrict(
    sql: Sql,
    organisationId: string,
    consentId: string,
    referralIds: readonly string[],
    at: Date,
  ): Promise<string[]> {
    const rows = await sql.query<{ referral_id: string }>(
      `UPDATE referrals SET restricted_at = COALESCE(restricted_at, $4)
        WHERE role = 'target' AND target_organisation_id = $1
          AND (consent_id = $2 OR referral_id::text = ANY($3::text[]))
        RETURNING referral_id::text AS referral_id`,
      [organisationId, consentId, [...referralIds], at],
    );
    return rows.rows.map((r) => r.referral_id).sort();
  },

  /** When a received referral was restricted (its consent withdrawn), if it was. */
  async restrictedAt(sql: Sql, referralId: string): Promise<Date | undefined> {
    const rows = await sql.query<{ restricted_at: Date | null }>(
      "SELECT restricted_at FROM referrals WHERE referral_id = $1 AND role = 'target'",
      [referralId],
    );
    const at = rows.rows[0]?.restricted_at;
    return at ? new Date(at) : undefined;
  },
};

/** The policy a withdrawal asks for, UNSPECIFIED read as the safest (cancel everything open). */
export function effectivePolicy(policy: ConsentWithdrawalPolicy): ConsentWithdrawalPolicy {
  return policy === ConsentWithdrawalPolicy.CONSENT_WITHDRAWAL_POLICY_FINISH_ACCEPTED_WORK
    ? policy
    : ConsentWithdrawalPolicy.CONSENT_WITHDRAWAL_POLICY_CANCEL_ALL_OPEN;
}

/** Consents people gave a holder for a redirect or onward referral (table `fresh_consents`). */
export const freshConsents = {
  async record(
    sql: Sql,
    input: {
      consentId: string;
      organisationId: string;
      beneficiaryRef: string;
      referralId: string;
      consent: FreshConsent;
      recordedAt: Date;
      recordedBy: { kind: ActorKind; actorId?: string | undefined };
    },
  ): Promise<void> {
    await sql.query(
      `INSERT INTO fresh_consents (consent_id, organisation_id, beneficiary_ref, referral_id, consent,
         expires_at, recorded_at, recorded_by_kind, recorded_by_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        input.consentId,
        input.organisationId,
        input.beneficiaryRef,
        input.referralId,
        Buffer.from(FreshConsent.encode(input.consent).finish()),
        input.consent.expiresAt,
        input.recordedAt,
        input.recordedBy.kind,
        input.recordedBy.actorId ?? null,
      ],
    );
  },

  async forReferral(sql: Sql, referralId: string): Promise<{ consentId: string; consent: FreshConsent }[]> {
    const rows = await sql.query<{ consent_id: string; consent: Uint8Array }>(
      "SELECT consent_id::text AS consent_id, consent FROM fresh_consents WHERE referral_id = $1 ORDER BY recorded_at",
      [referralId],
    );
    return rows.rows.map((r) => ({ consentId: r.consent_id, consent: FreshConsent.decode(r.consent) }));
  },
};
