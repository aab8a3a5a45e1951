import { Disaggregation } from "@kopru/contracts/common/v1/disaggregation";
import { ReferralStatus } from "@kopru/contracts/common/v1/vocabulary";
import { statusName } from "@kopru/referral/domain";
import { InvalidArgumentError, NotFoundError } from "@kopru/service-kit";
import type { Sql } from "@kopru/storage";
import { v7 as uuidv7 } from "uuid";
import type { CaseAuditEntry } from "./audit.js";
import type { Caller } from "./caller.js";
import { isOpen, type NewCase } from "./case-state.js";
import { CaseAlreadyOpenError, ReferralNotAcceptedError } from "./errors.js";
import { lockPerson } from "./open-or-join.js";
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

/** How an explicit "open case" command starts: a repeat of an earlier request, or a new case to open. */
export type CaseOpeningStart =
  | { repeatOf: string }
  | {
      repeatOf?: undefined;
      caseId: string;
      referral: ReferralForCase | undefined;
      beneficiaryRef: string;
    };

/**
 * The steps every receiving service's explicit "open case" command takes before its own
 * one-open-case rule: claim the request id for a new case id (a retry names the case the first
 * request opened), check the referral it serves (`referralToServe`), settle the person
 * (`personOfCase`) and take the person's lock, so that a concurrent acceptance or open waits.
 */
export async function startCaseOpening(
  tx: {
    sql: Sql;
    referrals: ReferralLookup;
    store: {
      casesServing(organisationId: string, referralId: string): Promise<{ caseId: string; status: number }[]>;
    };
  },
  caller: Caller,
  input: { requestId: string; referralId: string | undefined; beneficiaryRef: string | undefined },
): Promise<CaseOpeningStart> {
  const caseId = uuidv7();
  const earlier = await claimCommand(tx.sql, caller, "open-case", input, caseId);
  if (earlier) return { repeatOf: earlier };
  const referralId = input.referralId;
  const referral = referralId
    ? await referralToServe(tx.referrals, caller, referralId, async () =>
        (await tx.store.casesServing(caller.organisationId, referralId)).find(isOpen),
      )
    : undefined;
  const beneficiaryRef = personOfCase(referral, input.beneficiaryRef);
  await lockPerson(tx.sql, { organisationId: caller.organisationId, beneficiaryRef });
  return { caseId, referral, beneficiaryRef };
}
