import type { components } from "@kopru/contracts/openapi/console-api";

// The coordinator's figures as the dashboard shows them: headline rates and durations of the total,
// one row per group of the chosen dimension, and the series its bar chart draws. Pure: the page
// turns these into cards, a chart and its table twin.

type Schemas = components["schemas"];
export type FigureRow = Schemas["kopru.coordination.v1.FigureRow"];
export type FigureKey = Schemas["kopru.coordination.v1.FigureKey"];
export type FigureDimension = Schemas["kopru.coordination.v1.FigureDimension"];
export type FigureFilter = Schemas["kopru.coordination.v1.FigureFilter"];
export type DurationStats = Schemas["kopru.coordination.v1.DurationStats"];

/** Every dimension the figures can be grouped by, in the order the dashboard offers them. */
export const FIGURE_DIMENSIONS = [
  "FIGURE_DIMENSION_PROVINCE",
  "FIGURE_DIMENSION_SERVICE_TYPE",
  "FIGURE_DIMENSION_TARGET_ORGANISATION",
  "FIGURE_DIMENSION_REFERRER_ORGANISATION",
  "FIGURE_DIMENSION_PRIORITY",
  "FIGURE_DIMENSION_SEX",
  "FIGURE_DIMENSION_AGE_BAND",
  "FIGURE_DIMENSION_DISABILITY_STATUS",
  "FIGURE_DIMENSION_NATIONALITY",
] as const satisfies readonly FigureDimension[];

/** What a dimension's value is, which decides how it is labelled. */
export type DimensionKind = "organisation" | "province" | "nationality" | "enum";

const KEY_FIELD = {
  FIGURE_DIMENSION_TARGET_ORGANISATION: "targetOrganisationId",
  FIGURE_DIMENSION_REFERRER_ORGANISATION: "referrerOrganisationId",
  FIGURE_DIMENSION_SERVICE_TYPE: "serviceType",
  FIGURE_DIMENSION_PROVINCE: "provinceCode",
  FIGURE_DIMENSION_PRIORITY: "priority",
  FIGURE_DIMENSION_SEX: "sex",
  FIGURE_DIMENSION_AGE_BAND: "ageBand",
  FIGURE_DIMENSION_DISABILITY_STATUS: "disabilityStatus",
  FIGURE_DIMENSION_NATIONALITY: "nationality",
} as const satisfies Record<FigureDimension, keyof FigureKey>;

export function dimensionKind(dimension: FigureDimension): DimensionKind {
  switch (dimension) {
    case "FIGURE_DIMENSION_TARGET_ORGANISATION":
    case "FIGURE_DIMENSION_REFERRER_ORGANISATION":
      return "organisation";
    case "FIGURE_DIMENSION_PROVINCE":
      return "province";
    case "FIGURE_DIMENSION_NATIONALITY":
      return "nationality";
    default:
      return "enum";
  }
}

/** The value of `dimension` in a row's key; undefined when the group has none recorded. */
export function keyValue(key: FigureKey | undefined, dimension: FigureDimension): string | undefined {
  const value = key?.[KEY_FIELD[dimension]];
  return value === undefined || value === "" || value.endsWith("_UNSPECIFIED") ? undefined : value;
}

/** Ordinal enums keep their own order (youngest band first, most urgent first); others sort by label. */
const ORDINAL: Partial<Record<FigureDimension, readonly string[]>> = {
  FIGURE_DIMENSION_PRIORITY: ["PRIORITY_EMERGENCY", "PRIORITY_HIGH", "PRIORITY_NORMAL"],
  FIGURE_DIMENSION_AGE_BAND: [
    "AGE_BAND_0_4",
    "AGE_BAND_5_11",
    "AGE_BAND_12_17",
    "AGE_BAND_18_24",
    "AGE_BAND_25_49",
    "AGE_BAND_50_59",
    "AGE_BAND_60_PLUS",
  ],
  FIGURE_DIMENSION_SEX: ["SEX_FEMALE", "SEX_MALE", "SEX_OTHER_OR_NOT_STATED"],
  FIGURE_DIMENSION_DISABILITY_STATUS: [
    "DISABILITY_STATUS_WITH_DISABILITY",
    "DISABILITY_STATUS_WITHOUT_DISABILITY",
    "DISABILITY_STATUS_NOT_ASKED",
  ],
};

