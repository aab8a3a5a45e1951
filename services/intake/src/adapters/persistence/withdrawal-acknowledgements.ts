import { ConsentWithdrawalRecorded } from "@kopru/contracts/referral/v1/events";
import type { WithdrawalAcknowledgements } from "../../application/ports.js";

export const withdrawalAcknowledgements: WithdrawalAcknowledgements = {
  async record(tx, ack) {
    await tx.query(
      `INSERT INTO consent_withdrawal_acknowledgements
         (consent_id, holder_organisation_id, referrer_organisation_id, event, recorded_at)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (consent_id, holder_organisation_id) DO NOTHING`,
      [
        ack.consentId,
        ack.organisationId,
        ack.referrerOrganisationId,
        Buffer.from(ConsentWithdrawalRecorded.encode(ack).finish()),
        ack.recordedAt ?? new Date(),
      ],
    );
  },

  async forConsents(sql, consentIds, referrerOrganisationId) {
    if (consentIds.length === 0) return [];
    const rows = await sql.query<{ event: Uint8Array }>(
      `SELECT event FROM consent_withdrawal_acknowledgements
        WHERE consent_id = ANY($1::text[]) AND referrer_organisation_id = $2
        ORDER BY recorded_at, holder_organisation_id`,
      [[...consentIds], referrerOrganisationId],
    );
    return rows.rows.map((r) => ConsentWithdrawalRecorded.decode(r.event));
  },
};
