import { Disaggregation } from "@kopru/contracts/common/v1/disaggregation";
import { ReferralStatus } from "@kopru/contracts/common/v1/vocabulary";
import { statusName } from "@kopru/referral/domain";
import { InvalidArgumentError, NotFoundError } from "@kopru/service-kit";
import type { Sql } from "@kopru/storage";
import type { CaseAuditEntry } from "./audit.js";
import type { Caller } from "./caller.js";
import type { NewCase } from "./case-state.js";
import { CaseAlreadyOpenError, ReferralNotAcceptedError } from "./errors.js";
import type { ReferralForCase, ReferralLookup } from "./referrals.js";
import { claimRequest } from "./requests.js";

/** Statuses of a received referral that a case may serve: the organisation agreed to provide the service. */
export const SERVED_STATUSES: readonly ReferralStatus[] = Object.freeze([
  ReferralStatus.REFERRAL_STATUS_ACCEPTED,
  ReferralStatus.REFERRAL_STATUS_IN_PROGRESS,
]);

/**
 * For a case opened explicitly from a referral: the referral must be addressed to the caller
 * (NOT_FOUND otherwise), accepted or started, and not served by an open case already.
 */
export async function referralToServe(
  referrals: ReferralLookup,
  caller: Caller,
  referralId: string,
  openCaseServing: () => Promise<{ caseId: string } | undefined>,
): Promise<ReferralForCase> {
  const referral = await referrals.receivedReferral(caller.organisationId, referralId);
  if (!referral) throw new NotFoundError("referral", referralId);
  if (!SERVED_STATUSES.includes(referral.status))
    throw new ReferralNotAcceptedError(referralId, statusName(referral.status));
  const serving = await openCaseServing();
  if (serving)
    throw new CaseAlreadyOpenError(
      serving.caseId,
      `referral ${referralId} is already served by open case ${serving.caseId}`,
    );
  return referral;
}

/** The person a new case is for: the referral's, which a `beneficiary_ref` given as well must repeat. */
export function personOfCase(
  referral: ReferralForCase | undefined,
  beneficiaryRef: string | undefined,
): string {
  if (referral && beneficiaryRef && beneficiaryRef !== referral.beneficiaryRef) {
    throw new InvalidArgumentError([
      {
        field: "beneficiary_ref",
        description: "differs from the referral's beneficiary_ref; leave it empty",
      },
    ]);
  }
  return referral?.beneficiaryRef ?? (beneficiaryRef as string);
}

/** The ports that record a newly opened case, in its transaction. */
export interface CaseOpeningPorts<State> {
  store: {
    insertCase(state: State): Promise<void>;
    linkReferral(caseId: string, referralId: string, at: Date): Promise<void>;
    audit(entry: CaseAuditEntry): Promise<void>;
  };
  events: { opened(state: State, referral: ReferralForCase | undefined): Promise<void> };
}

/**
 * Stores a newly opened case, links the referral it serves, announces it and audits the opening (the
 * referral as the subject when it was opened on acceptance). Returns the case with its referrals.
 */
export async function recordOpenedCase<State extends { caseId: string; openedAt: Date }>(
  tx: CaseOpeningPorts<State>,
  state: State,
  opening: { referral: ReferralForCase | undefined; caller: Caller; onAcceptance?: boolean },
): Promise<State & { referralIds: string[] }> {
  const { referral, caller } = opening;
  await tx.store.insertCase(state);
  if (referral) await tx.store.linkReferral(state.caseId, referral.referralId, state.openedAt);
  await tx.events.opened(state, referral);
  await tx.store.audit({
    caller,
    action: "open-case",
    caseIds: [state.caseId],
    subjectId: opening.onAcceptance ? referral?.referralId : undefined,
  });
  return { ...state, referralIds: referral ? [referral.referralId] : [] };
}

/** What a case opened explicitly by staff starts from: assigned to whom they name, else to themselves. */
export function newCaseFor(
  caller: Caller,
  input: {
    caseId: string;
    beneficiaryRef: string;
    assignedCaseworkerId: string | undefined;
    referral: ReferralForCase | undefined;
    at: Date;
  },
): NewCase {
  return {
    caseId: input.caseId,
    organisationId: caller.organisationId,
    beneficiaryRef: input.beneficiaryRef,
    assignedCaseworkerId: input.assignedCaseworkerId ?? caller.actorId,
    openedBy: caller.actorId,
    disaggregation: input.referral?.disaggregation ?? Disaggregation.fromPartial({}),
    at: input.at,
  };
}

/** `claimRequest` for a command of the caller's organisation, keyed by the request's own `request_id`. */
export function claimCommand(
  sql: Sql,
  caller: Caller,
  operation: string,
  request: { requestId: string },
  entityId: string,
): Promise<string | undefined> {
  return claimRequest(sql, {
    organisationId: caller.organisationId,
    requestId: request.requestId,
    operation,
    request,
    entityId,
  });
}
