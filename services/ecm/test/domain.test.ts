import { fc, test } from "@fast-check/vitest";
import { CaseClosureReason, CaseStatus } from "@kopru/contracts/common/v1/case";
import { Disaggregation } from "@kopru/contracts/common/v1/disaggregation";
import { type Actor, ActorKind, StaffRole } from "@kopru/contracts/common/v1/refs";
import { AssistanceKind } from "@kopru/contracts/common/v1/vocabulary";
import { AssistanceStatus } from "@kopru/contracts/ecm/v1/case";
import { PaymentChannel } from "@kopru/contracts/referral/v1/package";
import { describe, expect, it } from "vitest";
import {
  type ApprovalPolicy,
  type AssistanceItemState,
  approveAssistance,
  cancelAssistance,
  closeCase,
  deliverAssistance,
  formatMoney,
  isPending,
  moneyProblems,
  openCase,
  planAssistance,
  planningProblems,
} from "../src/domain/index.js";

const policy: ApprovalPolicy = { approverRoles: ["ecm-approver"] };
const t0 = new Date("2026-11-25T09:00:00Z");
const t1 = new Date("2026-11-25T10:00:00Z");
const t2 = new Date("2026-11-25T11:00:00Z");

const staff = (actorId: string, role = StaffRole.STAFF_ROLE_CASEWORKER): Actor => ({
  kind: ActorKind.ACTOR_KIND_STAFF,
  organisationId: "ecm-unit",
  actorId,
  role,
});
const caseworker = { actor: staff("cw-1"), roles: ["caseworker"] };
const supervisor = {
  actor: staff("sv-1", StaffRole.STAFF_ROLE_SUPERVISOR),
  roles: ["supervisor", "ecm-approver"],
};

function cash(amountMinor: number, currency = "TRY"): AssistanceItemState {
  return planAssistance({
    assistanceItemId: "0193a1c2-0000-7000-8000-00000000000a",
    caseId: "0193a1c2-0000-7000-8000-000000000001",
    referralId: undefined,
    kind: AssistanceKind.ASSISTANCE_KIND_CASH,
    amount: { amountMinor, currency },
    description: "rent support",
    paymentChannel: PaymentChannel.PAYMENT_CHANNEL_BANK_ACCOUNT,
    plannedBy: staff("cw-1"),
    at: t0,
  });
}

describe("money", () => {
  it("accepts whole non-negative minor units with an ISO 4217 code only", () => {
    expect(moneyProblems({ amountMinor: 150_000, currency: "TRY" }, "amount")).toEqual([]);
    expect(moneyProblems(undefined, "amount")).toEqual([{ field: "amount", description: "is required" }]);
    expect(moneyProblems({ amountMinor: -1, currency: "try" }, "amount").map((p) => p.field)).toEqual([
      "amount.amount_minor",
      "amount.currency",
    ]);
    expect(moneyProblems({ amountMinor: 10.5, currency: "TRY" }, "amount").map((p) => p.field)).toEqual([
      "amount.amount_minor",
    ]);
    expect(moneyProblems({ amountMinor: 2 ** 53, currency: "TRY" }, "amount")).toHaveLength(1);
  });

  it("formats minor units without floating point", () => {
    expect(formatMoney({ amountMinor: 500_000, currency: "TRY" })).toBe("5,000.00 TRY");
    expect(formatMoney({ amountMinor: 7, currency: "EUR" })).toBe("0.07 EUR");
    expect(formatMoney({ amountMinor: 123_456_789_01, currency: "TRY" })).toBe("123,456,789.01 TRY");
  });

  test.prop([fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })])(
    "formats every amount exactly",
    (minor) => {
      const text = formatMoney({ amountMinor: minor, currency: "TRY" })
        .replace(" TRY", "")
        .replace(/[,.]/g, "");
      expect(BigInt(text)).toBe(BigInt(minor));
    },
  );
});

