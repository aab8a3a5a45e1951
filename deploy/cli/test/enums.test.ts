import { Sex } from "@kopru/contracts/common/v1/disaggregation";
import { DeclineReason, ReferralStatus, ServiceType } from "@kopru/contracts/common/v1/vocabulary";
import { ConsentMethod } from "@kopru/contracts/referral/v1/consent";
import { describe, expect, it } from "vitest";
import {
  enumChoices,
  enumName,
  enumPrefix,
  InvalidChoiceError,
  parseEnum,
  parseEnumList,
  splitList,
} from "../src/enums.js";

describe("enum names on the command line", () => {
  it("derives the prefix from the _UNSPECIFIED member", () => {
    expect(enumPrefix(ServiceType)).toBe("SERVICE_TYPE_");
    expect(enumPrefix(ReferralStatus)).toBe("REFERRAL_STATUS_");
    expect(enumPrefix(Sex)).toBe("SEX_");
  });

  it("lists every settable value by its short lowercase name, without UNSPECIFIED or UNRECOGNIZED", () => {
    const names = enumChoices(ServiceType).map((c) => c.name);
    expect(names).toContain("mmcc_counselling");
    expect(names).toContain("ecm_cash");
    expect(names).not.toContain("unspecified");
    expect(names).not.toContain("unrecognized");
    expect(names).toHaveLength(29);
  });

  it("parses short names, full proto names, hyphens and upper case", () => {
    expect(parseEnum(ServiceType, "mmcc_counselling", "--service")).toBe(
      ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
    );
    expect(parseEnum(ServiceType, "SERVICE_TYPE_ECM_CASH", "--service")).toBe(
      ServiceType.SERVICE_TYPE_ECM_CASH,
    );
    expect(parseEnum(ReferralStatus, "not-completed", "--status")).toBe(
      ReferralStatus.REFERRAL_STATUS_NOT_COMPLETED,
    );
    expect(parseEnum(Sex, "Female", "--sex")).toBe(Sex.SEX_FEMALE);
  });

  it("accepts a prefix that names exactly one value", () => {
    expect(parseEnum(ConsentMethod, "verbal", "--method")).toBe(ConsentMethod.CONSENT_METHOD_VERBAL_RECORDED);
    expect(parseEnum(DeclineReason, "no_cap", "--reason")).toBe(DeclineReason.DECLINE_REASON_NO_CAPACITY);
  });

  it("refuses an unknown value and lists the valid ones", () => {
    const error = (() => {
      try {
        parseEnum(ReferralStatus, "finished", "--status");
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(InvalidChoiceError);
    expect((error as Error).message).toBe(
      '--status "finished" is not valid; valid values: requested, received, accepted, declined, on_hold, in_progress, completed, not_completed, cancelled, redirected, expired',
    );
  });

  it("refuses an ambiguous prefix and names the candidates", () => {
    expect(() => parseEnum(ServiceType, "mmcc", "--service")).toThrow(
      /ambiguous \(mmcc_counselling, mmcc_direct_assistance, mmcc_information_orientation\)/,
    );
  });

  it("never accepts UNSPECIFIED", () => {
    expect(() => parseEnum(Sex, "unspecified", "--sex")).toThrow(InvalidChoiceError);
    expect(() => parseEnum(Sex, "", "--sex")).toThrow(InvalidChoiceError);
  });

  it("parses comma-separated and repeated lists, without duplicates", () => {
    expect(parseEnumList(ServiceType, ["mmcc_counselling,ecm_cash", "ecm_cash"], "--service")).toEqual([
      ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
      ServiceType.SERVICE_TYPE_ECM_CASH,
    ]);
    expect(parseEnumList(ServiceType, undefined, "--service")).toEqual([]);
    expect(splitList(" a, b ,,c ")).toEqual(["a", "b", "c"]);
  });

  it("names values for display", () => {
    expect(enumName(ReferralStatus, ReferralStatus.REFERRAL_STATUS_ON_HOLD)).toBe("on_hold");
    expect(enumName(ReferralStatus, 0)).toBe("-");
    expect(enumName(ReferralStatus, 999)).toBe("999");
  });
});
