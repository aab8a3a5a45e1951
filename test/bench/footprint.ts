// The whole network's footprint as `pnpm start` runs it: time to start and memory, with the
// services from TypeScript source through tsx (how `pnpm start` ran them before) and from the
// JavaScript `tsc -b` builds (ADR 0010), against raw bounds measured in the same run (an empty Node
// process, a bare PGlite). Memory is each process's VmRSS from /proc/<pid>/status; the network's
// is the sum over the launcher's process tree (launcher with its mail catcher, services, nats-server).
//
//   (a) on PostgreSQL (a fresh database per service, dropped afterwards): cold start to every gRPC
//       health check SERVING, each service's RSS then and after an idle pause; a second start on the
//       same databases seeds BENCH_PG_REFERRALS referrals, and each service's RSS after that traffic;
//   (b) on the embedded default (PGlite under a fresh DATA_DIR): time to seeded-and-running, and the
//       tree's RSS at the end and at its peak (sampled every second).
//
//   pnpm bench:footprint   knobs: BENCH_FROM (source,dist) BENCH_PARTS (postgres,pglite)
//                          BENCH_IDLE_SECONDS (15) BENCH_PG_REFERRALS (40) BENCH_REFERRALS (the demo's)
//                          BENCH_RUNS (1) PGURL (postgres://postgres@127.0.0.1:5432/postgres)
//                          BENCH_WRITE=1 writes the tables into docs/benchmarks.md (footprint markers)
//
// Every process it starts is stopped on the way out, on error too, and its databases are dropped.

import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import {
  addressVariable,
  databaseVariable,
  launcherConfig,
  REPO_ROOT,
  tunePgliteDataDir,
} from "@kopru/local";
import { freePort } from "@kopru/testing";
import pg from "pg";

type From = "source" | "dist";
const FROM = (process.env.BENCH_FROM ?? "source,dist").split(",") as From[];
const PARTS = (process.env.BENCH_PARTS ?? "postgres,pglite").split(",");
const IDLE_MS = Number(process.env.BENCH_IDLE_SECONDS ?? 15) * 1000;
const PG_REFERRALS = Number(process.env.BENCH_PG_REFERRALS ?? 40);
const REFERRALS = process.env.BENCH_REFERRALS;
const RUNS = Number(process.env.BENCH_RUNS ?? 1);
const PGURL = process.env.PGURL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const DOCUMENT = new URL("../../docs/benchmarks.md", import.meta.url);
const START = "<!-- footprint:start -->";
const END = "<!-- footprint:end -->";
const SERVICE_NAMES = launcherConfig({}).services.map((s) => s.name);
const SERVICES = ["identity", ...SERVICE_NAMES];

const mb = (kb: number) => Math.round(kb / 1024);
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (line: string) => process.stderr.write(`${line}\n`);

// ---- processes -------------------------------------------------------------------------------

/** VmRSS of one process in kB (0 once it is gone). */
function rssKb(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** `pid` and every process below it. */
function tree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // The command may hold spaces and parentheses: the fields after its closing one are fixed.
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // Gone meanwhile.
    }
  }
  const all: number[] = [];
  const walk = (p: number) => {
    all.push(p);
    for (const c of children.get(p) ?? []) walk(c);
  };
  walk(pid);
  return all;
}

/** What a process of the network is, from its command line. */
function roleOf(pid: number, launcher: number): string {
  if (pid === launcher) return "launcher";
  let cmd = "";
  try {
    cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    return "gone";
  }
  const service = /services\/([a-z-]+)\/(?:dist\/)?src\/main\./.exec(cmd)?.[1];
  if (service) return service;
  if (cmd.includes("mail-catcher")) return "mail-catcher";
  if (cmd.includes("nats-server")) return "nats-server";
  return cmd.slice(0, 60);
}

interface Snapshot {
  /** kB per role. */
  byRole: Record<string, number>;
  totalKb: number;
}

function snapshot(launcher: number): Snapshot {
  const byRole: Record<string, number> = {};
  let totalKb = 0;
  for (const pid of tree(launcher)) {
    const kb = rssKb(pid);
    const role = roleOf(pid, launcher);
    byRole[role] = (byRole[role] ?? 0) + kb;
    totalKb += kb;
  }
  return { byRole, totalKb };
}

const started = new Set<ChildProcess>();
const seenPids = new Set<number>();

