import {
  AgeBand,
  DisabilityStatus,
  WashingtonGroupSeverity,
} from "@kopru/contracts/common/v1/disaggregation";
import { describe, expect, it } from "vitest";

import { ageBand, disabilityStatus, WASHINGTON_GROUP_DOMAINS } from "./disaggregation.js";

const AT = new Date("2025-06-15T12:00:00.000Z");
const W = WashingtonGroupSeverity;

describe("ageBand", () => {
  it.each([
    [2025, AgeBand.AGE_BAND_0_4],
    [2021, AgeBand.AGE_BAND_0_4],
    [2020, AgeBand.AGE_BAND_5_11],
    [2014, AgeBand.AGE_BAND_5_11],
    [2013, AgeBand.AGE_BAND_12_17],
    [2008, AgeBand.AGE_BAND_12_17],
    [2007, AgeBand.AGE_BAND_18_24],
    [2001, AgeBand.AGE_BAND_18_24],
    [2000, AgeBand.AGE_BAND_25_49],
    [1976, AgeBand.AGE_BAND_25_49],
    [1975, AgeBand.AGE_BAND_50_59],
    [1966, AgeBand.AGE_BAND_50_59],
    [1965, AgeBand.AGE_BAND_60_PLUS],
    [1930, AgeBand.AGE_BAND_60_PLUS],
  ])("born %i → band %i in 2025", (birthYear, band) => {
    expect(ageBand(birthYear, AT)).toBe(band);
  });

  it.each([
    ["unknown", undefined],
    ["in the future", 2026],
    ["implausibly long ago", 1890],
    ["not a whole year", 1990.5],
  ])("is unspecified for a birth year %s", (_, birthYear) => {
    expect(ageBand(birthYear, AT)).toBe(AgeBand.AGE_BAND_UNSPECIFIED);
  });
});

describe("disabilityStatus", () => {
  const all = (severity: WashingtonGroupSeverity) =>
    WASHINGTON_GROUP_DOMAINS.map((domain) => ({ domain, severity }));

  it("is not asked when there are no answers", () => {
    expect(disabilityStatus([])).toBe(DisabilityStatus.DISABILITY_STATUS_NOT_ASKED);
  });

  it.each([W.WASHINGTON_GROUP_SEVERITY_A_LOT_OF_DIFFICULTY, W.WASHINGTON_GROUP_SEVERITY_CANNOT_DO_AT_ALL])(
    "is with disability when any domain reaches the cut-off (severity %i), even if incomplete",
    (severity) => {
      const walking = WASHINGTON_GROUP_DOMAINS[2];
      if (walking === undefined) throw new Error("no walking domain");
      expect(disabilityStatus([{ domain: walking, severity }])).toBe(
        DisabilityStatus.DISABILITY_STATUS_WITH_DISABILITY,
      );
      const mixed = all(W.WASHINGTON_GROUP_SEVERITY_SOME_DIFFICULTY).map((answer, index) =>
        index === 4 ? { ...answer, severity } : answer,
      );
      expect(disabilityStatus(mixed)).toBe(DisabilityStatus.DISABILITY_STATUS_WITH_DISABILITY);
    },
  );

  it("is without disability when all six domains are below the cut-off", () => {
    expect(disabilityStatus(all(W.WASHINGTON_GROUP_SEVERITY_SOME_DIFFICULTY))).toBe(
      DisabilityStatus.DISABILITY_STATUS_WITHOUT_DISABILITY,
    );
    expect(disabilityStatus(all(W.WASHINGTON_GROUP_SEVERITY_NO_DIFFICULTY))).toBe(
      DisabilityStatus.DISABILITY_STATUS_WITHOUT_DISABILITY,
    );
  });

  it("is not asked when incomplete below the cut-off (a domain missing, refused or don't know)", () => {
    expect(disabilityStatus(all(W.WASHINGTON_GROUP_SEVERITY_NO_DIFFICULTY).slice(0, 5))).toBe(
      DisabilityStatus.DISABILITY_STATUS_NOT_ASKED,
    );
    const refused = all(W.WASHINGTON_GROUP_SEVERITY_NO_DIFFICULTY).map((answer, index) =>
      index === 0 ? { ...answer, severity: W.WASHINGTON_GROUP_SEVERITY_UNSPECIFIED } : answer,
    );
    expect(disabilityStatus(refused)).toBe(DisabilityStatus.DISABILITY_STATUS_NOT_ASKED);
  });
});
