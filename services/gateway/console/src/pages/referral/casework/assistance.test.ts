import { describe, expect, it } from "vitest";
import {
  type AssistanceItem,
  approvalBlock,
  assistanceActions,
  needsPaymentChannel,
  pendingItems,
} from "./assistance.js";

const planned = (plannerId = "planner"): AssistanceItem => ({
  assistanceItemId: "i1",
  status: "ASSISTANCE_STATUS_PLANNED",
  plannedBy: { kind: "ACTOR_KIND_STAFF", organisationId: "ecm-unit", actorId: plannerId },
});
const approver = { staffId: "boss", approvesEcm: true };
const caseworker = { staffId: "worker", approvesEcm: false };

describe("assistanceActions", () => {
  it("offers approval of a planned item only to an approver who did not plan it", () => {
    expect(assistanceActions(planned(), approver, true)).toEqual(["approve", "cancel"]);
    expect(assistanceActions(planned(), caseworker, true)).toEqual(["cancel"]);
    expect(assistanceActions(planned("boss"), approver, true)).toEqual(["cancel"]);
    expect(approvalBlock(planned(), caseworker)).toBe("notApprover");
    expect(approvalBlock(planned("boss"), approver)).toBe("ownItem");
    expect(approvalBlock(planned(), approver)).toBeUndefined();
  });

  it("delivers or cancels an approved item, and nothing is left after delivery or cancellation", () => {
    const approved = { ...planned(), status: "ASSISTANCE_STATUS_APPROVED" } as const;
    expect(assistanceActions(approved, caseworker, true)).toEqual(["deliver", "cancel"]);
    expect(assistanceActions({ ...approved, status: "ASSISTANCE_STATUS_DELIVERED" }, approver, true)).toEqual(
      [],
    );
    expect(assistanceActions({ ...approved, status: "ASSISTANCE_STATUS_CANCELLED" }, approver, true)).toEqual(
      [],
    );
    expect(approvalBlock(approved, caseworker)).toBeUndefined();
  });

  it("offers nothing on a closed case", () => {
    expect(assistanceActions(planned(), approver, false)).toEqual([]);
  });
});

describe("closing and cash", () => {
  it("counts planned and approved items as pending", () => {
    const items: AssistanceItem[] = [
      { assistanceItemId: "a", status: "ASSISTANCE_STATUS_PLANNED" },
      { assistanceItemId: "b", status: "ASSISTANCE_STATUS_APPROVED" },
      { assistanceItemId: "c", status: "ASSISTANCE_STATUS_DELIVERED" },
      { assistanceItemId: "d", status: "ASSISTANCE_STATUS_CANCELLED" },
    ];
    expect(pendingItems(items).map((item) => item.assistanceItemId)).toEqual(["a", "b"]);
  });

  it("asks for a payment channel for cash only", () => {
    expect(needsPaymentChannel("ASSISTANCE_KIND_CASH")).toBe(true);
    expect(needsPaymentChannel("ASSISTANCE_KIND_FOOD")).toBe(false);
    expect(needsPaymentChannel(undefined)).toBe(false);
  });
});