/** Stops what this bench started: SIGINT to each launcher, then SIGKILL to anything of theirs left. */
async function stopAll(): Promise<void> {
  for (const child of started) {
    if (child.exitCode === null && child.signalCode === null && child.pid) {
      for (const pid of tree(child.pid)) seenPids.add(pid);
      child.kill("SIGINT");
      const gone = new Promise((r) => child.once("exit", r));
      await Promise.race([gone, sleep(60_000)]);
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }
    started.delete(child);
  }
  for (const pid of seenPids) {
    try {
      process.kill(pid, 0);
      // Still there and still ours only if it is a Köprü process (a pid may have been reused).
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      if (cmd.includes(REPO_ROOT) || cmd.includes("nats-server")) process.kill(pid, "SIGKILL");
    } catch {
      // Gone.
    }
  }
  seenPids.clear();
}

interface Launch {
  child: ChildProcess;
  pid: number;
  startedAt: number;
  lines: string[];
  /** Resolves with ms since spawn at the first line matching. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<number>;
  /** Peak tree RSS in kB since spawn (sampled every second). */
  peakKb(): number;
}

function launch(from: From, args: string[], env: NodeJS.ProcessEnv): Launch {
  if (interrupted) throw new Error("interrupted");
  const node = process.execPath;
  const argv =
    from === "source"
      ? [
          "--disable-warning=DEP0123",
          "--import",
          pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href,
          "--conditions=kopru-source",
          join(REPO_ROOT, "deploy/local/src/main.ts"),
          "--from-source",
          ...args,
        ]
      : ["--disable-warning=DEP0123", join(REPO_ROOT, "deploy/local/dist/main.js"), ...args];
  const startedAt = performance.now();
  const child = spawn(node, argv, { cwd: REPO_ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  started.add(child);
  if (!child.pid) throw new Error("the launcher did not start");
  const pid = child.pid;
  const lines: string[] = [];
  const watchers = new Set<(line: string) => void>();
  for (const stream of [child.stdout, child.stderr]) {
    let rest = "";
    stream?.on("data", (chunk: Buffer) => {
      const text = rest + chunk.toString("utf8");
      const parts = text.split("\n");
      rest = parts.pop() ?? "";
      for (const line of parts) {
        lines.push(line);
        if (process.env.BENCH_ECHO === "1") log(`  | ${line}`);
        for (const w of watchers) w(line);
      }
    });
  }
  let peak = 0;
  const sampler = setInterval(() => {
    const pids = tree(pid);
    for (const p of pids) seenPids.add(p);
    peak = Math.max(
      peak,
      pids.reduce((sum, p) => sum + rssKb(p), 0),
    );
  }, 1000);
  child.once("exit", () => clearInterval(sampler));
  return {
    child,
    pid,
    startedAt,
    lines,
    peakKb: () => peak,
    waitFor(pattern, timeoutMs) {
      return new Promise((resolve, reject) => {
        const done = (error?: Error) => {
          clearTimeout(timer);
          watchers.delete(watch);
          child.off("exit", onExit);
          if (error) reject(error);
          else resolve(performance.now() - startedAt);
        };
        const watch = (line: string) => {
          if (pattern.test(line)) done();
        };
        const onExit = () =>
          done(new Error(`launcher exited before ${pattern}:\n${lines.slice(-20).join("\n")}`));
        const timer = setTimeout(
          () =>
            done(new Error(`no ${pattern} within ${timeoutMs / 1000} s:\n${lines.slice(-20).join("\n")}`)),
          timeoutMs,
        );
        if (lines.some((l) => pattern.test(l))) return done();
        watchers.add(watch);
        child.once("exit", onExit);
      });
    },
  };
}

async function stop(run: Launch): Promise<void> {
  for (const p of tree(run.pid)) seenPids.add(p);
  run.child.kill("SIGINT");
  await Promise.race([new Promise((r) => run.child.once("exit", r)), sleep(60_000)]);
  await stopAll();
}

async function networkEnv(dataDir: string, databases?: Record<string, string>): Promise<NodeJS.ProcessEnv> {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir };
  for (const key of ["NATS_URL", "DATABASE_URL", "LOG_LEVEL", "NODE_OPTIONS"]) delete env[key];
  for (const service of SERVICE_NAMES) env[addressVariable(service)] = `127.0.0.1:${await freePort()}`;
  env.KOPRU_IDENTITY_ADDR = `127.0.0.1:${await freePort()}`;
  env.KOPRU_GATEWAY_HTTP_ADDR = `127.0.0.1:${await freePort()}`;
  for (const [service, url] of Object.entries(databases ?? {}))
    env[service === "identity" ? "KOPRU_IDENTITY_DATABASE_URL" : databaseVariable(service as never)] = url;
  return env;
}

// ---- raw bounds ------------------------------------------------------------------------------

const PRINT_RSS =
  "process.stdout.write(require('fs').readFileSync('/proc/self/status','utf8').match(/VmRSS:\\s+(\\d+)/)[1])";

function rawNode(): { startMs: number; rssKb: number } {
  const times: number[] = [];
  const rss: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    execFileSync(process.execPath, ["-e", "0"]);
    times.push(performance.now() - t);
    rss.push(Number(execFileSync(process.execPath, ["-e", PRINT_RSS], { encoding: "utf8" })));
  }
  return { startMs: median(times), rssKb: median(rss) };
}

