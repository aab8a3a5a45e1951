import { NotCompletedReason, ReferralStatus as S } from "@kopru/contracts/common/v1/vocabulary";
import type { Logger } from "@kopru/observability";
import type { Database, Sql } from "@kopru/storage";
import type { FigureColumn, GroupCounts, TrackingFilter } from "../../application/ports.js";
import type { DurationSample } from "../../domain/figures.js";
import {
  ACKNOWLEDGED,
  AWAITING_ANSWER,
  FOLLOW_UP_RUNNING,
  followUpOverdue,
  NOT_RECEIVED,
  OPEN,
  PARTLY_RECEIVED,
  REACHED_ACCEPTED,
  RECEIVED,
  SECONDS_TO_ACCEPT,
  SECONDS_TO_COMPLETE,
  Where,
} from "./tracking-sql.js";

// The figures rollup (ADR 0029). A referral's contribution to the figures is a function of its
// tracked state alone: its UTC request day, its nine dimension values, the counters it is in, its
// durations. A consumer that changes the state marks the referral in figure_dirty (same
// transaction); the folder, one at a time, adds (new contribution - last folded) of the marked
// referrals to figure_cells / figure_durations and keeps the new one in figure_contributions. An
// answer = folded cells + (current - last folded) of the referrals still marked + the referrals of
// the partial days at the ends of the requested range, all from one snapshot. The time-dependent
// counts (overdue, follow-up overdue) come from deadlines folded the same way (the UTC day each open
// referral's answer or follow-up falls due), and only today's deadlines up to now from the rows.

/** Every counter a referral can be in (a bit of `flags` each), as the figures define them. */
const FIGURE_COUNTERS: readonly (readonly [string, string])[] = [
  ["acknowledged", ACKNOWLEDGED],
  ["accepted", REACHED_ACCEPTED],
  ["declined", `t.status = ${S.REFERRAL_STATUS_DECLINED}`],
  ["on_hold", `t.status = ${S.REFERRAL_STATUS_ON_HOLD}`],
  ["completed", `t.status = ${S.REFERRAL_STATUS_COMPLETED}`],
  ["not_completed", `t.status = ${S.REFERRAL_STATUS_NOT_COMPLETED}`],
  ["cancelled", `t.status = ${S.REFERRAL_STATUS_CANCELLED}`],
  ["redirected", `t.status = ${S.REFERRAL_STATUS_REDIRECTED}`],
  ["expired", `t.status = ${S.REFERRAL_STATUS_EXPIRED}`],
  ["open", OPEN],
  ["assigned", `(${OPEN} AND f.assigned IS TRUE)`],
  ["outcome_received", RECEIVED],
  ["outcome_partly_received", PARTLY_RECEIVED],
  ["outcome_not_received", NOT_RECEIVED],
];
const COUNTER_NAMES = ["requested", ...FIGURE_COUNTERS.map(([name]) => name)];

/** The grouping dimensions by FigureDimension number; 0 = every referral in one group. */
const DIMENSIONS: readonly { column: FigureColumn; numeric: boolean }[] = [
  { column: "target_organisation_id", numeric: false },
  { column: "referrer_organisation_id", numeric: false },
  { column: "service_type", numeric: true },
  { column: "province_code", numeric: false },
  { column: "priority", numeric: true },
  { column: "sex", numeric: true },
  { column: "age_band", numeric: true },
  { column: "disability_status", numeric: true },
  { column: "nationality", numeric: false },
];
const dimensionOf = (column: FigureColumn) => DIMENSIONS.findIndex((d) => d.column === column) + 1;
const keyText = (alias: string, dimension: number) => {
  const d = DIMENSIONS[dimension - 1];
  if (!d) return "''";
  return d.numeric ? `${alias}.${d.column}::text` : `${alias}.${d.column}`;
};

/** The period of grain 'a': one cell per dimension value for everything ever folded. */
const ALL_TIME = "0001-01-01";

/** Log-bucket width of the duration histograms: a bucket spans 5 % of its lower bound. */
const BUCKET_BASE = 1.05;
const bucketOf = (seconds: string) =>
  `(CASE WHEN ${seconds} IS NULL THEN NULL WHEN ${seconds} < 1 THEN -1
    ELSE floor(ln(${seconds}) / ln(${BUCKET_BASE}))::integer END)`;

const NOT_RECEIVED_REASONS = Object.values(NotCompletedReason).filter(
  (reason): reason is NotCompletedReason => typeof reason === "number" && reason >= 0,
);

/** A referral's contribution, from `tracked_referrals t` joined with `o` and `f`. */
const CONTRIBUTION = `(t.requested_at AT TIME ZONE 'UTC')::date AS day,
  t.target_organisation_id, t.referrer_organisation_id, t.service_type, t.province_code, t.priority,
  t.sex, t.age_band, t.disability_status, t.nationality,
  (${FIGURE_COUNTERS.map(([, condition], bit) => `(CASE WHEN ${condition} THEN ${1 << bit} ELSE 0 END)`).join(" | ")}) AS flags,
  CASE WHEN ${NOT_RECEIVED} THEN t.not_completed_reason END AS not_received_reason,
  ${SECONDS_TO_ACCEPT} AS accept_seconds,
  ${SECONDS_TO_COMPLETE} AS complete_seconds,
  CASE WHEN ${AWAITING_ANSWER} THEN (t.respond_by AT TIME ZONE 'UTC')::date END AS answer_due,
  CASE WHEN ${FOLLOW_UP_RUNNING} THEN (f.follow_up_due_at AT TIME ZONE 'UTC')::date END AS follow_up_due`;
