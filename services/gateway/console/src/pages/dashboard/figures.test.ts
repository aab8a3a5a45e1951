import { describe, expect, it } from "vitest";
import { barChartOption, chartHeight } from "./chart-option.js";
import {
  breakdownOf,
  count,
  dimensionKind,
  dimensionOfKey,
  FIGURE_DIMENSIONS,
  type FigureRow,
  figureFilter,
  headlineOf,
  keyValue,
  measureKind,
  measureValue,
  provinceNames,
  ratesOf,
} from "./figures.js";

const label = (value: string | undefined) => value ?? "not recorded";

describe("counts and rates", () => {
  it("reads proto3 JSON int64 strings and treats absent as zero", () => {
    expect(count("12")).toBe(12);
    expect(count(undefined)).toBe(0);
    expect(count("")).toBe(0);
    expect(count("x")).toBe(0);
  });

  it("prefers the server's rates", () => {
    const rates = ratesOf({ requested: "10", acknowledged: "5", acknowledgedRate: 0.55 });
    expect(rates.acknowledged).toBe(0.55);
  });

  it("derives rates from counts when the server left them out", () => {
    const rates = ratesOf({
      requested: "20",
      acknowledged: "15",
      accepted: "6",
      declined: "2",
      completed: "3",
      notCompleted: "1",
      expired: "4",
    });
    expect(rates).toEqual({ acknowledged: 0.75, accepted: 0.75, completed: 0.75, expired: 0.2 });
  });

  it("has no rate without a denominator, and none for a withheld row", () => {
    expect(ratesOf({}).acknowledged).toBeUndefined();
    expect(ratesOf({ requested: "8" }).completed).toBeUndefined();
    expect(ratesOf({ suppressed: true, acknowledgedRate: 0.5 }).acknowledged).toBeUndefined();
  });

  it("gives the headline of the total, with p50 and p90 of both durations", () => {
    const headline = headlineOf({
      requested: "40",
      overdue: "3",
      timeToAccept: { sampleCount: "12", p50Seconds: "3600", p90Seconds: "86400" },
      timeToComplete: { sampleCount: "0" },
    });
    expect(headline.requested).toBe(40);
    expect(headline.overdue).toBe(3);
    expect(headline.suppressed).toBe(false);
    expect(headline.timeToAccept).toEqual({ p50: 3600, p90: 86_400, samples: 12 });
    expect(headline.timeToComplete).toEqual({ p50: undefined, p90: undefined, samples: 0 });
  });

  it("marks a withheld total", () => {
    expect(headlineOf({ suppressed: true }).suppressed).toBe(true);
    expect(headlineOf(undefined).requested).toBe(0);
  });
});

describe("dimensions", () => {
  it("reads each dimension's key field and ignores unspecified values", () => {
    expect(keyValue({ provinceCode: "TUR027" }, "FIGURE_DIMENSION_PROVINCE")).toBe("TUR027");
    expect(keyValue({ sex: "SEX_FEMALE" }, "FIGURE_DIMENSION_SEX")).toBe("SEX_FEMALE");
    expect(keyValue({ targetOrganisationId: "mmcc-gaziantep" }, "FIGURE_DIMENSION_TARGET_ORGANISATION")).toBe(
      "mmcc-gaziantep",
    );
    expect(keyValue({}, "FIGURE_DIMENSION_NATIONALITY")).toBeUndefined();
    expect(
      keyValue({ ageBand: "AGE_BAND_UNSPECIFIED" as never }, "FIGURE_DIMENSION_AGE_BAND"),
    ).toBeUndefined();
  });

  it("offers every dimension once and knows how to label each", () => {
    expect(new Set(FIGURE_DIMENSIONS).size).toBe(9);
    expect(dimensionKind("FIGURE_DIMENSION_REFERRER_ORGANISATION")).toBe("organisation");
    expect(dimensionKind("FIGURE_DIMENSION_PROVINCE")).toBe("province");
    expect(dimensionKind("FIGURE_DIMENSION_NATIONALITY")).toBe("nationality");
    expect(dimensionKind("FIGURE_DIMENSION_AGE_BAND")).toBe("enum");
  });

  it("reads the dimension a cached read was grouped by from its query key", () => {
    expect(
      dimensionOfKey([
        "coordination",
        "GetReferralFigures",
        { filter: {}, groupBy: ["FIGURE_DIMENSION_SEX"] },
      ]),
    ).toBe("FIGURE_DIMENSION_SEX");
    expect(
      dimensionOfKey(["coordination", "GetReferralFigures", { filter: {}, groupBy: [] }]),
    ).toBeUndefined();
    expect(dimensionOfKey(undefined)).toBeUndefined();
  });

  it("keeps age bands in age order and puts the unrecorded group last", () => {
    const rows: FigureRow[] = [
      { key: { ageBand: "AGE_BAND_60_PLUS" }, requested: "9" },
      { key: {}, requested: "7" },
      { key: { ageBand: "AGE_BAND_12_17" }, requested: "5" },
      { key: { ageBand: "AGE_BAND_5_11" }, requested: "6" },
    ];
    const groups = breakdownOf(rows, "FIGURE_DIMENSION_AGE_BAND", label, "en");
    expect(groups.map((group) => group.id)).toEqual([
      "AGE_BAND_5_11",
      "AGE_BAND_12_17",
      "AGE_BAND_60_PLUS",
      "",
    ]);
    expect(groups.at(-1)?.label).toBe("not recorded");
  });

  it("gives each group its own id even when two share a value", () => {
    const groups = breakdownOf(
      [{ key: {} }, { key: { sex: "SEX_UNSPECIFIED" as never } }],
      "FIGURE_DIMENSION_SEX",
      label,
      "en",
    );
    expect(new Set(groups.map((group) => group.id)).size).toBe(2);
  });

  it("sorts named groups by their label in the user's language", () => {
    const rows: FigureRow[] = [
      { key: { provinceCode: "TUR063" }, requested: "9" },
      { key: { provinceCode: "TUR027" }, requested: "7" },
      { key: { provinceCode: "TUR034" }, requested: "7" },
    ];
    const names = new Map([
      ["TUR063", "Şanlıurfa"],
      ["TUR027", "Gaziantep"],
      ["TUR034", "İstanbul"],
    ]);
    const groups = breakdownOf(rows, "FIGURE_DIMENSION_PROVINCE", (v) => names.get(v ?? "") ?? "?", "tr");
    expect(groups.map((group) => group.label)).toEqual(["Gaziantep", "İstanbul", "Şanlıurfa"]);
  });

  it("takes province names from the directory's locations", () => {
    const names = provinceNames([
      { provinceCode: "TUR027", provinceName: "Gaziantep" },
      { provinceCode: "TUR027", provinceName: "Antep" },
      { provinceCode: "TUR063" },
      undefined,
    ]);
    expect([...names]).toEqual([["TUR027", "Gaziantep"]]);
  });
});