interface BarePglite {
  label: string;
  kb: number;
  ms: number;
}

/**
 * A bare PGlite in an empty Node process, lever by lever: RSS after opening a fresh directory
 * (initdb), after reopening it, with the launcher's postgresql.conf settings, and with V8's
 * baseline WebAssembly compiler only; each after 200 small statements, once the process is idle.
 */
function rawPglite(): BarePglite[] {
  const pglite = pathToFileURL(
    createRequire(join(REPO_ROOT, "libs/storage/package.json")).resolve("@electric-sql/pglite"),
  ).href;
  const dir = mkdtempSync(join(tmpdir(), "kopru-footprint-pglite-"));
  const script = `
    import { PGlite } from ${JSON.stringify(pglite)};
    import { readFileSync } from "node:fs";
    const t = performance.now();
    const db = await PGlite.create(${JSON.stringify(dir)});
    await db.query("select 1");
    const ms = performance.now() - t;
    await db.exec("create table if not exists t (id serial primary key, v text)");
    for (let i = 0; i < 100; i++) {
      await db.query("insert into t (v) values ($1)", ["x" + i]);
      await db.query("select count(*) from t where v like $1", ["x%"]);
    }
    await new Promise((r) => setTimeout(r, 3000));
    const kb = readFileSync("/proc/self/status", "utf8").match(/VmRSS:\\s+(\\d+)/)[1];
    await db.close();
    process.stdout.write(JSON.stringify({ kb: Number(kb), ms }));`;
  const once = (label: string, flags: string[] = []): BarePglite => {
    const { kb, ms } = JSON.parse(
      execFileSync(process.execPath, [...flags, "--input-type=module", "-e", script], {
        encoding: "utf8",
        timeout: 600_000,
      }),
    ) as { kb: number; ms: number };
    return { label, kb, ms };
  };
  try {
    const figures = [once("fresh directory (initdb in the process)"), once("reopened")];
    tunePgliteDataDir(dir);
    figures.push(once("reopened, launcher's postgresql.conf"));
    figures.push(once("reopened, launcher's postgresql.conf, --liftoff-only", ["--liftoff-only"]));
    return figures;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- the two parts ---------------------------------------------------------------------------

interface PostgresFigures {
  coldStartMs: number;
  atStart: Snapshot;
  idle: Snapshot;
  /** Absent with BENCH_PG_REFERRALS=0. */
  afterSeed: Snapshot | undefined;
  seedMs: number;
}

async function onPostgres(from: From): Promise<PostgresFigures> {
  const admin = new pg.Client({ connectionString: PGURL });
  await admin.connect();
  const tag = `kopru_fp_${randomBytes(4).toString("hex")}`;
  const databases: Record<string, string> = {};
  const dataDir = mkdtempSync(join(tmpdir(), "kopru-footprint-pg-"));
  try {
    for (const service of SERVICES) {
      const name = `${tag}_${service.replaceAll("-", "_")}`;
      await admin.query(`CREATE DATABASE ${name}`);
      const url = new URL(PGURL);
      url.pathname = `/${name}`;
      databases[service] = url.toString();
    }
    const env = await networkEnv(dataDir, databases);
    // A cold start as a new machine has it: fresh databases, no trust, no NATS store yet.
    const cold = launch(from, ["--no-seed"], env);
    const coldStartMs = await cold.waitFor(/^All \d+ services are up in/, 600_000);
    await cold.waitFor(/^Köprü is running\.$/, 60_000);
    const atStart = snapshot(cold.pid);
    await sleep(IDLE_MS);
    const idle = snapshot(cold.pid);
    await stop(cold);

    if (PG_REFERRALS === 0) return { coldStartMs, atStart, idle, afterSeed: undefined, seedMs: Number.NaN };
    const seeded = launch(from, ["--referrals", String(PG_REFERRALS)], env);
    const up = await seeded.waitFor(/^All \d+ services are up in/, 600_000);
    const seedMs = (await seeded.waitFor(/^Köprü is running\.$/, 1_200_000)) - up;
    const afterSeed = snapshot(seeded.pid);
    await stop(seeded);
    return { coldStartMs, atStart, idle, afterSeed, seedMs };
  } finally {
    await stopAll();
    for (const service of SERVICES)
      await admin
        .query(`DROP DATABASE IF EXISTS ${tag}_${service.replaceAll("-", "_")} WITH (FORCE)`)
        .catch(() => {});
    await admin.end();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

interface PgliteFigures {
  upMs: number;
  seededMs: number;
  end: Snapshot;
  peakKb: number;
}

async function onPglite(from: From): Promise<PgliteFigures> {
  const dataDir = mkdtempSync(join(tmpdir(), "kopru-footprint-pglite-"));
  try {
    const env = await networkEnv(dataDir);
    const run = launch(from, ["--fresh", ...(REFERRALS ? ["--referrals", REFERRALS] : [])], env);
    const upMs = await run.waitFor(/^All \d+ services are up in/, 900_000);
    const seededMs = await run.waitFor(/^Köprü is running\.$/, 1_800_000);
    if (run.lines.some((l) => l.startsWith("Seeding failed"))) throw new Error("the seed failed");
    const end = snapshot(run.pid);
    const peakKb = run.peakKb();
    await stop(run);
    return { upMs, seededMs, end, peakKb };
  } finally {
    await stopAll();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

// ---- run -------------------------------------------------------------------------------------

// Ctrl-C stops the launchers; the waits then fail, so each part's cleanup (its databases, its
// directories) runs on the way out.
let interrupted = false;
for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.once(signal, () => {
    interrupted = true;
    void stopAll();
  });

const tsc = (): number => {
  const t = performance.now();
  execFileSync(
    process.execPath,
    [
      join(REPO_ROOT, "node_modules/typescript/bin/tsc"),
      "-b",
      join(REPO_ROOT, "deploy/local/tsconfig.network.json"),
    ],
    { stdio: "inherit" },
  );
  return performance.now() - t;
};
const buildMs = tsc();
const upToDateMs = tsc();

log("raw bounds...");
const node = rawNode();
const bare = rawPglite();
log(`node -e 0 ${node.startMs.toFixed(0)} ms, ${mb(node.rssKb)} MB`);
for (const b of bare) log(`bare PGlite, ${b.label}: ${mb(b.kb)} MB, opened in ${(b.ms / 1000).toFixed(1)} s`);

const postgres: Partial<Record<From, PostgresFigures[]>> = {};
const pglite: Partial<Record<From, PgliteFigures[]>> = {};
try {
  for (let run = 0; run < RUNS; run++) {
    for (const from of FROM) {
      if (PARTS.includes("postgres")) {
        log(`PostgreSQL, services from ${from} (run ${run + 1})...`);
        const figures = await onPostgres(from);
        postgres[from] = [...(postgres[from] ?? []), figures];
        log(
          `  cold start ${(figures.coldStartMs / 1000).toFixed(1)} s, tree ${mb(figures.atStart.totalKb)} MB, idle ${mb(figures.idle.totalKb)} MB, after seed ${figures.afterSeed ? mb(figures.afterSeed.totalKb) : "-"} MB`,
        );
      }
      if (PARTS.includes("pglite")) {
        log(`PGlite, services from ${from} (run ${run + 1})...`);
        const figures = await onPglite(from);
        pglite[from] = [...(pglite[from] ?? []), figures];
        log(
          `  up ${(figures.upMs / 1000).toFixed(1)} s, seeded and running ${(figures.seededMs / 1000).toFixed(1)} s, tree ${mb(figures.end.totalKb)} MB (peak ${mb(figures.peakKb)} MB)`,
        );
      }
    }
  }
} finally {
  await stopAll();
}

// ---- report ----------------------------------------------------------------------------------

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const lines: string[] = [];
lines.push(
  `### Results (${new Date().toISOString().slice(0, 10)}, ${RUNS} run${RUNS > 1 ? "s" : ""} per row, medians; ${cpus().length} cores shared with other work)`,
  "",
  `Raw bounds in the same run: \`node -e 0\` starts in ${node.startMs.toFixed(0)} ms with ${mb(node.rssKb)} MB RSS. \`tsc -b\` of the network's packages took ${s(buildMs)} (first build in this run) and ${s(upToDateMs)} when up to date (what \`pnpm start\` pays first).`,
  "",
  "A bare PGlite in an empty Node process (RSS after 200 small statements and 3 s idle):",
  "",
  "| bare PGlite | RSS | open |",
  "|---|---:|---:|",
  ...bare.map((b) => `| ${b.label} | ${mb(b.kb)} MB | ${s(b.ms)} |`),
  "",
);
if (Object.keys(postgres).length > 0) {
  lines.push(
    `**On PostgreSQL** (a fresh database per service; RSS in MB at start / after ${IDLE_MS / 1000} s idle / after seeding ${PG_REFERRALS > 0 ? `${PG_REFERRALS} referrals` : "(skipped, BENCH_PG_REFERRALS=0)"}):`,
    "",
    `| process | ${FROM.map((f) => `from ${f}`).join(" | ")} |`,
    `|---|${FROM.map(() => "---:").join("|")}|`,
  );
  const cell = (from: From, pick: (f: PostgresFigures) => number) => {
    const value = postgres[from] ? median(postgres[from].map(pick)) : Number.NaN;
    return Number.isNaN(value) ? "—" : `${value}`;
  };
  const roles = ["launcher", ...SERVICES, "nats-server"];
  for (const role of roles) {
    lines.push(
      `| ${role} | ${FROM.map((f) =>
        [
          cell(f, (x) => mb(x.atStart.byRole[role] ?? 0)),
          cell(f, (x) => mb(x.idle.byRole[role] ?? 0)),
          cell(f, (x) => (x.afterSeed ? mb(x.afterSeed.byRole[role] ?? 0) : Number.NaN)),
        ].join(" / "),
      ).join(" | ")} |`,
    );
  }
  lines.push(
    `| **whole tree** | ${FROM.map((f) =>
      [
        cell(f, (x) => mb(x.atStart.totalKb)),
        cell(f, (x) => mb(x.idle.totalKb)),
        cell(f, (x) => (x.afterSeed ? mb(x.afterSeed.totalKb) : Number.NaN)),
      ].join(" / "),
    ).join(" | ")} |`,
    `| **cold start to all SERVING** | ${FROM.map((f) => (postgres[f] ? s(median(postgres[f].map((x) => x.coldStartMs))) : "—")).join(" | ")} |`,
    ...(PG_REFERRALS > 0
      ? [
          `| seeding ${PG_REFERRALS} referrals | ${FROM.map((f) => (postgres[f] ? s(median(postgres[f].map((x) => x.seedMs))) : "—")).join(" | ")} |`,
        ]
      : []),
    "",
  );
}
if (Object.keys(pglite).length > 0) {
  lines.push(
    `**On the embedded default** (PGlite, \`--fresh\`, the demo seed${REFERRALS ? ` of ${REFERRALS} referrals` : ""}):`,
    "",
    `| | ${FROM.map((f) => `from ${f}`).join(" | ")} |`,
    `|---|${FROM.map(() => "---:").join("|")}|`,
  );
  const row = (label: string, pick: (f: PgliteFigures) => string) =>
    lines.push(
      `| ${label} | ${FROM.map((f) => (pglite[f] ? pick(pglite[f][0] as PgliteFigures) : "—")).join(" | ")} |`,
    );
  const med = (from: From, pick: (f: PgliteFigures) => number) => median((pglite[from] ?? []).map(pick));
  lines.push(
    `| all services up | ${FROM.map((f) => (pglite[f] ? s(med(f, (x) => x.upMs)) : "—")).join(" | ")} |`,
    `| **seeded and running** | ${FROM.map((f) => (pglite[f] ? s(med(f, (x) => x.seededMs)) : "—")).join(" | ")} |`,
    `| **whole tree RSS, seeded** | ${FROM.map((f) => (pglite[f] ? `${mb(med(f, (x) => x.end.totalKb))} MB` : "—")).join(" | ")} |`,
    `| peak tree RSS | ${FROM.map((f) => (pglite[f] ? `${mb(med(f, (x) => x.peakKb))} MB` : "—")).join(" | ")} |`,
  );
  for (const role of ["launcher", ...SERVICES, "nats-server"])
    row(role, (x) => `${mb(x.end.byRole[role] ?? 0)}`);
  lines.push("");
}
const section = lines.join("\n");
console.log(section);

if (process.env.BENCH_WRITE === "1") {
  const text = readFileSync(DOCUMENT, "utf8");
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  if (start < 0 || end < start) throw new Error(`docs/benchmarks.md has no ${START} … ${END} section`);
  writeFileSync(DOCUMENT, `${text.slice(0, start + START.length)}\n${section}\n${text.slice(end)}`);
  console.log("\nwritten to docs/benchmarks.md");
}