// In figure_contributions' column order: the fold subtracts its rows from the CONTRIBUTION's by position.
const CONTRIBUTION_COLUMNS = `day, target_organisation_id, referrer_organisation_id, service_type,
  province_code, priority, sex, age_band, disability_status, nationality, flags, not_received_reason,
  accept_seconds, complete_seconds, answer_due, follow_up_due`;

const contributionOf = (referrals: string) =>
  `SELECT t.referral_id, ${CONTRIBUTION} FROM ${referrals}
   LEFT JOIN tracked_outcomes o ON o.referral_id = t.referral_id
   LEFT JOIN tracked_follow_ups f ON f.referral_id = t.referral_id`;

/** `INSERT … RETURNING referral_id` (or an UPDATE) whose referrals are marked for the folder. */
export const markingFigures = (statement: string) =>
  `WITH changed AS (${statement}) INSERT INTO figure_dirty (referral_id) SELECT referral_id FROM changed`;

const SAME_CONTRIBUTION = `ROW(${CONTRIBUTION_COLUMNS.split(",")
  .map((col) => `p.${col.trim()}`)
  .join(", ")})
  IS NOT DISTINCT FROM ROW(${CONTRIBUTION_COLUMNS.split(",")
    .map((col) => `c.${col.trim()}`)
    .join(", ")})`;

const DIMENSION_KEYS = `(VALUES (0::smallint, ''::text), ${DIMENSIONS.map((_, i) => `(${i + 1}, ${keyText("d", i + 1)})`).join(", ")})`;

const FOLD = `
WITH batch AS (SELECT id, referral_id FROM figure_dirty ORDER BY id LIMIT $1),
marked AS (SELECT DISTINCT referral_id FROM batch),
cur AS (${contributionOf("marked m JOIN tracked_referrals t ON t.referral_id = m.referral_id")}),
prev AS (SELECT p.* FROM marked m JOIN figure_contributions p ON p.referral_id = m.referral_id),
d AS (
  SELECT 1::smallint AS sign, c.* FROM cur c WHERE NOT EXISTS (
    SELECT 1 FROM prev p WHERE p.referral_id = c.referral_id AND ${SAME_CONTRIBUTION})
  UNION ALL
  SELECT -1::smallint, p.* FROM prev p WHERE NOT EXISTS (
    SELECT 1 FROM cur c WHERE p.referral_id = c.referral_id AND ${SAME_CONTRIBUTION})
), kept AS (
  INSERT INTO figure_contributions (referral_id, ${CONTRIBUTION_COLUMNS})
  SELECT referral_id, ${CONTRIBUTION_COLUMNS} FROM cur
  ON CONFLICT (referral_id) DO UPDATE SET
    ${CONTRIBUTION_COLUMNS.split(",")
      .map((col) => `${col.trim()} = EXCLUDED.${col.trim()}`)
      .join(", ")}
  RETURNING 1
), unmarked AS (
  DELETE FROM figure_dirty WHERE id IN (SELECT id FROM batch) RETURNING 1
), x AS (
  SELECT g.grain, CASE g.grain WHEN 'd' THEN d.day WHEN 'w' THEN date_trunc('week', d.day)::date
           WHEN 'm' THEN date_trunc('month', d.day)::date ELSE DATE '${ALL_TIME}' END AS period,
         k.dimension, k.key, d.sign, d.flags, d.not_received_reason, d.accept_seconds, d.complete_seconds,
         d.answer_due, d.follow_up_due
  FROM d CROSS JOIN (VALUES ('d'::"char"), ('w'::"char"), ('m'::"char"), ('a'::"char")) AS g(grain)
  CROSS JOIN LATERAL ${DIMENSION_KEYS} AS k(dimension, key)
), cells AS (
  INSERT INTO figure_cells (grain, period, dimension, key, ${COUNTER_NAMES.join(", ")})
  SELECT grain, period, dimension, key, sum(sign),
    ${FIGURE_COUNTERS.map((_, bit) => `sum(sign * ((flags >> ${bit}) & 1))`).join(", ")}
  FROM x GROUP BY grain, period, dimension, key
  ON CONFLICT (dimension, grain, period, key) DO UPDATE SET
    ${COUNTER_NAMES.map((name) => `${name} = figure_cells.${name} + EXCLUDED.${name}`).join(", ")}
  RETURNING 1
), hist AS (
  INSERT INTO figure_durations (grain, period, dimension, key, metric, bucket, n, lo, hi)
  SELECT x.grain, x.period, x.dimension, x.key, m.metric, m.bucket, sum(x.sign),
    min(m.v) FILTER (WHERE x.sign > 0), max(m.v) FILTER (WHERE x.sign > 0)
  FROM x CROSS JOIN LATERAL (VALUES
    (1::smallint, ${bucketOf("x.accept_seconds")}, x.accept_seconds),
    (2::smallint, ${bucketOf("x.complete_seconds")}, x.complete_seconds),
    (3::smallint, x.not_received_reason, NULL::double precision)) AS m(metric, bucket, v)
  WHERE m.bucket IS NOT NULL
  GROUP BY x.grain, x.period, x.dimension, x.key, m.metric, m.bucket
  ON CONFLICT (dimension, grain, period, key, metric, bucket) DO UPDATE SET
    n = figure_durations.n + EXCLUDED.n,
    lo = CASE WHEN figure_durations.n <= 0 THEN EXCLUDED.lo ELSE LEAST(figure_durations.lo, EXCLUDED.lo) END,
    hi = CASE WHEN figure_durations.n <= 0 THEN EXCLUDED.hi ELSE GREATEST(figure_durations.hi, EXCLUDED.hi) END
  RETURNING 1
), deadlines AS (
  INSERT INTO figure_deadlines (grain, period, dimension, key, kind, due_grain, due, n)
  SELECT x.grain, x.period, x.dimension, x.key, dl.kind, dg.grain,
    CASE WHEN dg.grain = 'd' THEN dl.due ELSE date_trunc('month', dl.due)::date END, sum(x.sign)
  FROM x CROSS JOIN LATERAL (VALUES (1::smallint, x.answer_due), (2::smallint, x.follow_up_due)) AS dl(kind, due)
  CROSS JOIN (VALUES ('d'::"char"), ('m'::"char")) AS dg(grain)
  WHERE dl.due IS NOT NULL
  GROUP BY 1, 2, 3, 4, 5, 6, 7
  ON CONFLICT (dimension, grain, period, key, kind, due_grain, due) DO UPDATE SET
    n = figure_deadlines.n + EXCLUDED.n
  RETURNING 1
)
SELECT (SELECT count(*) FROM unmarked)::integer AS folded, (SELECT count(*) FROM kept)::integer AS kept, (SELECT count(*) FROM cells)::integer AS cells,
       (SELECT count(*) FROM hist)::integer AS buckets, (SELECT count(*) FROM deadlines)::integer AS deadlines`;

