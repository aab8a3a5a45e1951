import { openOrJoinCase, recordOpenedCase } from "@kopru/casework";
import { v7 as uuidv7 } from "uuid";
import { isOpen, openCase } from "../domain/index.js";
import type { Caller, ReferralForCase, Tx } from "./ports.js";

/**
 * The ECM service's reaction to an accepted referral, inside the accepting transaction (casework's
 * open-or-join rule): the referral is served through the person's open case at the unit when there is
 * one, otherwise a new case is opened, assigned to the staff member who accepted and announced
 * (EcmCaseOpened).
 */
export async function openCaseForAcceptedReferral(
  tx: Tx,
  referral: ReferralForCase,
  acceptedBy: Caller,
  now: Date,
): Promise<void> {
  const { organisationId, beneficiaryRef, referralId } = referral;
  await openOrJoinCase(
    tx.sql,
    { organisationId, beneficiaryRef },
    {
      servingCase: async () => (await tx.store.casesServing(organisationId, referralId)).find(isOpen),
      joinableCase: () => tx.store.openCaseOf(organisationId, beneficiaryRef),
      async join(existing) {
        await tx.store.linkReferral(existing.caseId, referralId, now);
        await tx.store.saveCase({ ...existing, updatedAt: now });
        await tx.store.audit({
          caller: acceptedBy,
          action: "serve-referral",
          caseIds: [existing.caseId],
          subjectId: referralId,
        });
        return existing;
      },
      async open() {
        const state = openCase({
          caseId: uuidv7(),
          organisationId,
          beneficiaryRef,
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
