import type { Money } from "@kopru/contracts/common/v1/money";
import { type Actor, ActorKind } from "@kopru/contracts/common/v1/refs";
import { AssistanceKind } from "@kopru/contracts/common/v1/vocabulary";
import { AssistanceStatus } from "@kopru/contracts/ecm/v1/case";
import { PaymentChannel } from "@kopru/contracts/referral/v1/package";
import { hasOneOfRoles } from "@kopru/service-kit/roles";
import { ApprovalForbiddenError, AssistanceAmountError, AssistanceStatusError } from "./errors.js";
import { formatMoney, moneyProblems, sameMoney, type Violation } from "./money.js";

/** One piece of assistance as this service keeps it. */
export interface AssistanceItemState {
  assistanceItemId: string;
  caseId: string;
  referralId: string | undefined;
  kind: AssistanceKind;
  /** Planned (and approved) value. */
  amount: Money;
  description: string | undefined;
  status: AssistanceStatus;
  paymentChannel: PaymentChannel;
  plannedAt: Date;
  plannedBy: Actor;
  approvedAt: Date | undefined;
  approvedBy: Actor | undefined;
  deliveredAt: Date | undefined;
  /** What actually reached the person (at most the approved amount, same currency). */
  deliveredAmount: Money | undefined;
  deliveryRecordedAt: Date | undefined;
  deliveryRecordedBy: string | undefined;
  cancelledAt: Date | undefined;
  cancelledBy: string | undefined;
  cancelNote: string | undefined;
}

/** Who may approve: a staff user holding one of `approverRoles` who did not plan the item. */
export interface ApprovalPolicy {
  /** Token roles that approve assistance of any amount (default `ecm-approver`). */
  approverRoles: readonly string[];
}

/** Who approves, with every role of the call's token (approvals are human acts: a partner system cannot approve). */
export interface Approver {
  actor: Actor;
  roles: readonly string[];
}

/** What is wrong with a planned item: its amount, and a payment channel for cash and only for cash. */
export function planningProblems(input: {
  kind: AssistanceKind;
  amount: Money | undefined;
  paymentChannel: PaymentChannel;
}): Violation[] {
  const problems = moneyProblems(input.amount, "amount");
  const cash = input.kind === AssistanceKind.ASSISTANCE_KIND_CASH;
  if (cash && input.amount && problems.length === 0 && input.amount.amountMinor === 0)
    problems.push({ field: "amount.amount_minor", description: "must be more than zero for cash" });
  if (cash && input.paymentChannel === PaymentChannel.PAYMENT_CHANNEL_UNSPECIFIED)
    problems.push({ field: "payment_channel", description: "is required for cash" });
  if (!cash && input.paymentChannel !== PaymentChannel.PAYMENT_CHANNEL_UNSPECIFIED)
    problems.push({ field: "payment_channel", description: "is only for cash assistance" });
  return problems;
}

export function planAssistance(input: {
  assistanceItemId: string;
  caseId: string;
  referralId: string | undefined;
  kind: AssistanceKind;
  amount: Money;
  description: string | undefined;
  paymentChannel: PaymentChannel;
  plannedBy: Actor;
  at: Date;
}): AssistanceItemState {
  return {
    assistanceItemId: input.assistanceItemId,
    caseId: input.caseId,
    referralId: input.referralId,
    kind: input.kind,
    amount: { ...input.amount },
    description: input.description,
    status: AssistanceStatus.ASSISTANCE_STATUS_PLANNED,
    paymentChannel: input.paymentChannel,
    plannedAt: input.at,
    plannedBy: input.plannedBy,
    approvedAt: undefined,
    approvedBy: undefined,
    deliveredAt: undefined,
    deliveredAmount: undefined,
    deliveryRecordedAt: undefined,
    deliveryRecordedBy: undefined,
    cancelledAt: undefined,
    cancelledBy: undefined,
    cancelNote: undefined,
  };
}

const STATUS_WORD: Record<number, string> = {
  [AssistanceStatus.ASSISTANCE_STATUS_PLANNED]: "planned",
  [AssistanceStatus.ASSISTANCE_STATUS_APPROVED]: "approved",
  [AssistanceStatus.ASSISTANCE_STATUS_DELIVERED]: "delivered",
  [AssistanceStatus.ASSISTANCE_STATUS_CANCELLED]: "cancelled",
};

function refuse(item: AssistanceItemState, step: string): never {
  const word = STATUS_WORD[item.status] ?? "in an unknown status";
  throw new AssistanceStatusError(
    item.assistanceItemId,
    `assistance item ${item.assistanceItemId} is ${word}; it cannot be ${step}`,
  );
}

/**
 * PLANNED → APPROVED. Approving an approved item again changes nothing. Whatever the amount, the
 * approver must hold an approver role (`ecm-approver`) and must not be who planned the item (four
 * eyes on every payment: a threshold would let one plan be split into items below it). Holding
 * the role does not let anyone approve their own plan.
 */