/**
 * Folds up to `limit` deltas into the cells. One folder at a time (the others find the lock taken
 * and fold nothing), so cell rows are never updated by two transactions at once.
 */
export async function foldFigureDeltas(sql: Sql, limit: number): Promise<number> {
  const lock = await sql.query<{ locked: boolean }>(
    "SELECT pg_try_advisory_xact_lock(hashtextextended('coordination:figures:fold', 0)) AS locked",
  );
  if (!lock.rows[0]?.locked) return 0;
  const result = await sql.query<{ folded: number }>(FOLD, [limit]);
  return result.rows[0]?.folded ?? 0;
}

// ---------------------------------------------------------------- reading

interface Bucket {
  bucket: number;
  n: number;
  lo: number | null;
  hi: number | null;
}

const roundHalfAway = (value: number) => Math.sign(value) * Math.round(Math.abs(value));

/**
 * percentile_cont over a histogram: the order statistics either side of p·(n−1), interpolated. A
 * bucket holding one value (lo = hi) gives it exactly; otherwise its values are taken as spread
 * evenly between lo and hi, which bounds the error by the bucket's width (5 %).
 */
export function histogramPercentiles(buckets: readonly Bucket[]): DurationSample {
  const live = buckets.filter((b) => b.n > 0).sort((a, b) => a.bucket - b.bucket);
  const count = live.reduce((sum, b) => sum + b.n, 0);
  if (count === 0) return { sampleCount: 0 };
  const valueAt = (rank: number): number => {
    let before = 0;
    for (const b of live) {
      if (rank < before + b.n) {
        const lo = b.lo ?? b.hi ?? 0;
        const hi = b.hi ?? lo;
        return b.n === 1 || lo === hi ? lo : lo + ((hi - lo) * (rank - before)) / (b.n - 1);
      }
      before += b.n;
    }
    const last = live[live.length - 1] as Bucket;
    return last.hi ?? last.lo ?? 0;
  };
  const at = (p: number) => {
    const h = p * (count - 1);
    const below = Math.floor(h);
    const low = valueAt(below);
    const value = h === below ? low : low + (h - below) * (valueAt(below + 1) - low);
    return roundHalfAway(value);
  };
  return { sampleCount: count, p50Seconds: at(0.5), p90Seconds: at(0.9), p95Seconds: at(0.95) };
}

const DAY_MS = 86_400_000;
const MIN_DAY = "0001-01-01";
const MAX_DAY = "9999-01-01";
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** A requested range cut into whole months, whole days around them and partial days at its ends. */
interface RangePlan {
  /** Whole days [dayFrom, dayTo) the rollup answers ('YYYY-MM-DD'). */
  dayFrom: string;
  dayTo: string;
  /** Whole months within them [monthFrom, monthTo); empty when monthFrom >= monthTo. */
  monthFrom: string;
  monthTo: string;
  /** Partial days, counted from the rows. */
  edges: { from?: Date; before?: Date }[];
  /** No bound at either end: the all-time cells answer. */
  allTime: boolean;
}

/**
 * The whole weeks (from a Monday, UTC) and the days left around them that cover [from, to), two
 * 'YYYY-MM-DD' days less than two months apart: a 30-day range reads 4 weeks and a few days
 * instead of 30 days of cells.
 */
