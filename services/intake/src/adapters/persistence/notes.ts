import type { NoteRepository, RerouteLog } from "../../application/ports.js";

export const noteRepository: NoteRepository = {
  async add(tx, note) {
    await tx.query(
      "INSERT INTO referral_notes (referral_id, organisation_id, actor_id, kind, note, at) VALUES ($1, $2, $3, $4, $5, $6)",
      [note.referralId, note.organisationId, note.actorId ?? null, note.kind, note.note, note.at],
    );
  },
};

export const rerouteLog: RerouteLog = {
  async record(tx, e) {
    await tx.query(
      `INSERT INTO reroute_requests (
         referral_id, root_referral_id, organisation_id, source, reason, event_id, outcome, child_referral_id,
         consent_id, candidate_organisation_id, consent_problems, excluded_organisation_ids, requested_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
      [
        e.referralId,
        e.rootReferralId,
        e.organisationId,
        e.source,
        e.reason,
        e.eventId ?? null,
        e.outcome,
        e.childReferralId ?? null,
        e.consentId ?? null,
        e.candidateOrganisationId ?? null,
        [...e.consentProblems],
        [...e.excludedOrganisationIds],
        e.requestedAt,
      ],
    );
  },
};
