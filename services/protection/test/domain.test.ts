import { CaseClosureReason, CaseStatus } from "@kopru/contracts/common/v1/case";
import { Disaggregation, Sex } from "@kopru/contracts/common/v1/disaggregation";
import { RiskLevel } from "@kopru/contracts/common/v1/needs";
import { StaffRole } from "@kopru/contracts/common/v1/refs";
import { DataCategory, ServiceType } from "@kopru/contracts/common/v1/vocabulary";
import { ProtectionCaseType } from "@kopru/contracts/protection/v1/case";
import { describe, expect, it } from "vitest";
import {
  assignTeam,
  CaseClosedError,
  canAccessCase,
  canChangeTeam,
  caseTypeForService,
  closeCase,
  eventDisaggregation,
  hasRestrictedRole,
  nextReviewAt,
  normaliseRole,
  openCase,
  type ProtectionCaseState,
  recordRiskLevel,
  serveReferral,
  staffRole,
} from "../src/domain/index.js";

const T = ProtectionCaseType;
const at = new Date("2026-11-25T10:00:00Z");
const policy = { restrictedRoles: ["protection-restricted", "gbv-focal-point"] };

function aCase(overrides: Partial<Parameters<typeof openCase>[0]> = {}): ProtectionCaseState {
  return openCase({
    caseId: "0193a1c2-0000-7000-8000-000000000001",
    organisationId: "protection-partner",
    caseType: T.PROTECTION_CASE_TYPE_GENERAL,
    beneficiaryRef: "ben-1",
    sharedCategories: [],
    assignedCaseworkerId: "cw-ayse",
    openedBy: "cw-ayse",
    disaggregation: Disaggregation.fromPartial({
      sex: Sex.SEX_FEMALE,
      nationality: "SY",
      provinceCode: "TUR027",
      districtCode: "TUR027001",
    }),
    at,
    ...overrides,
  });
}

describe("case type and restriction", () => {
  it("derives the case type from the referral's service type, general protection otherwise", () => {
    expect(caseTypeForService(ServiceType.SERVICE_TYPE_GBV_CASE_MANAGEMENT)).toBe(T.PROTECTION_CASE_TYPE_GBV);
    expect(caseTypeForService(ServiceType.SERVICE_TYPE_CHILD_PROTECTION_CASE_MANAGEMENT)).toBe(
      T.PROTECTION_CASE_TYPE_CHILD_PROTECTION,
    );
    expect(caseTypeForService(ServiceType.SERVICE_TYPE_MHPSS_GROUP)).toBe(T.PROTECTION_CASE_TYPE_MHPSS);
    expect(caseTypeForService(ServiceType.SERVICE_TYPE_LEGAL_COUNSELLING)).toBe(T.PROTECTION_CASE_TYPE_LEGAL);
    expect(caseTypeForService(ServiceType.SERVICE_TYPE_ECM_CASH)).toBe(T.PROTECTION_CASE_TYPE_GENERAL);
  });

  it("restricts GBV and child-protection cases, and any case whose referral shared such data", () => {
    expect(aCase({ caseType: T.PROTECTION_CASE_TYPE_GBV }).restricted).toBe(true);
    expect(aCase({ caseType: T.PROTECTION_CASE_TYPE_CHILD_PROTECTION }).restricted).toBe(true);
    expect(aCase({ caseType: T.PROTECTION_CASE_TYPE_MHPSS }).restricted).toBe(false);
    expect(aCase({ sharedCategories: [DataCategory.DATA_CATEGORY_GBV] }).restricted).toBe(true);
    expect(aCase({ sharedCategories: [DataCategory.DATA_CATEGORY_HEALTH] }).restricted).toBe(false);
  });

  it("restricts an open case when a further referral brings GBV data, and never lifts a restriction", () => {
    const general = aCase();
    expect(serveReferral(general, [DataCategory.DATA_CATEGORY_NEEDS], at)).toBe(general);
    expect(serveReferral(general, [DataCategory.DATA_CATEGORY_CHILD_PROTECTION], at).restricted).toBe(true);
    const gbv = aCase({ caseType: T.PROTECTION_CASE_TYPE_GBV });
    expect(serveReferral(gbv, [], at).restricted).toBe(true);
  });

  it("leaves district and nationality out of restricted cases' events", () => {
    expect(eventDisaggregation(aCase()).districtCode).toBe("TUR027001");
    const gbv = eventDisaggregation(aCase({ caseType: T.PROTECTION_CASE_TYPE_GBV }));
    expect(gbv).toMatchObject({
      districtCode: "",
      nationality: "",
      provinceCode: "TUR027",
      sex: Sex.SEX_FEMALE,
    });
  });
});

