import { describe, expect, it } from "vitest";
import { allowedActions, completionOutcomes, isOpen } from "./actions.js";

const caseworker = { supervises: false };
const supervisor = { supervises: true };

describe("allowedActions", () => {
  it("follows the lifecycle's main path", () => {
    expect(allowedActions("REFERRAL_STATUS_REQUESTED", caseworker)).toEqual([
      "acknowledge",
      "onward",
      "contact",
    ]);
    expect(allowedActions("REFERRAL_STATUS_RECEIVED", caseworker)).toEqual([
      "accept",
      "decline",
      "hold",
      "redirect",
      "onward",
      "contact",
    ]);
    expect(allowedActions("REFERRAL_STATUS_ON_HOLD", caseworker)).toEqual([
      "accept",
      "decline",
      "redirect",
      "onward",
      "contact",
    ]);
    expect(allowedActions("REFERRAL_STATUS_ACCEPTED", caseworker)).toEqual([
      "start",
      "notCompleted",
      "onward",
      "contact",
    ]);
    expect(allowedActions("REFERRAL_STATUS_IN_PROGRESS", caseworker)).toEqual([
      "complete",
      "notCompleted",
      "onward",
      "contact",
    ]);
  });
  it("offers outcome reports after closing, onward referrals only after completion", () => {
    expect(allowedActions("REFERRAL_STATUS_COMPLETED", caseworker)).toEqual(["outcome", "onward", "contact"]);
    expect(allowedActions("REFERRAL_STATUS_NOT_COMPLETED", caseworker)).toEqual(["outcome", "contact"]);
  });
  it("offers nothing on referrals closed before service", () => {
    for (const status of ["DECLINED", "CANCELLED", "EXPIRED", "REDIRECTED"])
      expect(allowedActions(`REFERRAL_STATUS_${status}`, supervisor)).toEqual([]);
    expect(allowedActions(undefined, supervisor)).toEqual([]);
  });
  it("lets only supervisors assign, and only open referrals", () => {
    expect(allowedActions("REFERRAL_STATUS_ACCEPTED", supervisor)).toContain("assign");
    expect(allowedActions("REFERRAL_STATUS_ACCEPTED", caseworker)).not.toContain("assign");
    expect(allowedActions("REFERRAL_STATUS_COMPLETED", supervisor)).not.toContain("assign");
  });
});

describe("isOpen and completionOutcomes", () => {
  it("knows the open statuses", () => {
    expect(isOpen("REFERRAL_STATUS_ON_HOLD")).toBe(true);
    expect(isOpen("REFERRAL_STATUS_COMPLETED")).toBe(false);
  });
  it("keeps NO_SERVICE_PROVIDED out of completions", () => {
    expect(completionOutcomes(["OUTCOME_CODE_CASE_OPENED", "OUTCOME_CODE_NO_SERVICE_PROVIDED"])).toEqual([
      "OUTCOME_CODE_CASE_OPENED",
    ]);
  });
});
