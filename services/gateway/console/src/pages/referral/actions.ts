// Which actions a receiving caseworker is offered on a referral, from its status and their roles.
// The lifecycle itself is enforced by the server (libs/referral): this only decides what to show,
// so nobody is offered a button the server would refuse.

export type ReferralAction =
  | "acknowledge"
  | "accept"
  | "decline"
  | "hold"
  | "start"
  | "complete"
  | "notCompleted"
  | "outcome"
  | "redirect"
  | "onward"
  | "assign"
  | "contact";

const OPEN = new Set([
  "REFERRAL_STATUS_REQUESTED",
  "REFERRAL_STATUS_RECEIVED",
  "REFERRAL_STATUS_ACCEPTED",
  "REFERRAL_STATUS_ON_HOLD",
  "REFERRAL_STATUS_IN_PROGRESS",
]);

/** Closed in a way that ends contact with the person (no more calls or visits). */
const CONTACT_ENDED = new Set([
  "REFERRAL_STATUS_DECLINED",
  "REFERRAL_STATUS_CANCELLED",
  "REFERRAL_STATUS_EXPIRED",
  "REFERRAL_STATUS_REDIRECTED",
]);

export function isOpen(status: string | undefined): boolean {
  return status !== undefined && OPEN.has(status);
}

/** The actions offered, in the order the page shows them (main path first). */
export function allowedActions(
  status: string | undefined,
  options: { supervises: boolean },
): ReferralAction[] {
  const actions: ReferralAction[] = [];
  switch (status) {
    case "REFERRAL_STATUS_REQUESTED":
      actions.push("acknowledge");
      break;
    case "REFERRAL_STATUS_RECEIVED":
      actions.push("accept", "decline", "hold", "redirect");
      break;
    case "REFERRAL_STATUS_ON_HOLD":
      actions.push("accept", "decline", "redirect");
      break;
    case "REFERRAL_STATUS_ACCEPTED":
      actions.push("start", "notCompleted");
      break;
    case "REFERRAL_STATUS_IN_PROGRESS":
      actions.push("complete", "notCompleted");
      break;
    case "REFERRAL_STATUS_COMPLETED":
    case "REFERRAL_STATUS_NOT_COMPLETED":
      actions.push("outcome");
      break;
    default:
      break;
  }
  // An onward referral may be made while the referral is open, and after it was completed.
  if (isOpen(status) || status === "REFERRAL_STATUS_COMPLETED") actions.push("onward");
  if (options.supervises && isOpen(status)) actions.push("assign");
  if (status !== undefined && status !== "REFERRAL_STATUS_UNSPECIFIED" && !CONTACT_ENDED.has(status))
    actions.push("contact");
  return actions;
}

/** Outcome codes a completion may carry (NO_SERVICE_PROVIDED belongs to "not completed"). */
export function completionOutcomes<T extends string>(all: readonly T[]): T[] {
  return all.filter((code) => code !== "OUTCOME_CODE_NO_SERVICE_PROVIDED");
}
