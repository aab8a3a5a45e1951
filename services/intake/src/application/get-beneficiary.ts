import type {
  GetBeneficiaryRequest,
  GetBeneficiaryResponse,
} from "@kopru/contracts/intake/v1/intake_service";
import { ownBeneficiary } from "./load.js";
import type { Caller, IntakeDeps } from "./ports.js";
import { beneficiaryView, consentView, screeningView } from "./views.js";

/**
 * A person the caller's organisation registered, with every consent and the latest screening (its
 * GBV and child-protection sections only for the protection-restricted role). Audited.
 */
export async function getBeneficiary(
  deps: IntakeDeps,
  caller: Caller,
  request: GetBeneficiaryRequest,
): Promise<GetBeneficiaryResponse> {
  return deps.db.transaction(async (tx) => {
    const person = await ownBeneficiary(deps, tx, request.beneficiaryId, caller.organisationId);
    const consents = await deps.repos.consents.forBeneficiary(tx, person.beneficiaryId);
    const latest = await deps.repos.screenings.latest(tx, person.beneficiaryId);
    // Per holder, that it recorded a withdrawal of one of these consents (ADR 0024).
    const acknowledgements = await deps.repos.withdrawalAcknowledgements.forConsents(
      tx,
      consents.map((c) => c.consentId),
      caller.organisationId,
    );
    await deps.repos.audit.record(tx, {
      organisationId: caller.organisationId,
      actor: caller.actor,
      token: caller.token,
      action: "read",
      entityType: "beneficiary",
      entityId: person.beneficiaryId,
    });
    return {
      beneficiary: beneficiaryView(person, latest, deps.clock.now()),
      consents: consents.map(consentView),
      latestScreening: latest ? screeningView(latest, caller.restrictedAccess) : undefined,
      withdrawalAcknowledgements: acknowledgements,
    };
  });
}
