import {
  ConsentWithdrawalPolicy,
  ConsentWithdrawalReason,
  ContinuingLawfulBasis,
} from "@kopru/contracts/referral/v1/consent";
import { describe, expect, it } from "vitest";
import { checkPersonOrReferral, checkWithdrawConsent } from "../src/adapters/grpc/validation.js";

const CONSENT = "0193a7a0-0000-7000-8000-000000000001";

function fields(run: () => void): string[] {
  try {
    run();
    return [];
  } catch (error) {
    const violations = (error as { violations?: { field: string }[] }).violations ?? [];
    return violations.map((v) => v.field);
  }
}

describe("WithdrawConsent validation", () => {
  const base = {
    consentId: CONSENT,
    reason: ConsentWithdrawalReason.CONSENT_WITHDRAWAL_REASON_BENEFICIARY_REQUEST,
    withdrawnAt: undefined,
    cancelOpenReferrals: false,
    policy: ConsentWithdrawalPolicy.CONSENT_WITHDRAWAL_POLICY_UNSPECIFIED,
    continuingBasis: ContinuingLawfulBasis.CONTINUING_LAWFUL_BASIS_UNSPECIFIED,
  };

  it("takes the default policy and cancelling every open referral without a basis", () => {
    expect(fields(() => checkWithdrawConsent(base))).toEqual([]);
    expect(
      fields(() =>
        checkWithdrawConsent({
          ...base,
          policy: ConsentWithdrawalPolicy.CONSENT_WITHDRAWAL_POLICY_CANCEL_ALL_OPEN,
        }),
      ),
    ).toEqual([]);
  });

  it("lets accepted work finish only under a stated lawful basis, and a basis only with that policy", () => {
    const finish = {
      ...base,
      policy: ConsentWithdrawalPolicy.CONSENT_WITHDRAWAL_POLICY_FINISH_ACCEPTED_WORK,
    };
    expect(fields(() => checkWithdrawConsent(finish))).toEqual(["continuing_basis"]);
    expect(
      fields(() =>
        checkWithdrawConsent({
          ...finish,
          continuingBasis: ContinuingLawfulBasis.CONTINUING_LAWFUL_BASIS_VITAL_INTEREST,
        }),
      ),
    ).toEqual([]);
    expect(
      fields(() =>
        checkWithdrawConsent({
          ...base,
          continuingBasis: ContinuingLawfulBasis.CONTINUING_LAWFUL_BASIS_CONTRACT,
        }),
      ),
    ).toEqual(["continuing_basis"]);
    expect(fields(() => checkWithdrawConsent({ ...base, policy: 9 as ConsentWithdrawalPolicy }))).toEqual([
      "policy",
    ]);
  });
});

describe("ListDisclosures / ExportSubjectAccess validation", () => {
  it("needs exactly one of beneficiary_id and referral_id", () => {
    expect(fields(() => checkPersonOrReferral({ beneficiaryId: CONSENT, referralId: "" }))).toEqual([]);
    expect(fields(() => checkPersonOrReferral({ beneficiaryId: "", referralId: CONSENT }))).toEqual([]);
    expect(fields(() => checkPersonOrReferral({ beneficiaryId: "", referralId: "" }))).toEqual([
      "beneficiary_id",
    ]);
    expect(fields(() => checkPersonOrReferral({ beneficiaryId: CONSENT, referralId: CONSENT }))).toEqual([
      "beneficiary_id",
    ]);
    expect(fields(() => checkPersonOrReferral({ beneficiaryId: "nope", referralId: "" }))).toEqual([
      "beneficiary_id",
    ]);
  });
});