describe("planning", () => {
  it("needs a payment channel and a positive amount for cash, and no channel otherwise", () => {
    const plan = (kind: AssistanceKind, amountMinor: number, paymentChannel: PaymentChannel) =>
      planningProblems({ kind, amount: { amountMinor, currency: "TRY" }, paymentChannel }).map(
        (p) => p.field,
      );
    expect(
      plan(AssistanceKind.ASSISTANCE_KIND_CASH, 100, PaymentChannel.PAYMENT_CHANNEL_PREPAID_CARD),
    ).toEqual([]);
    expect(plan(AssistanceKind.ASSISTANCE_KIND_CASH, 0, PaymentChannel.PAYMENT_CHANNEL_UNSPECIFIED)).toEqual([
      "amount.amount_minor",
      "payment_channel",
    ]);
    expect(plan(AssistanceKind.ASSISTANCE_KIND_NFI, 0, PaymentChannel.PAYMENT_CHANNEL_UNSPECIFIED)).toEqual(
      [],
    );
    expect(
      plan(AssistanceKind.ASSISTANCE_KIND_FOOD, 100, PaymentChannel.PAYMENT_CHANNEL_CASH_IN_HAND),
    ).toEqual(["payment_channel"]);
  });

  it("starts planned", () => {
    expect(cash(100).status).toBe(AssistanceStatus.ASSISTANCE_STATUS_PLANNED);
    expect(isPending(cash(100))).toBe(true);
  });
});

describe("approval", () => {
  it("needs an ECM approver who did not plan the item, even for the smallest amount", () => {
    expect(() => approveAssistance(cash(1), caseworker, t1, policy)).toThrow(
      expect.objectContaining({ code: "approval_forbidden", message: expect.stringMatching(/ECM approver/) }),
    );
    // The planner holding the approver role still cannot approve their own plan.
    const plannerApprover = {
      actor: staff("cw-1", StaffRole.STAFF_ROLE_SUPERVISOR),
      roles: ["supervisor", "ecm-approver"],
    };
    expect(() => approveAssistance(cash(100), plannerApprover, t1, policy)).toThrow(
      expect.objectContaining({ code: "approval_forbidden", message: expect.stringMatching(/planned/) }),
    );
    const { item, changed } = approveAssistance(cash(100), supervisor, t1, policy);
    expect(changed).toBe(true);
    expect(item).toMatchObject({
      status: AssistanceStatus.ASSISTANCE_STATUS_APPROVED,
      approvedAt: t1,
      approvedBy: { actorId: "sv-1" },
    });
  });

  it("reads the approver role among all of the token's roles; a supervisor title is not enough", () => {
    const titleOnly = { actor: staff("sv-2", StaffRole.STAFF_ROLE_SUPERVISOR), roles: ["supervisor"] };
    expect(() => approveAssistance(cash(100), titleOnly, t1, policy)).toThrow(
      expect.objectContaining({ code: "approval_forbidden" }),
    );
    const approver = { actor: staff("ap-1"), roles: ["caseworker", "ECM_APPROVER"] };
    expect(approveAssistance(cash(100), approver, t1, policy).item.approvedBy?.actorId).toBe("ap-1");
  });

  it("applies the same rule in any currency", () => {
    expect(() => approveAssistance(cash(1, "USD"), caseworker, t1, policy)).toThrow(/ECM approver/);
    expect(approveAssistance(cash(1, "USD"), supervisor, t1, policy).changed).toBe(true);
  });

  it("is a human act: a partner system cannot approve, whatever roles its token holds", () => {
    const system = {
      actor: { ...staff(""), kind: ActorKind.ACTOR_KIND_PARTNER_CLIENT },
      roles: ["ecm-approver"],
    };
    expect(() => approveAssistance(cash(100), system, t1, policy)).toThrow(/named staff member/);
  });

  it("is a no-op when repeated and refused once delivered or cancelled", () => {
    const approved = approveAssistance(cash(100), supervisor, t1, policy).item;
    expect(approveAssistance(approved, supervisor, t2, policy)).toEqual({ item: approved, changed: false });
    const cancelled = cancelAssistance(cash(100), { at: t1, by: "cw-1", note: undefined }).item;
    expect(() => approveAssistance(cancelled, supervisor, t2, policy)).toThrow(
      expect.objectContaining({ code: "assistance_status" }),
    );
  });

  test.prop([
    fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
    fc.constantFrom("cw-1", "sv-1"),
    fc.subarray(["caseworker", "supervisor", "ecm-approver"]),
  ])(
    "an approval succeeds exactly when an ECM approver other than the planner gives it, whatever the amount",
    (amount, actorId, roles) => {
      const attempt = () => approveAssistance(cash(amount), { actor: staff(actorId), roles }, t1, policy);
      if (roles.includes("ecm-approver") && actorId !== "cw-1") expect(attempt().changed).toBe(true);
      else expect(attempt).toThrow(expect.objectContaining({ code: "approval_forbidden" }));
    },
  );
});