export function weeksAndDays(from: string, to: string): { grain: "w" | "d"; period: string }[] {
  const periods: { grain: "w" | "d"; period: string }[] = [];
  const end = Date.parse(`${to}T00:00:00Z`);
  let day = Date.parse(`${from}T00:00:00Z`);
  while (day < end) {
    const monday = new Date(day).getUTCDay() === 1;
    if (monday && day + 7 * DAY_MS <= end) {
      periods.push({ grain: "w", period: isoDay(day) });
      day += 7 * DAY_MS;
    } else {
      periods.push({ grain: "d", period: isoDay(day) });
      day += DAY_MS;
    }
  }
  return periods;
}

function planRange(from: Date | undefined, before: Date | undefined): RangePlan {
  const edges: RangePlan["edges"] = [];
  let dayFrom = MIN_DAY;
  let dayTo = MAX_DAY;
  let fromMs: number | undefined;
  let toMs: number | undefined;
  if (from) {
    fromMs = Math.ceil(from.getTime() / DAY_MS) * DAY_MS;
    dayFrom = isoDay(fromMs);
  }
  if (before) {
    toMs = Math.floor(before.getTime() / DAY_MS) * DAY_MS;
    dayTo = isoDay(toMs);
  }
  if (fromMs !== undefined && toMs !== undefined && fromMs >= toMs) {
    // No whole day inside: the rows answer for the whole range.
    return {
      dayFrom,
      dayTo: dayFrom,
      monthFrom: dayFrom,
      monthTo: dayFrom,
      edges: [{ from, before }],
      allTime: false,
    };
  }
  if (from && fromMs !== undefined && fromMs > from.getTime()) edges.push({ from, before: new Date(fromMs) });
  if (before && toMs !== undefined && toMs < before.getTime()) edges.push({ from: new Date(toMs), before });
  const monthStart = (day: string, up: boolean) => {
    if (day === MIN_DAY || day === MAX_DAY) return day;
    const first = `${day.slice(0, 7)}-01`;
    if (!up || first === day) return first;
    const d = new Date(`${first}T00:00:00Z`);
    d.setUTCMonth(d.getUTCMonth() + 1);
    return isoDay(d.getTime());
  };
  const monthFrom = monthStart(dayFrom, true);
  const monthTo = monthStart(dayTo, false);
  return {
    dayFrom,
    dayTo,
    monthFrom,
    monthTo: [monthFrom, monthTo].sort()[1] as string,
    edges,
    allTime: !from && !before,
  };
}

/** Each rollup dimension with the values the filter restricts it to (empty: not filtered on it). */
function filterLists(filter: TrackingFilter): [FigureColumn, readonly unknown[]][] {
  return [
    ["target_organisation_id", filter.targetOrganisationIds],
    ["referrer_organisation_id", filter.referrerOrganisationIds],
    ["service_type", filter.serviceTypes],
    ["province_code", filter.provinceCodes],
    ["priority", filter.priorities],
    ["sex", filter.sexes],
    ["age_band", filter.ageBands],
    ["disability_status", filter.disabilityStatuses],
    ["nationality", filter.nationalities],
  ];
}

/** Whether the rollup can answer: at most one dimension, filtered (if at all) on that dimension only. */
export function rollupAnswers(filter: TrackingFilter, groupBy: readonly FigureColumn[]): boolean {
  if (groupBy.length > 1 || filter.involving) return false;
  const grouped = groupBy[0];
  return filterLists(filter).every(([column, values]) => values.length === 0 || column === grouped);
}

const counterColumns = (sign: string, alias = "c") =>
  [
    `${sign} AS requested`,
    ...FIGURE_COUNTERS.map(([name], bit) => `${sign} * ((${alias}.flags >> ${bit}) & 1) AS ${name}`),
  ].join(", ");

interface Plan {
  where: Where;
  /** Sources of counters: SELECT k0.., requested, … */
  counters: string[];
  /** Sources of histogram entries: SELECT k0.., metric, bucket, n, lo, hi */
  buckets: string[];
  /** Sources of overdue counts (rollup path): SELECT k0.., kind, n */
  deadlines: string[];
  keys: number;
  orderBy: string[];
}

/**
 * Counters and histogram entries of the referrals matching `rowWhere`, from their rows; with
 * `dueBefore` (a UTC day), also their deadlines before that day (what the deadline cells hold).
 */
