import { describe, expect, it } from "vitest";
import { generatePopulation, measureMatching } from "./synthetic/people.js";

// The floors measured by `pnpm bench:matching` (docs/benchmarks.md) on 3,000 generated people at eight
// organisations: precision 92.0–94 %, recall 86.2–88 % over five seeds. A change to normalisation,
// keys or bands that loses more than a point or two fails here.
const PRECISION_FLOOR = 0.9;
const RECALL_FLOOR = 0.85;

describe("possible matches on a generated population", () => {
  it(`stay above precision ${PRECISION_FLOOR} and recall ${RECALL_FLOOR}`, () => {
    const population = generatePopulation({ seed: 2027, people: 3000, organisations: 8 });
    const figures = measureMatching(population, new Uint8Array(32).fill(9));
    expect(figures.truePairs).toBeGreaterThan(4000);
    expect(figures.precision).toBeGreaterThanOrEqual(PRECISION_FLOOR);
    expect(figures.recall).toBeGreaterThanOrEqual(RECALL_FLOOR);
  }, 60_000);

  it("is the same population for the same seed", () => {
    const a = generatePopulation({ seed: 7, people: 50, organisations: 3 });
    const b = generatePopulation({ seed: 7, people: 50, organisations: 3 });
    expect(a.records).toEqual(b.records);
    expect(generatePopulation({ seed: 8, people: 50, organisations: 3 }).records).not.toEqual(a.records);
  });
});
