import { v7 as uuidv7 } from "uuid";
import { caseTypeForService, isOpen, openCase, serveReferral } from "../domain/index.js";
import type { Clock, ReferralForCase, Tx } from "./ports.js";

/**
 * The protection service's reaction to an accepted referral, inside the accepting transaction: the
 * referral is served through the person's open case of the same type when there is one, otherwise a
 * new case is opened, assigned to the staff member who accepted and announced (ProtectionCaseOpened).
 * It never refuses: a refusal here would undo the acceptance.
 */
export async function openCaseForAcceptedReferral(
  tx: Tx,
  clock: Clock,
  referral: ReferralForCase,
  acceptedBy: { actorId: string | undefined; role?: string | undefined },
): Promise<void> {
  const organisationId = referral.organisationId;
  const caller = { organisationId, actorId: acceptedBy.actorId, role: acceptedBy.role };
  const now = clock.now();
  await tx.store.lockPerson(organisationId, referral.beneficiaryRef);
  if ((await tx.store.casesServing(organisationId, referral.referralId)).some(isOpen)) return;

  const caseType = caseTypeForService(referral.serviceType);
  const existing = (await tx.store.openCasesOf(organisationId, referral.beneficiaryRef)).find(
    (c) => c.caseType === caseType,
  );
  if (existing) {
    const served = serveReferral(existing, referral.sharedCategories, now);
    if (served !== existing) await tx.store.saveCase(served);
    await tx.store.linkReferral(existing.caseId, referral.referralId, now);
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
    caseType,
    beneficiaryRef: referral.beneficiaryRef,
    sharedCategories: referral.sharedCategories,
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
