import { CaseClosureReason, CaseStatus } from "@kopru/contracts/common/v1/case";
import { AssistanceKind, ReferralStatus } from "@kopru/contracts/common/v1/vocabulary";
import {
  CounsellingSessionType,
  CounsellingTopic,
  SessionModality,
} from "@kopru/contracts/municipality/v1/case";
import { describe, expect, it } from "vitest";
import {
  assertOpen,
  assertReferralServable,
  CaseClosedError,
  type CaseState,
  closeCase,
  counsellingSessionViolations,
  directAssistanceViolations,
  KNOWN_MMCCS,
  mmccProfile,
  normaliseAmount,
  ReferralNotAcceptedError,
} from "../src/domain/index.js";

const NOW = new Date("2026-12-01T10:00:00Z");
const fields = (violations: { field: string }[]) => violations.map((v) => v.field);

function openCase(): CaseState {
  return {
    caseId: "c-1",
    status: CaseStatus.CASE_STATUS_OPEN,
    closureReason: CaseClosureReason.CASE_CLOSURE_REASON_UNSPECIFIED,
    openedAt: new Date("2026-11-01T09:00:00Z"),
    closedAt: undefined,
    updatedAt: new Date("2026-11-01T09:00:00Z"),
  };
}

describe("MMCC tenants", () => {
  it("knows the six MMCCs with their province p-codes", () => {
    expect(Object.fromEntries(Object.entries(KNOWN_MMCCS).map(([id, m]) => [id, m.provinceCode]))).toEqual({
      "mmcc-adana": "TUR001",
      "mmcc-gaziantep": "TUR027",
      "mmcc-kecioren": "TUR006",
      "mmcc-kilis": "TUR079",
      "mmcc-mersin": "TUR033",
      "mmcc-sanliurfa": "TUR063",
    });
    expect(mmccProfile("mmcc-kecioren")).toMatchObject({ provinceName: "Ankara", districtName: "Keçiören" });
  });

  it("recognises a suffixed id (test and demo runs) and gives an unknown one a bare profile", () => {
    expect(mmccProfile("mmcc-kilis-3fa2")).toMatchObject({
      organisationId: "mmcc-kilis-3fa2",
      provinceCode: "TUR079",
    });
    expect(mmccProfile("mmcc-kilisx")).toMatchObject({ provinceCode: "" });
    expect(mmccProfile("mmcc-bursa")).toMatchObject({ name: "MMCC mmcc-bursa", provinceCode: "" });
  });
});

describe("case rules", () => {
  it("records on open cases only", () => {
    expect(() => assertOpen(openCase(), "no session can be recorded")).not.toThrow();
    const closed = closeCase(openCase(), CaseClosureReason.CASE_CLOSURE_REASON_OBJECTIVES_MET, NOW).state;
    expect(() => assertOpen(closed, "no session can be recorded on it")).toThrow(CaseClosedError);
    expect(() => assertOpen(closed, "x")).toThrow(expect.objectContaining({ code: "case_closed" }));
  });

  it("closes once; the same close again changes nothing, another reason is refused", () => {
    const first = closeCase(openCase(), CaseClosureReason.CASE_CLOSURE_REASON_OBJECTIVES_MET, NOW);
    expect(first.changed).toBe(true);
    expect(first.state).toMatchObject({
      status: CaseStatus.CASE_STATUS_CLOSED,
      closureReason: CaseClosureReason.CASE_CLOSURE_REASON_OBJECTIVES_MET,
      closedAt: NOW,
    });
    const again = closeCase(first.state, CaseClosureReason.CASE_CLOSURE_REASON_OBJECTIVES_MET, NOW);
    expect(again.changed).toBe(false);
    expect(() => closeCase(first.state, CaseClosureReason.CASE_CLOSURE_REASON_TRANSFERRED, NOW)).toThrow(
      /closed as objectives met/,
    );
  });

  it("never closes a case before it was opened (clock skew)", () => {
    const early = new Date("2026-10-01T00:00:00Z");
    expect(closeCase(openCase(), CaseClosureReason.CASE_CLOSURE_REASON_OTHER, early).state.closedAt).toEqual(
      openCase().openedAt,
    );
  });

  it("serves accepted and in-progress referrals only", () => {
    expect(() => assertReferralServable("r", ReferralStatus.REFERRAL_STATUS_ACCEPTED)).not.toThrow();
    expect(() => assertReferralServable("r", ReferralStatus.REFERRAL_STATUS_IN_PROGRESS)).not.toThrow();
    for (const status of [
      ReferralStatus.REFERRAL_STATUS_RECEIVED,
      ReferralStatus.REFERRAL_STATUS_ON_HOLD,
      ReferralStatus.REFERRAL_STATUS_DECLINED,
      ReferralStatus.REFERRAL_STATUS_COMPLETED,
    ])
      expect(() => assertReferralServable("r", status)).toThrow(ReferralNotAcceptedError);
    expect(() => assertReferralServable("r", ReferralStatus.REFERRAL_STATUS_RECEIVED)).toThrow(/is received/);
  });
});

