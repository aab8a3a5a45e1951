import { v7 as uuidv7 } from "uuid";
import { isOpen, openCase } from "../domain/index.js";
import type { Clock, ReferralForCase, Tx } from "./ports.js";

/**
 * The ECM service's reaction to an accepted referral, inside the accepting transaction: the referral
 * is served through the person's open case at the unit when there is one, otherwise a new case is
 * opened, assigned to the staff member who accepted and announced (EcmCaseOpened). It never refuses:
 * a refusal here would undo the acceptance.
 */
export async function openCaseForAcceptedReferral(
  tx: Tx,
  clock: Clock,
  referral: ReferralForCase,
  acceptedBy: { actorId: string | undefined },
): Promise<void> {
  const organisationId = referral.organisationId;
  const caller = { organisationId, actorId: acceptedBy.actorId, role: undefined };
  const now = clock.now();
  await tx.store.lockPerson(organisationId, referral.beneficiaryRef);
  if ((await tx.store.casesServing(organisationId, referral.referralId)).some(isOpen)) return;

  const existing = await tx.store.openCaseOf(organisationId, referral.beneficiaryRef);
  if (existing) {
    await tx.store.linkReferral(existing.caseId, referral.referralId, now);
    await tx.store.saveCase({ ...existing, updatedAt: now });
    await tx.store.audit({
      caller,
      action: "serve-referral",
      caseIds: [existing.caseId],
      subjectId: referral.referralId,
    });
    return;
  }
  const state = openCase({
    caseId: uuidv7(),
    organisationId,
    beneficiaryRef: referral.beneficiaryRef,
    assignedCaseworkerId: acceptedBy.actorId,
    openedBy: acceptedBy.actorId,
    disaggregation: referral.disaggregation,
    at: now,
  });
  await tx.store.insertCase(state);
  await tx.store.linkReferral(state.caseId, referral.referralId, now);
  await tx.events.opened(state, referral);
  await tx.store.audit({
    caller,
    action: "open-case",
    caseIds: [state.caseId],
    subjectId: referral.referralId,
  });
}