function rowSources(plan: Plan, keys: string[], rowWhere: string, dueBefore?: string) {
  const k = keys.map((expr, i) => `${expr} AS k${i}`).join(", ");
  const ks = keys.map((_, i) => `c.k${i}`).join(", ");
  // The rollup's rows are few (partial days, marked referrals): their outcome and follow-up are
  // looked up by key (OFFSET 0 keeps the planner from hashing the whole tables to join a few
  // thousand rows, which it did at 1M referrals). A pass over every row joins them by hash.
  const joins = dueBefore
    ? `LEFT JOIN LATERAL (SELECT * FROM tracked_outcomes o WHERE o.referral_id = t.referral_id OFFSET 0) o ON true
    LEFT JOIN LATERAL (SELECT * FROM tracked_follow_ups f WHERE f.referral_id = t.referral_id OFFSET 0) f ON true`
    : `LEFT JOIN tracked_outcomes o ON o.referral_id = t.referral_id
    LEFT JOIN tracked_follow_ups f ON f.referral_id = t.referral_id`;
  const contributions = `(SELECT ${k}${keys.length ? "," : ""} ${CONTRIBUTION} FROM tracked_referrals t
    ${joins} ${rowWhere})`;
  plan.counters.push(`SELECT ${ks}${keys.length ? "," : ""} ${counterColumns("1")} FROM ${contributions} c`);
  plan.buckets.push(`SELECT ${ks}${keys.length ? "," : ""} m.metric, m.bucket, 1 AS n, m.v AS lo, m.v AS hi
    FROM ${contributions} c CROSS JOIN LATERAL (VALUES
      (1::smallint, ${bucketOf("c.accept_seconds")}, c.accept_seconds),
      (2::smallint, ${bucketOf("c.complete_seconds")}, c.complete_seconds),
      (3::smallint, c.not_received_reason, NULL::double precision)) AS m(metric, bucket, v)
    WHERE m.bucket IS NOT NULL`);
  if (dueBefore) {
    plan.deadlines.push(`SELECT ${ks}${keys.length ? "," : ""} dl.kind, 1 AS n
      FROM ${contributions} c CROSS JOIN LATERAL (VALUES (1::smallint, c.answer_due), (2::smallint, c.follow_up_due)) AS dl(kind, due)
      WHERE dl.due < ${dueBefore}::date`);
  }
}

/**
 * The figures of the filtered referrals grouped by `groupBy` (plus nothing else), from the rollup
 * when it can answer, else from the rows; both give the same numbers (checked by the rollup test).
 */