/** An int64/uint64 in proto3 JSON (a string, absent when zero) as a number. */
export function count(value: string | number | undefined | null): number {
  if (value === undefined || value === null || value === "") return 0;
  const number = Number(value);
  return Number.isFinite(number) ? number : 0;
}

function ratio(numerator: number, denominator: number): number | undefined {
  return denominator > 0 ? numerator / denominator : undefined;
}

/** The four headline rates, as fractions; undefined when there is nothing to divide by (or withheld). */
export interface Rates {
  /** acknowledged / requested */
  acknowledged: number | undefined;
  /** accepted / (accepted + declined) */
  accepted: number | undefined;
  /** completed / (completed + not completed) */
  completed: number | undefined;
  /** expired / requested */
  expired: number | undefined;
}

/** The server's rates when it gave them, else the same ratios from the counts (proto3 JSON drops zeros). */
export function ratesOf(row: FigureRow | undefined): Rates {
  if (!row || row.suppressed) {
    return { acknowledged: undefined, accepted: undefined, completed: undefined, expired: undefined };
  }
  const requested = count(row.requested);
  const accepted = count(row.accepted);
  const completed = count(row.completed);
  return {
    acknowledged: row.acknowledgedRate ?? ratio(count(row.acknowledged), requested),
    accepted: row.acceptanceRate ?? ratio(accepted, accepted + count(row.declined)),
    completed: row.completionRate ?? ratio(completed, completed + count(row.notCompleted)),
    expired: row.expiryRate ?? ratio(count(row.expired), requested),
  };
}

/** Median and 90th percentile of a duration in seconds; undefined without samples. */
export interface Percentiles {
  p50: number | undefined;
  p90: number | undefined;
  samples: number;
}

export function percentilesOf(stats: DurationStats | undefined): Percentiles {
  const optional = (value: string | undefined) =>
    value === undefined || value === "" ? undefined : count(value);
  return {
    p50: optional(stats?.p50Seconds),
    p90: optional(stats?.p90Seconds),
    samples: count(stats?.sampleCount),
  };
}

/** The headline cards: the funnel of every filtered referral together. */
export interface Headline {
  suppressed: boolean;
  requested: number;
  open: number;
  overdue: number;
  followUpOverdue: number;
  rates: Rates;
  timeToAccept: Percentiles;
  timeToComplete: Percentiles;
}

export function headlineOf(total: FigureRow | undefined): Headline {
  return {
    suppressed: total?.suppressed === true,
    requested: count(total?.requested),
    open: count(total?.open),
    overdue: count(total?.overdue),
    followUpOverdue: count(total?.followUpOverdue),
    rates: ratesOf(total),
    timeToAccept: percentilesOf(total?.timeToAccept),
    timeToComplete: percentilesOf(total?.timeToComplete),
  };
}

/** What the chart draws for each group; the table shows them all. */
export const MEASURES = [
  "requested",
  "acknowledgedRate",
  "acceptanceRate",
  "completionRate",
  "expiryRate",
  "timeToAcceptP50",
  "timeToCompleteP50",
  "overdue",
] as const;
export type Measure = (typeof MEASURES)[number];
export type MeasureKind = "count" | "rate" | "duration";

export function measureKind(measure: Measure): MeasureKind {
  if (measure.endsWith("Rate")) return "rate";
  if (measure.endsWith("P50")) return "duration";
  return "count";
}

/** One group of the breakdown. */
export interface BreakdownRow {
  /** Stable React key and export id: the raw key value, or "" for "not recorded". */
  id: string;
  /** The raw key value (an organisation id, a p-code, an enum name), undefined when not recorded. */
  value: string | undefined;
  label: string;
  suppressed: boolean;
  requested: number;
  acknowledged: number;
  accepted: number;
  completed: number;
  expired: number;
  overdue: number;
  rates: Rates;
  timeToAccept: Percentiles;
  timeToComplete: Percentiles;
}

