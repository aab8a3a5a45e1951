import { appendToOutbox } from "@kopru/bus";
import type {
  RegisterBeneficiaryRequest,
  RegisterBeneficiaryResponse,
} from "@kopru/contracts/intake/v1/intake_service";
import { EVENTS } from "@kopru/events";
import { PermissionDeniedError } from "@kopru/service-kit";
import { v4 as uuidv4 } from "uuid";
import { personDisaggregation } from "../domain/disaggregation.js";
import type { BeneficiaryRecord } from "../domain/records.js";
import { matchesElsewhere } from "./check-possible-duplicates.js";
import { queueMatchingRegistration } from "./matching.js";
import type { Caller, IntakeDeps } from "./ports.js";
import { reusedKey } from "./request-keys.js";
import { beneficiaryView } from "./views.js";

/**
 * Registers a person with the minimal data, for the caller's organisation, and announces it with a
 * PII-free BeneficiaryRegistered (ids, time, disaggregation bands). Idempotent by request_id: a retry
 * returns the first registration and publishes nothing. With matching on, the person's keyed hashes
 * are queued for the matching service in the same transaction and sent at once; the answer says which
 * other organisations may hold the person, or that the check is still pending.
 */
export async function registerBeneficiary(
  deps: IntakeDeps,
  caller: Caller,
  request: RegisterBeneficiaryRequest,
): Promise<RegisterBeneficiaryResponse> {
  if (request.organisationId && request.organisationId !== caller.organisationId) {
    throw new PermissionDeniedError("organisation_id must be the caller's organisation");
  }
  const now = deps.clock.now();
  const { record, created } = await deps.db.transaction(async (tx) => {
    const claim = await deps.repos.requests.claim(tx, {
      organisationId: caller.organisationId,
      requestId: request.requestId,
      kind: "register-beneficiary",
      entityId: uuidv4(),
    });
    if (!claim.isNew) {
      const first =
        claim.kind === "register-beneficiary"
          ? await deps.repos.beneficiaries.find(tx, claim.entityId, caller.organisationId)
          : undefined;
      if (!first) throw reusedKey();
      return { record: first, created: false };
    }
    const registered: BeneficiaryRecord = {
      beneficiaryId: claim.entityId,
      organisationId: caller.organisationId,
      // Pseudonymous, random, and the only person id that ever leaves intake.
      beneficiaryRef: uuidv4(),
      givenName: request.givenName.trim(),
      familyName: request.familyName.trim(),
      preferredName: request.preferredName?.trim() || undefined,
      sex: request.sex,
      birthYear: request.birthYear,
      nationality: request.nationality,
      legalStatus: request.legalStatus,
      residence: request.residence,
      phoneNumber: request.phoneNumber || undefined,
      preferredLanguage: request.preferredLanguage,
      interpreterNeeded: request.interpreterNeeded,
      interpreterLanguage: request.interpreterNeeded ? request.interpreterLanguage : undefined,
      safeToContact: request.safeToContact,
      safeTimes: request.safeTimes?.trim() || undefined,
      preferredContactMethod: request.preferredContactMethod,
      safeContactWindows: request.safeContactWindows,
      registeredAt: now,
      registeredBy: caller.actor,
      updatedAt: now,
    };
    await deps.repos.beneficiaries.insert(tx, registered);
    // Its keyed hashes, for the matching service: sent after the commit, retried until taken.
    if (deps.matching) await queueMatchingRegistration(deps.matching, tx, registered, now);
    await deps.repos.audit.record(tx, {
      organisationId: caller.organisationId,
      actor: caller.actor,
      token: caller.token,
      action: "register",
      entityType: "beneficiary",
      entityId: registered.beneficiaryId,
    });
    await appendToOutbox(
      tx,
      { organisationId: caller.organisationId, service: "intake" },
      {
        definition: EVENTS.beneficiaryRegistered,
        payload: {
          beneficiaryId: registered.beneficiaryId,
          organisationId: caller.organisationId,
          registeredAt: now,
          disaggregation: personDisaggregation(registered, undefined, now),
        },
        aggregate: { type: "beneficiary", id: registered.beneficiaryId, sequence: 1 },
        occurredAt: now,
      },
    );
    return { record: registered, created: true };
  });
  if (created) deps.afterCommit();
  const latest = created ? undefined : await deps.repos.screenings.latest(deps.db, record.beneficiaryId);
  const elsewhere = await matchesElsewhere(deps, record, { refresh: false });
  return {
    beneficiary: beneficiaryView(record, latest, now),
    possibleDuplicateIds: await deps.repos.beneficiaries.possibleDuplicates(deps.db, record),
    possibleMatchesElsewhere: elsewhere.possibleMatchesElsewhere,
    matchingPending: elsewhere.matchingPending,
  };
}