export async function figureGroupsAndTotal(
  sql: Sql,
  filter: TrackingFilter,
  groupBy: readonly FigureColumn[],
  now: Date,
  options: { fromRows?: boolean; overdueOnly?: boolean } = {},
): Promise<{ groups: GroupCounts[]; total: GroupCounts }> {
  const useRollup = !options.fromRows && rollupAnswers(filter, groupBy);
  // These statements are small to run but large to plan; JIT compiling them cost more than running
  // them (hundreds of ms once the tables are large enough for the planner to pick JIT). Inside the
  // caller's transaction only; outside one, SET LOCAL changes nothing.
  await sql.query("SET LOCAL jit = off");
  const plan: Plan = {
    where: new Where(),
    counters: [],
    buckets: [],
    deadlines: [],
    keys: groupBy.length,
    orderBy: [],
  };
  const params = plan.where.params;
  const grouped = groupBy[0];
  let liveKeys: string[];
  if (!useRollup) {
    const keys = groupBy.map((column) => `t.${column}`);
    const where = new Where(params).filter(filter);
    rowSources(plan, keys, String(where));
    liveKeys = keys;
    plan.orderBy = keys.map((_, i) => `k${i}`);
  } else {
    const dimension = grouped ? dimensionOf(grouped) : 0;
    const numeric = grouped ? (DIMENSIONS[dimension - 1]?.numeric ?? false) : false;
    const key = (alias: string) => (grouped ? [keyText(alias, dimension)] : []);
    liveKeys = key("t");
    plan.orderBy = grouped ? [numeric ? "k0::integer" : "k0"] : [];
    const range = planRange(filter.requestedFrom, filter.requestedBefore);
    const p = (value: unknown) => new Where(params).param(value);
    const dim = p(dimension);
    const dayFrom = p(range.dayFrom);
    const dayTo = p(range.dayTo);
    const monthFrom = p(range.monthFrom);
    const monthTo = p(range.monthTo);
    // The grouped dimension's own filter values, as the cells store them (text).
    const keyFilter = (() => {
      if (!grouped) return undefined;
      const own: Record<FigureColumn, readonly (string | number)[]> = {
        target_organisation_id: filter.targetOrganisationIds,
        referrer_organisation_id: filter.referrerOrganisationIds,
        service_type: filter.serviceTypes,
        province_code: filter.provinceCodes,
        priority: filter.priorities,
        sex: filter.sexes,
        age_band: filter.ageBands,
        disability_status: filter.disabilityStatuses,
        nationality: filter.nationalities,
      };
      const values = own[grouped];
      return values.length > 0 ? p(values.map(String)) : undefined;
    })();
    const kCell = grouped ? "c.key AS k0," : "";
    // Whole months, then whole weeks and days for what is left at either side of them (bounded:
    // an open end is all whole months).
    const hasMonths = range.monthFrom < range.monthTo;
    const small = hasMonths
      ? [
          ...weeksAndDays(range.dayFrom, [range.monthFrom, range.dayTo].sort()[0] as string),
          ...weeksAndDays([range.monthTo, range.dayFrom].sort()[1] as string, range.dayTo),
        ]
      : weeksAndDays(range.dayFrom, range.dayTo);
    // One source each (not OR-ed), so each reads its cells by the primary key's prefix.
    const scopes: string[] = [];
    if (range.allTime) scopes.push(`c.grain = 'a' AND c.period = DATE '${ALL_TIME}'`);
    else {
      if (hasMonths)
        scopes.push(`c.grain = 'm' AND c.period >= ${monthFrom}::date AND c.period < ${monthTo}::date`);
      if (small.length > 0) {
        const grains = p(small.map((x) => x.grain));
        const periods = p(small.map((x) => x.period));
        scopes.push(`(c.grain, c.period) IN (SELECT * FROM unnest(${grains}::"char"[], ${periods}::date[]))`);
      }
    }
    const cellWheres = scopes.map(
      (scope) => `c.dimension = ${dim}::smallint AND ${scope}
     ${keyFilter ? `AND c.key = ANY(${keyFilter}::text[])` : ""}`,
    );
    // Deadlines folded before today (whole months before this month, whole days of it before
    // today); today's up to `now` are counted from the rows below.
    const today = new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS);
    const dueDay = p(isoDay(today.getTime()));
    const dueMonth = p(`${isoDay(today.getTime()).slice(0, 7)}-01`);
    for (const cellWhere of cellWheres) {
      plan.deadlines.push(`SELECT ${kCell} c.kind, c.n FROM figure_deadlines c WHERE ${cellWhere}
      AND ((c.due_grain = 'm' AND c.due < ${dueMonth}::date)
        OR (c.due_grain = 'd' AND c.due >= ${dueMonth}::date AND c.due < ${dueDay}::date))`);
    }
    const todayFrom = p(today);
    const nowAt = p(now);
    const liveRows = new Where(params).filter(filter);
    const liveAnd = String(liveRows) ? `${liveRows} AND` : "WHERE";
    const tKey = grouped ? `${keyText("t", dimension)} AS k0,` : "";
    plan.deadlines.push(`SELECT ${tKey} 1::smallint AS kind, 1 AS n FROM tracked_referrals t
      ${liveAnd} ${AWAITING_ANSWER} AND t.respond_by >= ${todayFrom} AND t.respond_by < ${nowAt}`);
    plan.deadlines.push(`SELECT ${tKey} 2::smallint AS kind, 1 AS n
      FROM tracked_follow_ups f JOIN tracked_referrals t ON t.referral_id = f.referral_id
      ${liveAnd} ${FOLLOW_UP_RUNNING} AND f.follow_up_due_at >= ${todayFrom} AND f.follow_up_due_at < ${nowAt}`);
    for (const cellWhere of cellWheres) {
      plan.counters.push(
        `SELECT ${kCell} ${COUNTER_NAMES.map((n) => `c.${n}`).join(", ")} FROM figure_cells c WHERE ${cellWhere}`,
      );
      plan.buckets.push(
        `SELECT ${kCell} c.metric, c.bucket, c.n, c.lo, c.hi FROM figure_durations c WHERE ${cellWhere}`,
      );
    }
    // Referrals marked since the last fold: their current contribution (+1, from the rows, with
    // the partial days' referrals) and their last folded one (-1), within the whole days.
    const marked = await sql.query<{ any: boolean }>("SELECT EXISTS (SELECT 1 FROM figure_dirty) AS any");
    const anyMarked = marked.rows[0]?.any === true;
    const rowRanges = range.edges.map((edge) => {
      const from = edge.from ? `t.requested_at >= ${p(edge.from)}` : "true";
      const before = edge.before ? `t.requested_at < ${p(edge.before)}` : "true";
      return `(${from} AND ${before})`;
    });
    const wholeDays = `${dayFrom}::date::timestamp AT TIME ZONE 'UTC' <= t.requested_at
      AND t.requested_at < ${dayTo}::date::timestamp AT TIME ZONE 'UTC'`;
    if (anyMarked)
      rowRanges.push(`(t.referral_id IN (SELECT referral_id FROM figure_dirty) AND ${wholeDays})`);
    if (rowRanges.length > 0) {
      // Built only when used: every parameter pushed must appear in the statement.
      const rows = new Where(params).filter({
        ...filter,
        requestedFrom: undefined,
        requestedBefore: undefined,
      });
      rowSources(plan, key("t"), String(rows.add(`(${rowRanges.join(" OR ")})`)), dueDay);
    }
    if (anyMarked) {
      const prevKey = grouped ? `${keyText("p", dimension)} AS k0,` : "";
      const prevWhere = `p.referral_id IN (SELECT referral_id FROM figure_dirty)
        AND p.day >= ${dayFrom}::date AND p.day < ${dayTo}::date
        ${keyFilter ? `AND ${keyText("p", dimension)} = ANY(${keyFilter}::text[])` : ""}`;
      plan.counters.push(
        `SELECT ${prevKey} ${counterColumns("-1", "p")} FROM figure_contributions p WHERE ${prevWhere}`,
      );
      plan.buckets.push(`SELECT ${prevKey} m.metric, m.bucket, -1 AS n, NULL::double precision AS lo, NULL::double precision AS hi
        FROM figure_contributions p CROSS JOIN LATERAL (VALUES
          (1::smallint, ${bucketOf("p.accept_seconds")}),
          (2::smallint, ${bucketOf("p.complete_seconds")}),
          (3::smallint, p.not_received_reason)) AS m(metric, bucket)
        WHERE m.bucket IS NOT NULL AND ${prevWhere}`);
      plan.deadlines.push(`SELECT ${prevKey} dl.kind, -1 AS n
        FROM figure_contributions p CROSS JOIN LATERAL (VALUES (1::smallint, p.answer_due), (2::smallint, p.follow_up_due)) AS dl(kind, due)
        WHERE dl.due < ${dueDay}::date AND ${prevWhere}`);
    }
  }

  const ks = Array.from({ length: plan.keys }, (_, i) => `k${i}`);
  const keyList = ks.map((k) => `${k},`).join(" ");
  const groupClause = ks.length > 0 ? `GROUP BY ${ks.join(", ")}` : "";
  const skipped = { rows: [] as Record<string, unknown>[] };
  const counters = options.overdueOnly
    ? skipped
    : await sql.query<Record<string, unknown>>(
        ...referenced(
          `SELECT ${keyList} ${COUNTER_NAMES.map((n) => `sum(${n})::bigint AS ${n}`).join(", ")}
     FROM (${plan.counters.join("\nUNION ALL\n")}) s ${groupClause}
     HAVING sum(requested) > 0 ${plan.orderBy.length ? `ORDER BY ${plan.orderBy.join(", ")}` : ""}`,
          params,
        ),
      );
  const buckets = options.overdueOnly
    ? skipped
    : await sql.query<Record<string, unknown>>(
        ...referenced(
          `SELECT ${keyList} metric, bucket, sum(n)::bigint AS n, min(lo) AS lo, max(hi) AS hi
     FROM (${plan.buckets.join("\nUNION ALL\n")}) s GROUP BY ${[...ks, "metric", "bucket"].join(", ")}`,
          params,
        ),
      );
  let live: { rows: Record<string, unknown>[] };
  if (useRollup) {
    live = await sql.query<Record<string, unknown>>(
      ...referenced(
        `SELECT ${keyList} coalesce(sum(n) FILTER (WHERE kind = 1), 0)::integer AS overdue,
              coalesce(sum(n) FILTER (WHERE kind = 2), 0)::integer AS follow_up_overdue
       FROM (${plan.deadlines.join("\nUNION ALL\n")}) s ${groupClause}`,
        params,
      ),
    );
  } else {
    const liveWhere = new Where().filter(filter);
    const nowParam = liveWhere.param(now);
    const lk = liveKeys.map((expr, i) => `${expr} AS k${i},`).join(" ");
    live = await sql.query<Record<string, unknown>>(
      `SELECT ${keyList} count(*) FILTER (WHERE kind = 1)::integer AS overdue,
              count(*) FILTER (WHERE kind = 2)::integer AS follow_up_overdue
       FROM (
         SELECT ${lk} 1 AS kind FROM tracked_referrals t ${liveWhere} ${String(liveWhere) ? "AND" : "WHERE"}
           ${AWAITING_ANSWER} AND t.respond_by < ${nowParam}
         UNION ALL
         SELECT ${lk} 2 AS kind FROM tracked_follow_ups f JOIN tracked_referrals t ON t.referral_id = f.referral_id
           ${liveWhere} ${String(liveWhere) ? "AND" : "WHERE"} ${followUpOverdue(nowParam)}
       ) s ${groupClause}`,
      liveWhere.params,
    );
  }

  const keyOf = (row: Record<string, unknown>) => JSON.stringify(ks.map((k) => String(row[k])));
  const histograms = new Map<string, Map<number, Bucket[]>>();
  for (const row of buckets.rows) {
    const byMetric = histograms.get(keyOf(row)) ?? new Map<number, Bucket[]>();
    histograms.set(keyOf(row), byMetric);
    const metric = Number(row.metric);
    const list = byMetric.get(metric) ?? [];
    byMetric.set(metric, list);
    list.push({
      bucket: Number(row.bucket),
      n: Number(row.n),
      lo: row.lo === null ? null : Number(row.lo),
      hi: row.hi === null ? null : Number(row.hi),
    });
  }
  const liveByKey = new Map(live.rows.map((row) => [keyOf(row), row]));
  const rows = counters.rows.length > 0 || ks.length > 0 ? counters.rows : [{}];
  const groups = rows.map((row): GroupCounts => {
    const key = {} as Record<FigureColumn, string | number>;
    groupBy.forEach((column, i) => {
      key[column] = row[`k${i}`] as string | number;
    });
    return { key, counts: countsOf(row, histograms.get(keyOf(row)), liveByKey.get(keyOf(row))) };
  });
  // Every referral is in exactly one group, so the total is the groups added up (the histograms
  // bucket by bucket): the same numbers as asking again without grouping, one round of queries less.
  const sum: Record<string, number> = {};
  for (const row of counters.rows)
    for (const name of COUNTER_NAMES) sum[name] = (sum[name] ?? 0) + Number(row[name] ?? 0);
  const merged = new Map<number, Bucket[]>();
  for (const metrics of histograms.values()) {
    for (const [metric, list] of metrics) {
      const byBucket = new Map((merged.get(metric) ?? []).map((b) => [b.bucket, b]));
      for (const b of list) {
        const seen = byBucket.get(b.bucket);
        byBucket.set(
          b.bucket,
          seen
            ? {
                bucket: b.bucket,
                n: seen.n + b.n,
                lo: seen.lo === null ? b.lo : b.lo === null ? seen.lo : Math.min(seen.lo, b.lo),
                hi: seen.hi === null ? b.hi : b.hi === null ? seen.hi : Math.max(seen.hi, b.hi),
              }
            : b,
        );
      }
      merged.set(metric, [...byBucket.values()]);
    }
  }
  const liveTotal = {
    overdue: live.rows.reduce((n, row) => n + Number(row.overdue ?? 0), 0),
    follow_up_overdue: live.rows.reduce((n, row) => n + Number(row.follow_up_overdue ?? 0), 0),
  };
  return { groups, total: { key: {} as GroupCounts["key"], counts: countsOf(sum, merged, liveTotal) } };
}