export function measureValue(row: BreakdownRow, measure: Measure): number | undefined {
  if (row.suppressed) return undefined;
  switch (measure) {
    case "requested":
      return row.requested;
    case "overdue":
      return row.overdue;
    case "acknowledgedRate":
      return row.rates.acknowledged;
    case "acceptanceRate":
      return row.rates.accepted;
    case "completionRate":
      return row.rates.completed;
    case "expiryRate":
      return row.rates.expired;
    case "timeToAcceptP50":
      return row.timeToAccept.p50;
    case "timeToCompleteP50":
      return row.timeToComplete.p50;
  }
}

/**
 * The groups of `dimension`, labelled by `label` (which gets undefined for "not recorded"),
 * in the dimension's own order for ordinal enums, else alphabetically in `language`; the group
 * without a recorded value comes last.
 */
export function breakdownOf(
  rows: readonly FigureRow[] | undefined,
  dimension: FigureDimension,
  label: (value: string | undefined) => string,
  language: string,
): BreakdownRow[] {
  const result = (rows ?? []).map((row): BreakdownRow => {
    const value = keyValue(row.key, dimension);
    return {
      id: value ?? "",
      value,
      label: label(value),
      suppressed: row.suppressed === true,
      requested: count(row.requested),
      acknowledged: count(row.acknowledged),
      accepted: count(row.accepted),
      completed: count(row.completed),
      expired: count(row.expired),
      overdue: count(row.overdue),
      rates: ratesOf(row),
      timeToAccept: percentilesOf(row.timeToAccept),
      timeToComplete: percentilesOf(row.timeToComplete),
    };
  });
  const order = ORDINAL[dimension];
  const collator = new Intl.Collator(language);
  const rank = (row: BreakdownRow) => {
    if (row.value === undefined) return Number.MAX_SAFE_INTEGER;
    const index = order?.indexOf(row.value) ?? -1;
    return index < 0 ? (order ? order.length : 0) : index;
  };
  const sorted = result.sort((a, b) => rank(a) - rank(b) || collator.compare(a.label, b.label));
  // Ids are row keys: should two groups ever share a value, each still gets its own.
  const seen = new Set<string>();
  for (const [index, row] of sorted.entries()) {
    if (seen.has(row.id)) row.id = `${row.id}#${index}`;
    seen.add(row.id);
  }
  return sorted;
}

/** Province names by ADM1 p-code, from the locations the directory lists. */
export function provinceNames(
  locations: Iterable<{ provinceCode?: string; provinceName?: string } | undefined>,
): Map<string, string> {
  const names = new Map<string, string>();
  for (const location of locations) {
    if (location?.provinceCode && location.provinceName && !names.has(location.provinceCode)) {
      names.set(location.provinceCode, location.provinceName);
    }
  }
  return names;
}

/** A date input's value (yyyy-mm-dd, local day) as the start of that day, in RFC 3339. */
export function dayStart(day: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return undefined;
  const date = new Date(`${day}T00:00:00`);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** The filter the dashboard's controls describe: `to` includes its whole day. */
export function figureFilter(controls: {
  from: string;
  to: string;
  serviceType: string;
  priority: string;
  targetOrganisationId: string;
}): FigureFilter {
  const start = dayStart(controls.from);
  const toStart = dayStart(controls.to);
  const end = toStart ? new Date(new Date(toStart).getTime() + 86_400_000).toISOString() : undefined;
  const filter: FigureFilter = {};
  if (start || end) filter.requested = { ...(start ? { start } : {}), ...(end ? { end } : {}) };
  if (controls.serviceType) {
    filter.serviceTypes = [controls.serviceType as NonNullable<FigureFilter["serviceTypes"]>[number]];
  }
  if (controls.priority) {
    filter.priorities = [controls.priority as NonNullable<FigureFilter["priorities"]>[number]];
  }
  if (controls.targetOrganisationId) filter.targetOrganisationIds = [controls.targetOrganisationId];
  return filter;
}

/** The dimension a cached figures read was grouped by, from its query key ([service, method, request]). */
export function dimensionOfKey(key: readonly unknown[] | undefined): FigureDimension | undefined {
  const request = key?.[2] as { groupBy?: readonly FigureDimension[] } | undefined;
  return request?.groupBy?.[0];
}
