// Precision and recall of "a possible match exists at organisation X" (ADR 0027), on generated
// populations (@kopru/matching-keys/synthetic): each registration spelled as its partner would, in
// Arabic script, a Latin transliteration or Turkish, with typos, swapped names, a birth year a year
// off and phones in every format. Counted per (registration, other organisation) pair, from the keyed
// hashes alone, with the band rule the matching service applies. Writes its section of
// docs/benchmarks.md (between the matching markers).
//
//   pnpm bench:matching        knobs: BENCH_SEEDS (1,2,3,4,5) BENCH_PEOPLE (3000,20000) BENCH_ORGS (8)
//                              BENCH_WRITE=0 prints without writing the document

import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { generatePopulation, type MatchingFigures, measureMatching } from "@kopru/matching-keys/synthetic";

const seeds = (process.env.BENCH_SEEDS ?? "1,2,3,4,5").split(",").map(Number);
const sizes = (process.env.BENCH_PEOPLE ?? "3000,20000").split(",").map(Number);
const organisations = Number(process.env.BENCH_ORGS ?? 8);
const DOCUMENT = new URL("../../docs/benchmarks.md", import.meta.url);
const START = "<!-- matching:start -->";
const END = "<!-- matching:end -->";

const pct = (value: number) => `${(value * 100).toFixed(1)} %`;
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

interface Row {
  people: number;
  runs: MatchingFigures[];
  ms: number;
}

const rows: Row[] = [];
for (const people of sizes) {
  const runs: MatchingFigures[] = [];
  const started = performance.now();
  for (const seed of seeds) {
    // A fresh secret each run: the figures must not depend on which secret the network holds.
    const population = generatePopulation({ seed, people, organisations });
    runs.push(measureMatching(population, randomBytes(32)));
  }
  rows.push({ people, runs, ms: (performance.now() - started) / seeds.length });
}

const lines: string[] = [];
lines.push(
  `### Results (${new Date().toISOString().slice(0, 10)}, seeds ${seeds.join(", ")}, ${organisations} organisations, ${cpus().length} cores)`,
  "",
  "| people (registrations) | precision mean (min) | recall mean (min) | strong only: precision / recall | pairs to find | ms per run |",
  "|---|---:|---:|---:|---:|---:|",
);
for (const { people, runs, ms } of rows) {
  const records = Math.round(mean(runs.map((r) => r.records)));
  const precision = runs.map((r) => r.precision);
  const recall = runs.map((r) => r.recall);
  lines.push(
    `| ${people.toLocaleString("en")} (${records.toLocaleString("en")}) | ${pct(mean(precision))} (${pct(Math.min(...precision))}) | ${pct(mean(recall))} (${pct(Math.min(...recall))}) | ${pct(mean(runs.map((r) => r.strongPrecision)))} / ${pct(mean(runs.map((r) => r.strongRecall)))} | ${Math.round(mean(runs.map((r) => r.truePairs))).toLocaleString("en")} | ${Math.round(ms)} |`,
  );
}
const misses: Record<string, number> = {};
let missed = 0;
for (const run of rows[0]?.runs ?? []) {
  missed += run.falseNegatives;
  for (const [variation, count] of Object.entries(run.missesByVariation))
    misses[variation] = (misses[variation] ?? 0) + count;
}
lines.push(
  "",
  `Missed pairs of the ${rows[0]?.people.toLocaleString("en")}-people runs (${missed}), by how the asking registration was written (one may count under several): ${Object.entries(
    misses,
  )
    .sort((a, b) => b[1] - a[1])
    .map(([variation, count]) => `${variation} ${count}`)
    .join(", ")}.`,
);
const section = lines.join("\n");
console.log(section);

if (process.env.BENCH_WRITE !== "0") {
  const text = readFileSync(DOCUMENT, "utf8");
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  if (start < 0 || end < start) throw new Error(`docs/benchmarks.md has no ${START} … ${END} section`);
  writeFileSync(DOCUMENT, `${text.slice(0, start + START.length)}\n${section}\n${text.slice(end)}`);
  console.log("\nwritten to docs/benchmarks.md");
}