describe("delivery", () => {
  const approved = approveAssistance(cash(750_000), supervisor, t1, policy).item;
  const deliver = (item: AssistanceItemState, extra: Partial<Parameters<typeof deliverAssistance>[1]> = {}) =>
    deliverAssistance(item, {
      deliveredAt: undefined,
      amount: undefined,
      recordedBy: "cw-1",
      now: t2,
      ...extra,
    });

  it("delivers the approved amount now unless told otherwise", () => {
    const { item, changed } = deliver(approved);
    expect(changed).toBe(true);
    expect(item).toMatchObject({
      status: AssistanceStatus.ASSISTANCE_STATUS_DELIVERED,
      deliveredAt: t2,
      deliveredAmount: { amountMinor: 750_000, currency: "TRY" },
    });
    expect(isPending(item)).toBe(false);
  });

  it("accepts less than approved, never more, never another currency, never zero cash", () => {
    expect(
      deliver(approved, { amount: { amountMinor: 700_000, currency: "TRY" } }).item.deliveredAmount
        ?.amountMinor,
    ).toBe(700_000);
    expect(() => deliver(approved, { amount: { amountMinor: 750_001, currency: "TRY" } })).toThrow(
      /more than/,
    );
    expect(() => deliver(approved, { amount: { amountMinor: 100, currency: "EUR" } })).toThrow(/in TRY/);
    expect(() => deliver(approved, { amount: { amountMinor: 0, currency: "TRY" } })).toThrow(
      /cancel the item/,
    );
  });

  it("refuses delivering a planned or cancelled item, or a delivery before the approval", () => {
    expect(() => deliver(cash(100))).toThrow(/before it is approved/);
    const cancelled = cancelAssistance(approved, { at: t2, by: "cw-1", note: "moved away" }).item;
    expect(() => deliver(cancelled)).toThrow(expect.objectContaining({ code: "assistance_status" }));
    expect(() => deliver(approved, { deliveredAt: t0 })).toThrow(/approved at/);
  });

  it("takes the same delivery again as a repeat and refuses a different one", () => {
    const delivered = deliver(approved, { deliveredAt: t2 }).item;
    expect(deliver(delivered)).toEqual({ item: delivered, changed: false });
    expect(
      deliver(delivered, { deliveredAt: t2, amount: { amountMinor: 750_000, currency: "TRY" } }).changed,
    ).toBe(false);
    expect(() => deliver(delivered, { amount: { amountMinor: 1, currency: "TRY" } })).toThrow(
      /delivered again/,
    );
    expect(() => cancelAssistance(delivered, { at: t2, by: "x", note: undefined })).toThrow(
      /cannot be cancelled/,
    );
  });
});

describe("case", () => {
  const opened = openCase({
    caseId: "0193a1c2-0000-7000-8000-000000000001",
    organisationId: "ecm-unit",
    beneficiaryRef: "ben-1",
    assignedCaseworkerId: "cw-1",
    openedBy: "cw-1",
    disaggregation: Disaggregation.fromPartial({}),
    at: t0,
  });

  it("closes only when no assistance is pending, as the case's next event", () => {
    const reason = CaseClosureReason.CASE_CLOSURE_REASON_OBJECTIVES_MET;
    expect(() => closeCase(opened, { reason, at: t1, pendingAssistance: 2 })).toThrow(
      expect.objectContaining({ code: "case_has_pending_assistance" }),
    );
    const { state, changed } = closeCase(
      { ...opened, eventSequence: 3 },
      { reason, at: t1, pendingAssistance: 0 },
    );
    expect(changed).toBe(true);
    expect(state).toMatchObject({ status: CaseStatus.CASE_STATUS_CLOSED, eventSequence: 4, closedAt: t1 });
    expect(closeCase(state, { reason, at: t2, pendingAssistance: 0 }).changed).toBe(false);
    expect(() =>
      closeCase(state, { reason: CaseClosureReason.CASE_CLOSURE_REASON_OTHER, at: t2, pendingAssistance: 0 }),
    ).toThrow(expect.objectContaining({ code: "case_closed" }));
  });
});