export function approveAssistance(
  item: AssistanceItemState,
  approver: Approver,
  at: Date,
  policy: ApprovalPolicy,
): { item: AssistanceItemState; changed: boolean } {
  if (item.status === AssistanceStatus.ASSISTANCE_STATUS_APPROVED) return { item, changed: false };
  if (item.status !== AssistanceStatus.ASSISTANCE_STATUS_PLANNED) refuse(item, "approved");
  if (approver.actor.kind !== ActorKind.ACTOR_KIND_STAFF || approver.actor.actorId === "")
    throw new ApprovalForbiddenError(item.assistanceItemId, "assistance is approved by a named staff member");
  if (!hasOneOfRoles(approver.roles, policy.approverRoles))
    throw new ApprovalForbiddenError(item.assistanceItemId, "assistance is approved by an ECM approver");
  if (item.plannedBy.actorId !== "" && item.plannedBy.actorId === approver.actor.actorId) {
    throw new ApprovalForbiddenError(
      item.assistanceItemId,
      "assistance is approved by someone other than who planned it",
    );
  }
  return {
    item: {
      ...item,
      status: AssistanceStatus.ASSISTANCE_STATUS_APPROVED,
      approvedAt: at,
      approvedBy: approver.actor,
    },
    changed: true,
  };
}

/**
 * APPROVED → DELIVERED, at `deliveredAt` (default: now) with `amount` (default: the approved amount).
 * The delivered amount may be less than approved, never more and never in another currency; the
 * delivery cannot predate the approval. Recording the same delivery again changes nothing.
 */
export function deliverAssistance(
  item: AssistanceItemState,
  input: {
    deliveredAt: Date | undefined;
    amount: Money | undefined;
    recordedBy: string | undefined;
    now: Date;
  },
): { item: AssistanceItemState; changed: boolean } {
  if (item.status === AssistanceStatus.ASSISTANCE_STATUS_DELIVERED) {
    const sameAmount =
      !input.amount || (item.deliveredAmount !== undefined && sameMoney(input.amount, item.deliveredAmount));
    const sameTime = !input.deliveredAt || input.deliveredAt.getTime() === item.deliveredAt?.getTime();
    if (sameAmount && sameTime) return { item, changed: false };
    refuse(item, "delivered again");
  }
  if (item.status === AssistanceStatus.ASSISTANCE_STATUS_PLANNED)
    refuse(item, "delivered before it is approved");
  if (item.status !== AssistanceStatus.ASSISTANCE_STATUS_APPROVED) refuse(item, "delivered");
  const amount = input.amount ?? item.amount;
  if (amount.currency !== item.amount.currency) {
    throw new AssistanceAmountError(
      item.assistanceItemId,
      `the delivered amount must be in ${item.amount.currency}, the currency approved`,
    );
  }
  if (amount.amountMinor > item.amount.amountMinor) {
    throw new AssistanceAmountError(
      item.assistanceItemId,
      `${formatMoney(amount)} is more than the ${formatMoney(item.amount)} approved; plan and approve the difference as a new item`,
    );
  }
  if (item.kind === AssistanceKind.ASSISTANCE_KIND_CASH && amount.amountMinor === 0) {
    throw new AssistanceAmountError(item.assistanceItemId, "no cash was delivered; cancel the item instead");
  }
  const deliveredAt = input.deliveredAt ?? input.now;
  if (item.approvedAt && deliveredAt.getTime() < item.approvedAt.getTime()) {
    throw new AssistanceStatusError(
      item.assistanceItemId,
      `assistance item ${item.assistanceItemId} was approved at ${item.approvedAt.toISOString()}; it cannot have been delivered before`,
    );
  }
  return {
    item: {
      ...item,
      status: AssistanceStatus.ASSISTANCE_STATUS_DELIVERED,
      deliveredAt,
      deliveredAmount: { ...amount },
      deliveryRecordedAt: input.now,
      deliveryRecordedBy: input.recordedBy,
    },
    changed: true,
  };
}

/** PLANNED or APPROVED → CANCELLED. Cancelling a cancelled item again changes nothing. */
export function cancelAssistance(
  item: AssistanceItemState,
  input: { at: Date; by: string | undefined; note: string | undefined },
): { item: AssistanceItemState; changed: boolean } {
  if (item.status === AssistanceStatus.ASSISTANCE_STATUS_CANCELLED) return { item, changed: false };
  if (item.status === AssistanceStatus.ASSISTANCE_STATUS_DELIVERED) refuse(item, "cancelled");
  return {
    item: {
      ...item,
      status: AssistanceStatus.ASSISTANCE_STATUS_CANCELLED,
      cancelledAt: input.at,
      cancelledBy: input.by,
      cancelNote: input.note,
    },
    changed: true,
  };
}

/** Still to be delivered or cancelled. */
export function isPending(item: Pick<AssistanceItemState, "status">): boolean {
  return (
    item.status === AssistanceStatus.ASSISTANCE_STATUS_PLANNED ||
    item.status === AssistanceStatus.ASSISTANCE_STATUS_APPROVED
  );
}