/**
 * The statement with only the parameters it references, renumbered: the three statements of an
 * answer share one list of parameters, and PostgreSQL rejects values a statement does not use.
 */
function referenced(text: string, params: readonly unknown[]): [string, unknown[]] {
  const renumbered = new Map<number, number>();
  const used: unknown[] = [];
  const sql = text.replace(/\$(\d+)\b/g, (_, n: string) => {
    const index = Number(n);
    let next = renumbered.get(index);
    if (next === undefined) {
      used.push(params[index - 1]);
      next = used.length;
      renumbered.set(index, next);
    }
    return `$${next}`;
  });
  return [sql, used];
}

/**
 * How many of the filtered referrals are overdue (awaiting an answer past it) and follow-up overdue
 * at `now`, from the folded deadlines; undefined when the rollup cannot answer the filter (several
 * dimensions filtered, or one organisation's own scope), which the rows then count.
 */
export async function overdueTotals(
  sql: Sql,
  filter: TrackingFilter,
  now: Date,
): Promise<{ overdue: number; followUpOverdue: number } | undefined> {
  const filtered = filterLists(filter)
    .filter(([, values]) => values.length > 0)
    .map(([column]) => column);
  if (!rollupAnswers(filter, filtered)) return undefined;
  const { total } = await figureGroupsAndTotal(sql, filter, filtered, now, { overdueOnly: true });
  return { overdue: total.counts.overdue, followUpOverdue: total.counts.followUpOverdue };
}

