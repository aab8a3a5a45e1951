import { DataCategory, PartnerKind, Purpose } from "@kopru/contracts/common/v1/vocabulary";
import {
  ConsentGiver,
  ConsentMethod,
  ConsentWithdrawalPolicy,
  type FreshConsent,
} from "@kopru/contracts/referral/v1/consent";
import { describe, expect, it } from "vitest";
import { effectivePolicy } from "./consent-ledger.js";
import { freshConsentProblems } from "./lifecycle.js";

const NOW = new Date(Date.UTC(2026, 11, 7, 9));

const complete: FreshConsent = {
  givenBy: ConsentGiver.CONSENT_GIVER_SELF,
  caregiverRelationship: undefined,
  method: ConsentMethod.CONSENT_METHOD_VERBAL_RECORDED,
  explainedInLanguage: "ar",
  interpreterUsed: true,
  scope: {
    organisationIds: [],
    partnerKinds: [PartnerKind.PARTNER_KIND_ECM_UNIT],
    purposes: [Purpose.PURPOSE_ASSISTANCE_DELIVERY],
    dataCategories: [DataCategory.DATA_CATEGORY_IDENTITY],
  },
  expiresAt: new Date(NOW.getTime() + 86_400_000),
};

describe("freshConsentProblems", () => {
  it("accepts a complete consent with a future expiry", () => {
    expect(freshConsentProblems(complete, NOW)).toEqual([]);
  });

  it("names every missing or wrong field under fresh_consent", () => {
    const problems = freshConsentProblems(
      {
        ...complete,
        givenBy: ConsentGiver.CONSENT_GIVER_CAREGIVER,
        method: ConsentMethod.CONSENT_METHOD_UNSPECIFIED,
        explainedInLanguage: " ",
        scope: { organisationIds: [], partnerKinds: [], purposes: [], dataCategories: [] },
        expiresAt: NOW,
      },
      NOW,
    );
    expect(problems.map((p) => p.field)).toEqual([
      "fresh_consent.caregiver_relationship",
      "fresh_consent.method",
      "fresh_consent.explained_in_language",
      "fresh_consent.scope",
      "fresh_consent.scope.purposes",
      "fresh_consent.scope.data_categories",
      "fresh_consent.expires_at",
    ]);
  });

  it("refuses an open-ended consent", () => {
    expect(freshConsentProblems({ ...complete, expiresAt: undefined }, NOW)).toEqual([
      { field: "fresh_consent.expires_at", description: "is required (there is no open-ended consent)" },
    ]);
  });
});

describe("effectivePolicy", () => {
  it("reads an unspecified policy as the safest, cancelling everything open", () => {
    expect(effectivePolicy(ConsentWithdrawalPolicy.CONSENT_WITHDRAWAL_POLICY_UNSPECIFIED)).toBe(
      ConsentWithdrawalPolicy.CONSENT_WITHDRAWAL_POLICY_CANCEL_ALL_OPEN,
    );
    expect(effectivePolicy(ConsentWithdrawalPolicy.CONSENT_WITHDRAWAL_POLICY_FINISH_ACCEPTED_WORK)).toBe(
      ConsentWithdrawalPolicy.CONSENT_WITHDRAWAL_POLICY_FINISH_ACCEPTED_WORK,
    );
  });
});
