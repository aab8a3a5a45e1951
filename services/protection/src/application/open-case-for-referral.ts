import { openOrJoinCase, recordOpenedCase } from "@kopru/casework";
import { v7 as uuidv7 } from "uuid";
import { caseTypeForService, isOpen, openCase, serveReferral } from "../domain/index.js";
import type { Caller, Clock, ReferralForCase, Tx } from "./ports.js";

/**
 * The protection service's reaction to an accepted referral, inside the accepting transaction
 * (casework's open-or-join rule): the referral is served through the person's open case of the same
 * type when there is one, otherwise a new case is opened, assigned to the staff member who accepted
 * and announced (ProtectionCaseOpened).
 */
export async function openCaseForAcceptedReferral(
  tx: Tx,
  clock: Clock,
  referral: ReferralForCase,
  acceptedBy: Caller,
): Promise<void> {
  const { organisationId, beneficiaryRef, referralId } = referral;
  const now = clock.now();
  const caseType = caseTypeForService(referral.serviceType);
  await openOrJoinCase(
    tx.sql,
    { organisationId, beneficiaryRef },
    {
      servingCase: async () => (await tx.store.casesServing(organisationId, referralId)).find(isOpen),
      joinableCase: async () =>
        (await tx.store.openCasesOf(organisationId, beneficiaryRef)).find((c) => c.caseType === caseType),
      async join(existing) {
        const served = serveReferral(existing, referral.sharedCategories, now);
        if (served !== existing) await tx.store.saveCase(served);
        await tx.store.linkReferral(existing.caseId, referralId, now);
        await tx.store.audit({
          caller: acceptedBy,
          action: "serve-referral",
          caseIds: [existing.caseId],
          subjectId: referralId,
        });
        return { ...existing, ...served, referralIds: [...existing.referralIds, referralId] };
      },
      async open() {
        const state = openCase({
          caseId: uuidv7(),
          organisationId,
          caseType,
          beneficiaryRef,
          sharedCategories: referral.sharedCategories,
          assignedCaseworkerId: acceptedBy.actorId,
          openedBy: acceptedBy.actorId,
          disaggregation: referral.disaggregation,
          at: now,
        });
        return recordOpenedCase(tx, state, { referral, caller: acceptedBy, onAcceptance: true });
      },
    },
  );
}