/** The figures of the filtered referrals grouped by `groupBy` (see figureGroupsAndTotal). */
export async function figureGroups(
  sql: Sql,
  filter: TrackingFilter,
  groupBy: readonly FigureColumn[],
  now: Date,
  options: { fromRows?: boolean } = {},
): Promise<GroupCounts[]> {
  return (await figureGroupsAndTotal(sql, filter, groupBy, now, options)).groups;
}

function countsOf(
  row: Record<string, unknown>,
  metrics: Map<number, Bucket[]> | undefined,
  liveRow: Record<string, unknown> | undefined,
): GroupCounts["counts"] {
  const count = (name: string) => Number(row[name] ?? 0);
  const reasons = metrics?.get(3) ?? [];
  return {
    requested: count("requested"),
    acknowledged: count("acknowledged"),
    accepted: count("accepted"),
    declined: count("declined"),
    onHold: count("on_hold"),
    completed: count("completed"),
    notCompleted: count("not_completed"),
    cancelled: count("cancelled"),
    redirected: count("redirected"),
    expired: count("expired"),
    open: count("open"),
    overdue: Number(liveRow?.overdue ?? 0),
    assigned: count("assigned"),
    followUpOverdue: Number(liveRow?.follow_up_overdue ?? 0),
    outcomeReceived: count("outcome_received"),
    outcomePartlyReceived: count("outcome_partly_received"),
    outcomeNotReceived: count("outcome_not_received"),
    notReceivedReasons: NOT_RECEIVED_REASONS.map((reason) => ({
      reason,
      count: reasons.filter((b) => b.bucket === reason).reduce((sum, b) => sum + b.n, 0),
    })).filter((entry) => entry.count > 0),
    timeToAccept: histogramPercentiles(metrics?.get(1) ?? []),
    timeToComplete: histogramPercentiles(metrics?.get(2) ?? []),
  };
}

/**
 * Folds the deltas into the cells in the background, so queries read few unfolded rows. Figures do
 * not wait for it: they read the deltas not folded yet too.
 */
export class FigureFolder {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  /** Deltas folded since start (for the benchmark and logs). */
  folded = 0;

  constructor(
    private readonly db: Database,
    private readonly logger?: Pick<Logger, "warn">,
    private readonly options: { intervalMs?: number; batch?: number } = {},
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** Folds until nothing is left (tests and the benchmark use it to settle). */
  async drain(): Promise<void> {
    const batch = this.options.batch ?? 5_000;
    while ((await this.db.transaction((tx) => foldFigureDeltas(tx, batch))) > 0) {}
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.foldOnce().finally(() => {
        this.running = undefined;
      });
    }, delayMs);
  }

  private async foldOnce(): Promise<void> {
    const batch = this.options.batch ?? 5_000;
    let folded = 0;
    try {
      folded = await this.db.transaction((tx) => foldFigureDeltas(tx, batch));
      this.folded += folded;
    } catch (error) {
      // The deltas stay; the next round folds them. Figures stay right meanwhile (they read deltas).
      this.logger?.warn({ err: error }, "folding the figure deltas failed; retrying");
    }
    this.schedule(folded >= batch ? 0 : (this.options.intervalMs ?? 500));
  }
}