describe("who may see and change a case", () => {
  const gbv = aCase({ caseType: T.PROTECTION_CASE_TYPE_GBV });
  const withTeam = { ...gbv, authorisedUserIds: ["cw-mehmet"] };

  it("shows an unrestricted case to anyone of the organisation", () => {
    expect(canAccessCase(aCase(), {}, policy)).toBe(true);
    expect(canAccessCase(aCase(), { actorId: "someone", roles: ["caseworker"] }, policy)).toBe(true);
  });

  it("shows a restricted case only to restricted roles, its caseworker and its authorised users", () => {
    expect(canAccessCase(withTeam, { actorId: "cw-ayse", roles: ["caseworker"] }, policy)).toBe(true);
    expect(canAccessCase(withTeam, { actorId: "cw-mehmet", roles: ["caseworker"] }, policy)).toBe(true);
    expect(
      canAccessCase(withTeam, { actorId: "sv-1", roles: ["supervisor", "Protection_Restricted"] }, policy),
    ).toBe(true);
    expect(canAccessCase(withTeam, { actorId: "fp-1", roles: ["gbv-focal-point"] }, policy)).toBe(true);
    expect(canAccessCase(withTeam, { actorId: "cw-other", roles: ["caseworker"] }, policy)).toBe(false);
    expect(canAccessCase(withTeam, { roles: ["caseworker"] }, policy)).toBe(false);
    expect(canAccessCase(withTeam, {}, policy)).toBe(false);
    expect(canAccessCase({ ...withTeam, assignedCaseworkerId: undefined }, { actorId: "" }, policy)).toBe(
      false,
    );
  });

  it("opens restricted cases by the protection-restricted role alone: a supervisor is not enough", () => {
    const supervisor = { actorId: "sv-1", roles: ["supervisor", "ecm-approver", "coordinator"] };
    expect(hasRestrictedRole(supervisor, policy)).toBe(false);
    expect(canAccessCase(withTeam, supervisor, policy)).toBe(false);
    expect(
      hasRestrictedRole({ actorId: "sv-1", roles: ["caseworker", "protection-restricted"] }, policy),
    ).toBe(true);
  });

  it("never opens restricted cases to a caller without a staff user, whatever roles it names", () => {
    const system = { roles: ["protection-restricted"] };
    expect(hasRestrictedRole(system, policy)).toBe(false);
    expect(canAccessCase(withTeam, system, policy)).toBe(false);
    expect(canChangeTeam(withTeam, system, policy)).toBe(false);
  });

  it("lets only a restricted role or the assigned caseworker change a restricted case's team", () => {
    expect(canChangeTeam(withTeam, { actorId: "cw-ayse" }, policy)).toBe(true);
    expect(canChangeTeam(withTeam, { actorId: "sv-1", roles: ["PROTECTION_RESTRICTED"] }, policy)).toBe(true);
    expect(canChangeTeam(withTeam, { actorId: "sv-2", roles: ["supervisor"] }, policy)).toBe(false);
    expect(canChangeTeam(withTeam, { actorId: "cw-mehmet" }, policy)).toBe(false);
    expect(canChangeTeam(aCase(), { actorId: "cw-mehmet" }, policy)).toBe(true);
  });

  it("reads roles in any spelling", () => {
    expect(normaliseRole(" STAFF_ROLE_SUPERVISOR ")).toBe("supervisor");
    expect(normaliseRole("")).toBeUndefined();
    expect(staffRole("Caseworker")).toBe(StaffRole.STAFF_ROLE_CASEWORKER);
    expect(staffRole("gbv-focal-point")).toBe(StaffRole.STAFF_ROLE_UNSPECIFIED);
  });
});

describe("case lifecycle", () => {
  it("opens as event 1 with no risk level", () => {
    const opened = aCase();
    expect(opened).toMatchObject({ status: CaseStatus.CASE_STATUS_OPEN, eventSequence: 1 });
    expect(opened.riskLevel).toBe(RiskLevel.RISK_LEVEL_UNSPECIFIED);
  });

  it("closes as the next event; the same closure again is a repeat, another one is refused", () => {
    const { state, changed } = closeCase(
      aCase(),
      CaseClosureReason.CASE_CLOSURE_REASON_OBJECTIVES_MET,
      at,
      "note",
    );
    expect(changed).toBe(true);
    expect(state).toMatchObject({ status: CaseStatus.CASE_STATUS_CLOSED, eventSequence: 2, closedAt: at });
    expect(closeCase(state, CaseClosureReason.CASE_CLOSURE_REASON_OBJECTIVES_MET, at)).toEqual({
      state,
      changed: false,
    });
    expect(() => closeCase(state, CaseClosureReason.CASE_CLOSURE_REASON_TRANSFERRED, at)).toThrow(
      CaseClosedError,
    );
  });

  it("refuses risk assessments and team changes on a closed case", () => {
    const { state } = closeCase(aCase(), CaseClosureReason.CASE_CLOSURE_REASON_OTHER, at);
    expect(() => recordRiskLevel(state, RiskLevel.RISK_LEVEL_HIGH, at)).toThrow(CaseClosedError);
    expect(() => assignTeam(state, { assignedCaseworkerId: "x", authorisedUserIds: [] }, at)).toThrow(
      expect.objectContaining({ code: "case_closed" }),
    );
  });

  it("keeps the caseworker out of the authorised list and nobody twice", () => {
    const team = assignTeam(
      aCase(),
      { assignedCaseworkerId: "cw-b", authorisedUserIds: ["cw-b", "x", "x"] },
      at,
    );
    expect(team.assignedCaseworkerId).toBe("cw-b");
    expect(team.authorisedUserIds).toEqual(["x"]);
  });
});

describe("risk review", () => {
  it("reviews higher risks sooner unless the assessor chose a date", () => {
    const day = 86_400_000;
    expect(nextReviewAt(RiskLevel.RISK_LEVEL_CRITICAL, at).getTime() - at.getTime()).toBe(day);
    expect(nextReviewAt(RiskLevel.RISK_LEVEL_HIGH, at).getTime() - at.getTime()).toBe(7 * day);
    expect(nextReviewAt(RiskLevel.RISK_LEVEL_LOW, at).getTime() - at.getTime()).toBe(90 * day);
    const chosen = new Date("2026-12-01T00:00:00Z");
    expect(nextReviewAt(RiskLevel.RISK_LEVEL_CRITICAL, at, chosen)).toBe(chosen);
  });
});
