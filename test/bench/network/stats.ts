// The arithmetic of the network bench: percentiles, rates, ratios and hop pairing. Pure, so the
// unit test covers it without a network.

export interface Summary {
  count: number;
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentile of an ascending array: the smallest value with at least p % at or below it. */
export function percentile(sorted: readonly number[], p: number): number {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within 0..100, got ${p}`);
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] as number;
}

export function summarise(values: readonly number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  const total = sorted.reduce((sum, v) => sum + v, 0);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.length > 0 ? (sorted[sorted.length - 1] as number) : Number.NaN,
    mean: sorted.length > 0 ? total / sorted.length : Number.NaN,
  };
}

/** Events per second over a window in milliseconds. */
export function perSecond(count: number, windowMs: number): number {
  if (windowMs <= 0) return Number.NaN;
  return (count * 1000) / windowMs;
}

/**
 * The count per second over the span of the timestamps themselves (first to last), so a rate is
 * "sustained" only over the time things actually happened; fewer than two points have no rate.
 */
export function sustainedRate(timestampsMs: readonly number[]): number {
  if (timestampsMs.length < 2) return Number.NaN;
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const t of timestampsMs) {
    if (t < first) first = t;
    if (t > last) last = t;
  }
  // n points span n − 1 intervals.
  return perSecond(timestampsMs.length - 1, last - first);
}

/** `figure ÷ bound`, NaN when the bound is missing or zero. */
export function ratio(figure: number, bound: number): number {
  return bound > 0 && Number.isFinite(bound) ? figure / bound : Number.NaN;
}

/**
 * For each key that has both a start and an end time, end − start (ms). Keys with only one side
 * are counted as unmatched: an event that never arrived is a finding, not a missing sample.
 */
export function pairLatencies(
  starts: ReadonlyMap<string, number>,
  ends: ReadonlyMap<string, number>,
): { latencies: number[]; unmatched: number } {
  const latencies: number[] = [];
  let unmatched = 0;
  for (const [key, start] of starts) {
    const end = ends.get(key);
    if (end === undefined) unmatched += 1;
    else latencies.push(end - start);
  }
  return { latencies, unmatched };
}

/** Fixed-precision number for the report: NaN as "—", large numbers without decimals. */
export function fmt(value: number, digits = 1): string {
  if (!Number.isFinite(value)) return "—";
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString("en-US");
  return value.toFixed(digits);
}

/** Per-sample accumulator for a sampled gauge (consumer lag, outbox backlog). */
export class Gauge {
  private samples = 0;
  private sum = 0;
  max = 0;
  add(value: number): void {
    this.samples += 1;
    this.sum += value;
    if (value > this.max) this.max = value;
  }
  get mean(): number {
    return this.samples > 0 ? this.sum / this.samples : Number.NaN;
  }
  get count(): number {
    return this.samples;
  }
}
