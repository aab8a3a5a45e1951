import { appendToOutbox } from "@kopru/bus";
import type { RecordConsentRequest, RecordConsentResponse } from "@kopru/contracts/intake/v1/intake_service";
import { ConsentGiver } from "@kopru/contracts/referral/v1/consent";
import { EVENTS } from "@kopru/events";
import { type FieldViolation, InvalidArgumentError } from "@kopru/service-kit";
import { v4 as uuidv4 } from "uuid";
import type { ConsentRecordStored } from "../domain/records.js";
import { liveBeneficiary } from "./load.js";
import type { Caller, IntakeDeps } from "./ports.js";
import { reusedKey } from "./request-keys.js";
import { consentView } from "./views.js";

/** How far ahead of intake's clock a device's "given at" may be (clock skew), not more. */
export const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * Records an informed consent of a person the caller's organisation registered. The scope is stored
 * as given (validated by the gRPC adapter); the consent must expire in the future. Publishes a
 * PII-free ConsentRecorded without the scope (a scope naming GBV would reveal a sensitive fact).
 * Idempotent by request_id.
 */
export async function recordConsent(
  deps: IntakeDeps,
  caller: Caller,
  request: RecordConsentRequest,
): Promise<RecordConsentResponse> {
  const now = deps.clock.now();
  const recordedAt = request.recordedAt ?? now;
  const expiresAt = request.expiresAt as Date;
  const problems: FieldViolation[] = [];
  if (recordedAt.getTime() > now.getTime() + CLOCK_SKEW_MS)
    problems.push({ field: "recorded_at", description: "must not be in the future" });
  if (expiresAt.getTime() <= now.getTime())
    problems.push({ field: "expires_at", description: "must be in the future" });
  else if (expiresAt.getTime() <= recordedAt.getTime())
    problems.push({ field: "expires_at", description: "must be after recorded_at" });
  if (problems.length > 0) throw new InvalidArgumentError(problems);

  const { consent, created } = await deps.db.transaction(async (tx) => {
    const claim = await deps.repos.requests.claim(tx, {
      organisationId: caller.organisationId,
      requestId: request.requestId,
      kind: "record-consent",
      entityId: uuidv4(),
    });
    if (!claim.isNew) {
      const first =
        claim.kind === "record-consent"
          ? await deps.repos.consents.find(tx, claim.entityId, caller.organisationId)
          : undefined;
      if (!first || first.beneficiaryId !== request.beneficiaryId) throw reusedKey();
      return { consent: first, created: false };
    }
    const person = await liveBeneficiary(deps, tx, request.beneficiaryId, caller.organisationId);
    const stored: ConsentRecordStored = {
      consentId: claim.entityId,
      beneficiaryId: person.beneficiaryId,
      organisationId: caller.organisationId,
      givenBy: request.givenBy,
      caregiverRelationship:
        request.givenBy === ConsentGiver.CONSENT_GIVER_SELF
          ? undefined
          : request.caregiverRelationship?.trim(),
      method: request.method,
      explainedInLanguage: request.explainedInLanguage,
      interpreterUsed: request.interpreterUsed,
      recordedAt,
      recordedBy: caller.actor,
      scope: {
        organisationIds: [...new Set(request.scope?.organisationIds ?? [])],
        partnerKinds: [...new Set(request.scope?.partnerKinds ?? [])],
        purposes: [...new Set(request.scope?.purposes ?? [])],
        dataCategories: [...new Set(request.scope?.dataCategories ?? [])].sort((a, b) => a - b),
      },
      expiresAt,
      withdrawnAt: undefined,
      withdrawalReason: 0,
      withdrawalNotifiedOrganisationIds: [],
      withdrawalCancelledReferralIds: [],
    };
    await deps.repos.consents.insert(tx, stored);
    await deps.repos.audit.record(tx, {
      organisationId: caller.organisationId,
      actor: caller.actor,
      token: caller.token,
      action: "record",
      entityType: "consent",
      entityId: stored.consentId,
    });
    await appendToOutbox(
      tx,
      { organisationId: caller.organisationId, service: "intake" },
      {
        definition: EVENTS.consentRecorded,
        payload: {
          consentId: stored.consentId,
          beneficiaryId: stored.beneficiaryId,
          organisationId: caller.organisationId,
          givenBy: stored.givenBy,
          method: stored.method,
          recordedAt,
          expiresAt,
        },
        aggregate: { type: "consent", id: stored.consentId, sequence: 1 },
        occurredAt: now,
      },
    );
    return { consent: stored, created: true };
  });
  if (created) deps.afterCommit();
  return { consent: consentView(consent) };
}