describe("measures", () => {
  const rows = breakdownOf(
    [
      {
        key: { priority: "PRIORITY_HIGH" },
        requested: "10",
        acknowledged: "8",
        completed: "2",
        notCompleted: "2",
        overdue: "1",
        timeToAccept: { sampleCount: "5", p50Seconds: "7200", p90Seconds: "9000" },
      },
      { key: { priority: "PRIORITY_EMERGENCY" }, suppressed: true },
    ],
    "FIGURE_DIMENSION_PRIORITY",
    label,
    "en",
  );

  it("classifies measures", () => {
    expect(measureKind("requested")).toBe("count");
    expect(measureKind("completionRate")).toBe("rate");
    expect(measureKind("timeToAcceptP50")).toBe("duration");
  });

  it("reads each measure of a group and nothing of a withheld one", () => {
    const high = rows.find((row) => row.id === "PRIORITY_HIGH");
    const emergency = rows.find((row) => row.id === "PRIORITY_EMERGENCY");
    if (!high || !emergency) throw new Error("groups missing");
    expect(measureValue(high, "requested")).toBe(10);
    expect(measureValue(high, "acknowledgedRate")).toBe(0.8);
    expect(measureValue(high, "completionRate")).toBe(0.5);
    expect(measureValue(high, "timeToAcceptP50")).toBe(7200);
    expect(measureValue(high, "overdue")).toBe(1);
    expect(emergency.suppressed).toBe(true);
    expect(measureValue(emergency, "requested")).toBeUndefined();
  });

  it("draws a suppressed group as the word, not a bar, and says what the chart is", () => {
    const option = barChartOption(
      rows,
      "requested",
      {
        measure: "Requested",
        description: "Requested by priority",
        suppressed: "suppressed",
        format: String,
      },
      false,
    );
    expect(option.aria).toMatchObject({ enabled: true, label: { description: "Requested by priority" } });
    const yAxis = option.yAxis as { data: string[]; position: string };
    expect(yAxis.data).toEqual(["PRIORITY_EMERGENCY (suppressed)", "PRIORITY_HIGH"]);
    expect(yAxis.position).toBe("left");
    const series = (option.series as { data: { value: number; label?: { formatter: string } }[] }[])[0];
    expect(series?.data[0]).toMatchObject({ value: 0, label: { formatter: "suppressed" } });
    expect(series?.data[1]).toEqual({ value: 10 });
  });

  it("runs the value axis from the right in a right-to-left language", () => {
    const option = barChartOption(
      rows,
      "completionRate",
      { measure: "Completed", description: "d", suppressed: "s", format: String },
      true,
    );
    expect(option.xAxis).toMatchObject({ inverse: true, max: 1 });
    expect(option.yAxis).toMatchObject({ position: "right", inverse: true });
  });

  it("grows with the number of groups", () => {
    expect(chartHeight(1)).toBe(160);
    expect(chartHeight(20)).toBeGreaterThan(chartHeight(10));
  });
});

describe("filter", () => {
  it("turns the controls into a FigureFilter with the end day included", () => {
    const filter = figureFilter({
      from: "2026-11-01",
      to: "2026-11-30",
      serviceType: "SERVICE_TYPE_MHPSS_GROUP",
      priority: "",
      targetOrganisationId: "mmcc-gaziantep",
    });
    expect(filter.serviceTypes).toEqual(["SERVICE_TYPE_MHPSS_GROUP"]);
    expect(filter.priorities).toBeUndefined();
    expect(filter.targetOrganisationIds).toEqual(["mmcc-gaziantep"]);
    const start = new Date(filter.requested?.start ?? "");
    const end = new Date(filter.requested?.end ?? "");
    expect(end.getTime() - start.getTime()).toBe(30 * 86_400_000);
  });

  it("leaves the period open when no dates are given", () => {
    expect(
      figureFilter({ from: "", to: "", serviceType: "", priority: "", targetOrganisationId: "" }),
    ).toEqual({});
  });
});