describe("counselling session rules", () => {
  const session = {
    sessionType: CounsellingSessionType.COUNSELLING_SESSION_TYPE_INDIVIDUAL,
    modality: SessionModality.SESSION_MODALITY_IN_PERSON,
    topics: [CounsellingTopic.COUNSELLING_TOPIC_SOCIAL_ASSISTANCE],
    interpreterUsed: true,
    interpreterLanguage: "ar",
    durationMinutes: 45,
    heldAt: new Date("2026-12-01T09:00:00Z"),
    notes: undefined,
  };

  it("accepts a complete session", () => {
    expect(counsellingSessionViolations(session, NOW)).toEqual([]);
    expect(
      counsellingSessionViolations(
        { ...session, interpreterUsed: false, interpreterLanguage: undefined },
        NOW,
      ),
    ).toEqual([]);
  });

  it("names each field that breaks a rule", () => {
    expect(fields(counsellingSessionViolations({ ...session, interpreterLanguage: undefined }, NOW))).toEqual(
      ["interpreter_language"],
    );
    expect(fields(counsellingSessionViolations({ ...session, interpreterUsed: false }, NOW))).toEqual([
      "interpreter_language",
    ]);
    expect(fields(counsellingSessionViolations({ ...session, interpreterLanguage: "Arabic" }, NOW))).toEqual([
      "interpreter_language",
    ]);
    expect(
      fields(
        counsellingSessionViolations(
          {
            ...session,
            topics: [CounsellingTopic.COUNSELLING_TOPIC_HOUSING, CounsellingTopic.COUNSELLING_TOPIC_HOUSING],
            durationMinutes: 0,
            heldAt: new Date("2026-12-02T10:00:00Z"),
            notes: "x".repeat(4_001),
          },
          NOW,
        ),
      ),
    ).toEqual(["topics", "duration_minutes", "held_at", "notes"]);
    expect(fields(counsellingSessionViolations({ ...session, durationMinutes: 481 }, NOW))).toEqual([
      "duration_minutes",
    ]);
    expect(fields(counsellingSessionViolations({ ...session, heldAt: new Date(Number.NaN) }, NOW))).toEqual([
      "held_at",
    ]);
  });

  it("tolerates a few minutes of clock skew for held_at", () => {
    expect(
      counsellingSessionViolations({ ...session, heldAt: new Date(NOW.getTime() + 60_000) }, NOW),
    ).toEqual([]);
  });
});

describe("direct assistance rules", () => {
  const cash = {
    kind: AssistanceKind.ASSISTANCE_KIND_CASH,
    amount: { amountMinor: 150_000, currency: "TRY" },
    description: "Winter support",
    providedAt: NOW,
  };

  it("defaults the currency to TRY", () => {
    expect(normaliseAmount({ amountMinor: 100, currency: "" })).toEqual({
      amountMinor: 100,
      currency: "TRY",
    });
    expect(normaliseAmount(undefined)).toBeUndefined();
  });

  it("needs an amount above zero for cash, and none for in-kind help", () => {
    expect(directAssistanceViolations(cash, NOW)).toEqual([]);
    expect(fields(directAssistanceViolations({ ...cash, amount: undefined }, NOW))).toEqual(["amount"]);
    expect(
      fields(directAssistanceViolations({ ...cash, amount: { amountMinor: 0, currency: "TRY" } }, NOW)),
    ).toEqual(["amount"]);
    expect(
      directAssistanceViolations(
        { ...cash, kind: AssistanceKind.ASSISTANCE_KIND_NFI, amount: undefined },
        NOW,
      ),
    ).toEqual([]);
  });

  it("refuses negative, fractional, huge amounts and malformed currencies", () => {
    const with_ = (amountMinor: number, currency = "TRY") =>
      fields(directAssistanceViolations({ ...cash, amount: { amountMinor, currency } }, NOW));
    expect(with_(-1)).toEqual(["amount.amount_minor"]);
    expect(with_(1.5)).toEqual(["amount.amount_minor"]);
    expect(with_(100_000_001)).toEqual(["amount.amount_minor"]);
    expect(with_(100, "try")).toEqual(["amount.currency"]);
  });

  it("refuses assistance in the future and over-long descriptions", () => {
    expect(
      fields(
        directAssistanceViolations(
          { ...cash, providedAt: new Date(NOW.getTime() + 86_400_000), description: "x".repeat(501) },
          NOW,
        ),
      ),
    ).toEqual(["description", "provided_at"]);
  });
});
