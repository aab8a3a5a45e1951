// The network bench's own arithmetic and command line. No timing is asserted: the bench measures,
// a test only checks that it counts and parses right. (Named .e2e so the root vitest config's test/
// project collects it; it starts nothing.)

import { describe, expect, it } from "vitest";
import { BenchArgumentError, parseNetworkBenchArgs, parseSeconds } from "./args.js";
import { Gauge, pairLatencies, percentile, perSecond, ratio, summarise, sustainedRate } from "./stats.js";

describe("percentiles and summaries", () => {
  it("takes the nearest rank", () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 99)).toBe(99);
    expect(percentile(sorted, 100)).toBe(100);
    expect(percentile(sorted, 0)).toBe(1);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([1, 2, 3], 50)).toBe(2);
  });

  it("has no percentile of nothing and refuses one outside 0..100", () => {
    expect(percentile([], 50)).toBeNaN();
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });

  it("summarises unsorted values without changing them", () => {
    const values = [5, 1, 4, 2, 3];
    expect(summarise(values)).toEqual({ count: 5, p50: 3, p99: 5, max: 5, mean: 3 });
    expect(values).toEqual([5, 1, 4, 2, 3]);
    expect(summarise([]).count).toBe(0);
  });
});

describe("rates and ratios", () => {
  it("counts per second over a window", () => {
    expect(perSecond(200, 1000)).toBe(200);
    expect(perSecond(300, 1500)).toBe(200);
    expect(perSecond(1, 0)).toBeNaN();
  });

  it("takes a sustained rate over the span of the events themselves", () => {
    // 11 events 100 ms apart: 10 intervals in one second.
    expect(sustainedRate(Array.from({ length: 11 }, (_, i) => 5_000 + i * 100))).toBeCloseTo(10);
    expect(sustainedRate([3, 1, 2])).toBe(1000);
    expect(sustainedRate([1])).toBeNaN();
  });

  it("divides by a bound only when there is one", () => {
    expect(ratio(50, 200)).toBe(0.25);
    expect(ratio(1, 0)).toBeNaN();
    expect(ratio(1, Number.NaN)).toBeNaN();
  });

  it("pairs start and end times by key and counts what never arrived", () => {
    const starts = new Map([
      ["a", 10],
      ["b", 20],
      ["c", 30],
    ]);
    const ends = new Map([
      ["a", 15],
      ["c", 42],
      ["z", 99],
    ]);
    expect(pairLatencies(starts, ends)).toEqual({ latencies: [5, 12], unmatched: 1 });
  });

  it("keeps the max and mean of a sampled gauge", () => {
    const gauge = new Gauge();
    for (const v of [0, 4, 2]) gauge.add(v);
    expect(gauge.max).toBe(4);
    expect(gauge.mean).toBe(2);
    expect(new Gauge().mean).toBeNaN();
  });
});

describe("the command line", () => {
  const parse = (line: string) => parseNetworkBenchArgs(line.split(" ").filter(Boolean));
  const refusal = (line: string) => {
    try {
      parse(line);
    } catch (error) {
      if (error instanceof BenchArgumentError) return { option: error.option, message: error.message };
      throw error;
    }
    throw new Error(`"${line}" was accepted`);
  };

  it("reads a rate and a duration, with defaults for the rest", () => {
    expect(parse("--rate 200 --duration 30s")).toMatchObject({
      load: { kind: "rate", perSecond: 200 },
      amount: { kind: "duration", seconds: 30 },
      concurrency: 1024,
      people: 256,
      accept: true,
    });
    expect(parse("--rate=200")).toMatchObject({ amount: { kind: "duration", seconds: 30 } });
  });

  it("reads flat out with a count", () => {
    expect(parse("--flat-out --count 5000 --concurrency 32 --no-accept --warmup 0")).toMatchObject({
      load: { kind: "flat-out" },
      amount: { kind: "count", referrals: 5000 },
      concurrency: 32,
      accept: false,
      warmupSeconds: 0,
    });
    expect(parse("--help")).toBe("help");
  });

  it("reads times in ms, s and m", () => {
    expect(parseSeconds("--duration", "500ms")).toBe(0.5);
    expect(parseSeconds("--duration", "2m")).toBe(120);
    expect(parseSeconds("--duration", "45")).toBe(45);
  });

  it("names the option in every refusal", () => {
    expect(refusal("")).toMatchObject({ option: "--rate", message: expect.stringMatching(/--flat-out/) });
    expect(refusal("--rate 200 --flat-out")).toMatchObject({ option: "--rate" });
    expect(refusal("--rate abc")).toMatchObject({
      option: "--rate",
      message: expect.stringContaining('"abc"'),
    });
    expect(refusal("--rate -5")).toMatchObject({ option: "--rate" });
    expect(refusal("--rate")).toMatchObject({ option: "--rate", message: "--rate: needs a value" });
    expect(refusal("--flat-out --duration soon")).toMatchObject({ option: "--duration" });
    expect(refusal("--flat-out --duration 0")).toMatchObject({ option: "--duration" });
    expect(refusal("--flat-out --count 1.5")).toMatchObject({ option: "--count" });
    expect(refusal("--flat-out --count 10 --duration 5s")).toMatchObject({ option: "--count" });
    expect(refusal("--flat-out --concurrency 0")).toMatchObject({ option: "--concurrency" });
    expect(refusal("--flat-out --people")).toMatchObject({ option: "--people" });
    expect(refusal("--flat-out --cpu-prof")).toMatchObject({ option: "--cpu-prof" });
    expect(refusal("--flat-out --fast")).toMatchObject({
      option: "--fast",
      message: expect.stringMatching(/unknown/),
    });
    expect(refusal("--flat-out=yes")).toMatchObject({ option: "--flat-out" });
  });
});
