// Referrals through the whole Köprü network, measured against the raw bounds of the same machine.
//
// Starts a network as the e2e tests do (test/support/network.ts: its own nats-server with one
// confined user per service, the identity service issuing real tokens, mutual TLS, each service a
// separate Node process on a fresh PostgreSQL database of its own), registers synthetic people at
// intake, measures the raw bounds (JetStream publish, PostgreSQL commits, a row + outbox
// transaction), then drives CreateReferral at intake over gRPC as an NGO caseworker would — at a
// fixed rate or flat out — while the MMCC accepts every referral that reaches its inbox. Hop times
// come from the timestamps the services' databases already record; see docs/benchmarks.md.
//
//   pnpm bench:network --rate 200 --duration 30s
//   pnpm bench:network --flat-out --count 5000
//   pnpm bench:network --help

import { loadavg } from "node:os";
import { Priority, Purpose, ReferralStatus, ServiceType } from "@kopru/contracts/common/v1/vocabulary";
import { EVENTS } from "@kopru/events";
import { connectNats } from "@kopru/testing";
import { v4 as uuidv4 } from "uuid";
import { clientsFor, grpcCode, registerWithConsent, seedDirectoryAndWait } from "../support/clients.js";
import { TestNetwork } from "../support/network.js";
import {
  BenchArgumentError,
  type NetworkBenchOptions,
  parseNetworkBenchArgs,
  USAGE,
} from "./network/args.js";
import {
  commitCounts,
  count,
  cpuSeconds,
  inboxTimes,
  LagSampler,
  outboxRows,
  statusOutboxRows,
} from "./network/observe.js";
import { measureRawBounds, type RawBounds } from "./network/raw.js";
import {
  fmt,
  pairLatencies,
  perSecond,
  ratio,
  type Summary,
  summarise,
  sustainedRate,
} from "./network/stats.js";

// An MMCC's handful of caseworkers answering at once: the acceptances share the service's 10 pooled
// connections with the consumer that receives the referrals, so more would slow the hop measured.
const ACCEPTING_AT_ONCE = 8;
const log = (line: string) => console.error(`[bench:network] ${line}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

let options: NetworkBenchOptions;
try {
  const parsed = parseNetworkBenchArgs(process.argv.slice(2));
  if (parsed === "help") {
    console.log(USAGE);
    process.exit(0);
  }
  options = parsed;
} catch (error) {
  if (!(error instanceof BenchArgumentError)) throw error;
  console.error(`${error.message}\n\n${USAGE}`);
  process.exit(2);
}

// Everything started is undone in reverse order: on success, on error and on Ctrl-C.
const cleanups: (() => Promise<unknown>)[] = [];
let cleaning: Promise<void> | undefined;
function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    for (const undo of cleanups.reverse()) await undo().catch((error) => log(`clean-up: ${error}`));
  })();
  return cleaning;
}
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping every process the bench started`);
    void cleanUp().finally(() => process.exit(130));
  });
}

try {
  await main(options);
} catch (error) {
  log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
} finally {
  await cleanUp();
}

async function main(opts: NetworkBenchOptions): Promise<void> {
  log(`load average at start: ${load()}`);
  const network = await TestNetwork.create(
    undefined,
    opts.cpuProfileDir ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${opts.cpuProfileDir}` } : {},
  );
  cleanups.push(() => network.close());
  // Two cores shared with other work: a service compiling its TypeScript on start can take minutes.
  network.startTimeoutMs = 300_000;
  await network.start("coordination");
  await network.start("intake", "municipality");
  await seedDirectoryAndWait(network);
  const { orgs } = network;
  const api = clientsFor(network);

  log(`registering ${opts.people} synthetic people at intake`);
  const people: { beneficiaryId: string; consentId: string }[] = [];
  const registrar = api.intake();
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(16, opts.people) }, async () => {
      while (next < opts.people) {
        next += 1;
        people.push(await registerWithConsent(registrar, orgs));
      }
    }),
  );

  const raw = await measureRawBounds({
    nats: network.adminNats(),
    seconds: opts.rawSeconds,
    orgs: { referrer: orgs.ngo, target: orgs.mmccGaziantep },
    log,
  });

  const urls = {
    intake: network.database("intake").url,
    municipality: network.database("municipality").url,
    coordination: network.database("coordination").url,
  };
  const admin = await connectNats(network.adminNats());
  cleanups.push(() => admin.close());
  const lag = new LagSampler(admin.jsm, urls);

  // ------------------------------------------------------------------ the MMCC accepts what it receives

  const acceptErrors = new Map<string, number>();
  const acceptLatencies: number[] = [];
  const accepting = new Set<string>();
  const accepted = new Set<string>();
  let acceptorStopped = false;
  // The acceptor's reads are commits in the MMCC's database too: counted, to be taken off.
  let acceptorPolls = 0;
  let measuringCommits = false;
  const acceptFailures = new Map<string, string>();
  const retryAfter = new Map<string, number>();
  const inbox = api.municipalityInbox();
  // The MMCC caseworker's login happens now, on a network still idle: the test identity keeps a
  // failed first login for good, which would fail every acceptance of the run.
  await inbox.call("listInbox", {
    organisationId: orgs.mmccGaziantep,
    statuses: [],
    serviceTypes: [],
    priorities: [],
    overdueOnly: false,
  });
  const acceptor = (async () => {
    if (!opts.accept) return;
    const { Client } = await import("pg");
    const db = new Client({ connectionString: urls.municipality });
    await db.connect();
    try {
      while (!acceptorStopped) {
        if (measuringCommits) acceptorPolls += 1;
        const received = await db.query<{ id: string }>(
          "SELECT referral_id::text AS id FROM referrals WHERE role = 'target' AND status = $1",
          [ReferralStatus.REFERRAL_STATUS_RECEIVED],
        );
        for (const { id } of received.rows) {
          if (accepting.has(id) || accepted.has(id) || accepting.size >= ACCEPTING_AT_ONCE) continue;
          if ((retryAfter.get(id) ?? 0) > performance.now()) continue;
          accepting.add(id);
          const started = performance.now();
          inbox
            .call("acceptReferral", { referralId: id })
            .then(
              () => {
                accepted.add(id);
                acceptLatencies.push(performance.now() - started);
              },
              (error) => {
                const code = grpcCode(error);
                acceptErrors.set(code, (acceptErrors.get(code) ?? 0) + 1);
                if (!acceptFailures.has(code)) acceptFailures.set(code, (error as Error).message);
                retryAfter.set(id, performance.now() + 1000);
              },
            )
            .finally(() => accepting.delete(id));
        }
        await sleep(50);
      }
      while (accepting.size > 0) await sleep(20);
    } finally {
      await db.end();
    }
  })();

  // ------------------------------------------------------------------ the load

  // A few channels, as several caseworkers' machines would open; one caller identity is enough.
  const intakes = Array.from({ length: 4 }, () => api.intake());
  const createErrors = new Map<string, number>();
  const warmupErrors = new Map<string, number>();
  const createFailures = new Map<string, string>();
  const createLatencies: number[] = [];
  const measured = new Map<string, number>(); // referral id → wall time the request was sent
  // Intake's answer comes after its commit: the start of a hop that does not count the transaction.
  const answeredAt = new Map<string, number>();
  let created = 0;
  let issued = 0;
  let inFlight = 0;
  let shed = 0;
  let phase: "warmup" | "measure" | "done" = "warmup";

  async function createOne(i: number): Promise<void> {
    const person = people[i % people.length] as { beneficiaryId: string; consentId: string };
    const counted = phase === "measure";
    const sentMs = Date.now();
    const started = performance.now();
    inFlight += 1;
    try {
      const answer = await (intakes[i % intakes.length] as (typeof intakes)[number]).call("createReferral", {
        requestId: uuidv4(),
        beneficiaryId: person.beneficiaryId,
        serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
        priority: Priority.PRIORITY_NORMAL,
        purpose: Purpose.PURPOSE_SERVICE_PROVISION,
        reasonForReferral: "Needs counselling on services (synthetic).",
        consentId: person.consentId,
        routing: { $case: "explicitTarget", value: { organisationId: orgs.mmccGaziantep } },
        dataCategories: [],
      });
      created += 1;
      if (counted) {
        createLatencies.push(performance.now() - started);
        measured.set(answer.referral?.referralId ?? "", sentMs);
        answeredAt.set(answer.referral?.referralId ?? "", Date.now());
      }
    } catch (error) {
      if (counted) createErrors.set(grpcCode(error), (createErrors.get(grpcCode(error)) ?? 0) + 1);
      else warmupErrors.set(grpcCode(error), (warmupErrors.get(grpcCode(error)) ?? 0) + 1);
      if (!createFailures.has(grpcCode(error))) createFailures.set(grpcCode(error), (error as Error).message);
    } finally {
      inFlight -= 1;
    }
  }

  let issuedBeforeMeasure = 0;
  let issuedAtEnd: number | undefined;
  const measuredIssued = () => (phase === "warmup" ? 0 : (issuedAtEnd ?? issued) - issuedBeforeMeasure);
  let measureFromMs = 0;
  let measureToMs = 0;
  const finished = () => {
    if (phase !== "measure") return false;
    return opts.amount.kind === "duration"
      ? performance.now() >= measureFromMs + opts.amount.seconds * 1000
      : measuredIssued() >= opts.amount.referrals;
  };

  async function drive(): Promise<void> {
    const calls = new Set<Promise<void>>();
    const launch = () => {
      const call = createOne(issued);
      issued += 1;
      calls.add(call);
      void call.finally(() => calls.delete(call));
    };
    if (opts.load.kind === "flat-out") {
      await Promise.all(
        Array.from({ length: opts.concurrency }, async () => {
          while (phase !== "done" && !finished()) {
            const call = createOne(issued);
            issued += 1;
            await call;
          }
        }),
      );
    } else {
      // Open loop: each referral is due at its own time whatever happened to the earlier ones.
      const interval = 1000 / opts.load.perSecond;
      let due = performance.now();
      while (phase !== "done" && !finished()) {
        while (performance.now() >= due && !finished()) {
          if (inFlight < opts.concurrency) launch();
          else if (phase === "measure") shed += 1;
          due += interval;
        }
        await sleep(Math.max(0, due - performance.now()));
      }
    }
    await Promise.all(calls);
  }

  const describeLoad =
    opts.load.kind === "rate"
      ? `${opts.load.perSecond} referrals/s (at most ${opts.concurrency} in flight)`
      : `flat out, ${opts.concurrency} callers`;
  log(`warm-up: ${opts.warmupSeconds} s at ${describeLoad}`);
  lag.start();
  const driving = drive();
  await sleep(opts.warmupSeconds * 1000);
  if (created === 0 && opts.warmupSeconds > 0) {
    // Let the first calls finish before judging that nothing works.
    await sleep(5_000);
    if (created === 0) throw new Error("no referral was created during the warm-up: see the errors above");
  }
  const cpuPids = {
    intake: network.pid("intake"),
    municipality: network.pid("municipality"),
    coordination: network.pid("coordination"),
    identity: network.identity.process.pid,
    "nats-server": network.nats.pid,
  };
  const databases = Object.fromEntries(
    (["intake", "municipality", "coordination"] as const).map((s) => [s, network.database(s).name]),
  );
  const adminUrl = network.database("intake").url;
  const cpuBefore = Object.fromEntries(Object.entries(cpuPids).map(([k, pid]) => [k, cpuSeconds(pid) ?? 0]));
  const benchCpuBefore = process.cpuUsage();
  const commitsBefore = await commitCounts(adminUrl, Object.values(databases));
  await lag.openWindow();
  measuringCommits = true;
  issuedBeforeMeasure = issued;
  measureFromMs = performance.now();
  const measureFromWall = Date.now();
  phase = "measure";
  log(
    `measuring: ${opts.amount.kind === "duration" ? `${opts.amount.seconds} s` : `${opts.amount.referrals} referrals`} at ${describeLoad}`,
  );
  // The load loop notices the end itself; stop issuing the moment it does.
  while (!finished()) await sleep(20);
  measureToMs = performance.now();
  issuedAtEnd = issued;
  phase = "done";
  await driving;
  const loadWindowMs = measureToMs - measureFromMs;
  const answeredWindowMs = performance.now() - measureFromMs;
  log(
    `load stopped after ${(loadWindowMs / 1000).toFixed(1)} s; waiting for every hop (≤ ${opts.settleSeconds} s)`,
  );

  // ------------------------------------------------------------------ settle: every hop of every referral

  const settleUntil = performance.now() + opts.settleSeconds * 1000;
  let settled = false;
  while (performance.now() < settleUntil) {
    const atTarget = await count(
      urls.municipality,
      "SELECT count(*) AS n FROM referrals WHERE role = 'target'",
    );
    const done = opts.accept
      ? (await count(
          urls.intake,
          "SELECT count(*) AS n FROM referrals WHERE role = 'referrer' AND status = $1",
          [ReferralStatus.REFERRAL_STATUS_ACCEPTED],
        )) >= created &&
        (await count(
          urls.coordination,
          "SELECT count(*) AS n FROM tracked_referrals WHERE accepted_at IS NOT NULL",
        )) >= created
      : (await count(
          urls.coordination,
          "SELECT count(*) AS n FROM tracked_referrals WHERE received_at IS NOT NULL",
        )) >= created;
    if (atTarget >= created && done) {
      settled = true;
      break;
    }
    if (performance.now() + 250 >= settleUntil)
      log(`at the end of --settle: ${created} created, ${atTarget} at the target, ${accepted.size} accepted`);
    await sleep(250);
  }
  acceptorStopped = true;
  await acceptor;
  await lag.stop();
  const settleWindowMs = performance.now() - measureFromMs;
  const cpuAfter = Object.fromEntries(Object.entries(cpuPids).map(([k, pid]) => [k, cpuSeconds(pid) ?? 0]));
  const benchCpu = process.cpuUsage(benchCpuBefore);
  const commitsAfter = await commitCounts(adminUrl, Object.values(databases));
  const backendCpu = lag.backendCpu();
  if (!settled)
    log(`not every referral finished its hops within ${opts.settleSeconds} s (reported as missing)`);
  log(`load average at end: ${load()}`);
  if (warmupErrors.size > 0)
    log(`warm-up create-referral failures: ${[...warmupErrors].map(([c, n]) => `${c} ${n}`).join(", ")}`);
  for (const [code, message] of createFailures) log(`first CreateReferral failure ${code}: ${message}`);
  for (const [code, message] of acceptFailures) log(`first AcceptReferral failure ${code}: ${message}`);
  // An INTERNAL answer says nothing to the caller, and a consumer's retries show only in its log:
  // every warning and error the services logged, counted by what it says.
  for (const service of ["intake", "municipality", "coordination"] as const) {
    const counts = new Map<string, number>();
    for (const line of network.logs(service).split("\n")) {
      let entry: { level?: number; msg?: string; errorName?: string; err?: { message?: string } };
      try {
        entry = JSON.parse(line);
      } catch {
        continue;
      }
      if ((entry.level ?? 0) < 40) continue;
      const what = `level ${entry.level} ${entry.msg ?? ""} ${entry.errorName ?? ""} ${entry.err?.message ?? ""}`;
      counts.set(what.slice(0, 300), (counts.get(what.slice(0, 300)) ?? 0) + 1);
    }
    for (const [what, n] of [...counts].sort((a, b) => b[1] - a[1]).slice(0, 8))
      log(`${service} logged ${n} × ${what}`);
  }

  // ------------------------------------------------------------------ hops, from the databases' own timestamps

  const inMeasure = (referralId: string) => measured.has(referralId);
  const requested = (await outboxRows(urls.intake, EVENTS.referralRequested.type)).filter((r) =>
    inMeasure(r.referralId),
  );
  const targetInbox = await inboxTimes(urls.municipality, EVENTS.referralRequested.type);
  const statuses = (await statusOutboxRows(urls.municipality, EVENTS.referralStatusChanged.type)).filter(
    (r) => inMeasure(r.referralId),
  );
  const referrerInbox = await inboxTimes(urls.intake, EVENTS.referralStatusChanged.type, /-status$/);
  const coordinationInbox = await inboxTimes(
    urls.coordination,
    EVENTS.referralStatusChanged.type,
    /-status$/,
  );
  log(
    `consumers: target ${targetInbox.used} (of ${targetInbox.consumers.join(",")}); referrer ${referrerInbox.used}; coordination ${coordinationInbox.used} (of ${coordinationInbox.consumers.join(",")})`,
  );

  const byEvent = (rows: { eventId: string; createdMs: number }[]) =>
    new Map(rows.map((r) => [r.eventId, r.createdMs]));
  const hopCreated = pairLatencies(byEvent(requested), targetInbox.times);
  const acceptedEvents = statuses.filter((s) => s.toStatus === ReferralStatus.REFERRAL_STATUS_ACCEPTED);
  const hopAccepted = pairLatencies(byEvent(acceptedEvents), referrerInbox.times);
  const hopCoordination = pairLatencies(byEvent(statuses), coordinationInbox.times);
  // The caller's view: request sent → the target's inbox row (one clock: the machine's).
  const sentByEvent = new Map(requested.map((r) => [r.eventId, measured.get(r.referralId) as number]));
  const hopSentToTarget = pairLatencies(sentByEvent, targetInbox.times);
  const answeredByEvent = new Map(requested.map((r) => [r.eventId, answeredAt.get(r.referralId) as number]));
  const hopAnsweredToTarget = pairLatencies(answeredByEvent, targetInbox.times);
  const outboxLag = [...requested, ...statuses].flatMap((r) =>
    r.sentMs === undefined ? [] : [r.sentMs - r.createdMs],
  );

  const receivedTimes = requested.flatMap((r) => targetInbox.times.get(r.eventId) ?? []);
  const informedTimes = acceptedEvents.flatMap((r) => referrerInbox.times.get(r.eventId) ?? []);

  const report = buildReport({
    opts,
    raw,
    createdPerSecond: perSecond(measured.size, answeredWindowMs),
    offeredPerSecond: perSecond(measuredIssued(), loadWindowMs),
    receivedPerSecond: sustainedRate(receivedTimes),
    informedPerSecond: sustainedRate(informedTimes),
    createCall: summarise(createLatencies),
    acceptCall: summarise(acceptLatencies),
    hops: {
      created: { ...summarise(hopCreated.latencies), missing: hopCreated.unmatched },
      sentToTarget: { ...summarise(hopSentToTarget.latencies), missing: hopSentToTarget.unmatched },
      answeredToTarget: {
        ...summarise(hopAnsweredToTarget.latencies),
        missing: hopAnsweredToTarget.unmatched,
      },
      accepted: { ...summarise(hopAccepted.latencies), missing: hopAccepted.unmatched },
      coordination: { ...summarise(hopCoordination.latencies), missing: hopCoordination.unmatched },
    },
    outboxLag: summarise(outboxLag),
    lag,
    errors: {
      attempts: measuredIssued(),
      create: createErrors,
      accept: acceptErrors,
      shed,
      notCreated: measuredIssued() - measured.size,
      unsettled: settled ? 0 : 1,
    },
    cpu: {
      windowMs: settleWindowMs,
      referrals: measured.size,
      processes: Object.fromEntries(
        Object.keys(cpuPids).map((k) => [k, (cpuAfter[k] ?? 0) - (cpuBefore[k] ?? 0)]),
      ),
      bench: (benchCpu.user + benchCpu.system) / 1e6,
      postgres: Object.fromEntries(
        Object.entries(databases).map(([service, name]) => [
          service,
          {
            cpu: backendCpu[service] ?? 0,
            commits:
              (commitsAfter.get(name) ?? 0) -
              (commitsBefore.get(name) ?? 0) -
              (lag.ownQueries.get(service) ?? 0) -
              (service === "municipality" ? acceptorPolls : 0),
          },
        ]),
      ),
    },
    started: new Date(measureFromWall).toISOString(),
    loadAverage: load(),
  });
  console.log(report);
}

// ------------------------------------------------------------------ the report

interface HopSummary extends Summary {
  missing: number;
}

interface ReportInput {
  opts: NetworkBenchOptions;
  raw: RawBounds;
  createdPerSecond: number;
  offeredPerSecond: number;
  receivedPerSecond: number;
  informedPerSecond: number;
  createCall: Summary;
  acceptCall: Summary;
  hops: {
    created: HopSummary;
    sentToTarget: HopSummary;
    answeredToTarget: HopSummary;
    accepted: HopSummary;
    coordination: HopSummary;
  };
  outboxLag: Summary;
  lag: LagSampler;
  errors: {
    attempts: number;
    create: Map<string, number>;
    accept: Map<string, number>;
    shed: number;
    notCreated: number;
    unsettled: number;
  };
  cpu: {
    windowMs: number;
    referrals: number;
    processes: Record<string, number>;
    bench: number;
    postgres: Record<string, { cpu: number; commits: number }>;
  };
  started: string;
  loadAverage: string;
}

function buildReport(r: ReportInput): string {
  const { raw } = r;
  // A hop must at least commit at the producer (row + outbox), be published once and commit at
  // the consumer (inbox + effect, about the same work): the sum of the raw figures' percentiles.
  const hopBound = {
    p50: 2 * raw.rowOutbox1.latency.p50 + raw.jetstreamPublish.latency.p50,
    p99: 2 * raw.rowOutbox1.latency.p99 + raw.jetstreamPublish.latency.p99,
  };
  const lines: string[] = [];
  const mode =
    r.opts.load.kind === "rate"
      ? `--rate ${r.opts.load.perSecond}`
      : `--flat-out --concurrency ${r.opts.concurrency}`;
  lines.push(`## bench:network ${mode}, measured from ${r.started}, load average at end ${r.loadAverage}`);
  lines.push("");
  lines.push("| raw bound (same run) | per second | p50 ms | p99 ms |");
  lines.push("|---|---:|---:|---:|");
  const rawRow = (label: string, m: RawBounds[keyof RawBounds]) =>
    `| ${label} | ${fmt(m.perSecond, 0)} | ${fmt(m.latency.p50, 2)} | ${fmt(m.latency.p99, 2)} |`;
  lines.push(rawRow("JetStream publish, one publisher, acked", raw.jetstreamPublish));
  lines.push(rawRow("PostgreSQL one-row commit, 8 connections", raw.pgCommit8));
  lines.push(rawRow("referral row + outbox row transaction, 8 connections", raw.rowOutbox8));
  lines.push(rawRow("referral row + outbox row transaction, 1 connection", raw.rowOutbox1));
  lines.push(
    `| hop bound: 2 × row + outbox (1 connection) + publish | | ${fmt(hopBound.p50, 2)} | ${fmt(hopBound.p99, 2)} |`,
  );
  lines.push("");
  lines.push("| network figure | value | ÷ raw bound | bound |");
  lines.push("|---|---:|---:|---|");
  const rate = (label: string, value: number) => {
    lines.push(
      `| ${label} | ${fmt(value, 1)}/s | ${fmt(ratio(value, raw.rowOutbox8.perSecond), 3)} | row + outbox, 8 conn. |`,
    );
  };
  if (r.opts.load.kind === "rate") rate("referrals offered", r.offeredPerSecond);
  rate("referrals created (intake answered)", r.createdPerSecond);
  rate("referrals received at the target (sustained)", r.receivedPerSecond);
  if (r.opts.accept) rate("acceptances seen by the referrer (sustained)", r.informedPerSecond);
  lines.push(
    `| referrals created ÷ PostgreSQL commits | | ${fmt(ratio(r.createdPerSecond, raw.pgCommit8.perSecond), 3)} | one-row commit, 8 conn. |`,
  );
  const latency = (
    label: string,
    s: Summary & { missing?: number },
    bound: { p50: number; p99: number },
    name: string,
  ) => {
    const missing = s.missing ? `, ${s.missing} missing` : "";
    lines.push(
      `| ${label} p50 / p99 (n ${s.count}${missing}) | ${fmt(s.p50)} / ${fmt(s.p99)} ms | ${fmt(ratio(s.p50, bound.p50))} / ${fmt(ratio(s.p99, bound.p99))} | ${name} |`,
    );
  };
  latency("hop created → received at the target", r.hops.created, hopBound, "hop bound");
  if (r.opts.accept) latency("hop accepted → referrer informed", r.hops.accepted, hopBound, "hop bound");
  latency("hop status → coordination (tracking row)", r.hops.coordination, hopBound, "hop bound");
  latency("request sent → received at the target", r.hops.sentToTarget, hopBound, "hop bound");
  latency("intake answered → received at the target", r.hops.answeredToTarget, hopBound, "hop bound");
  const commit1 = { p50: raw.rowOutbox1.latency.p50, p99: raw.rowOutbox1.latency.p99 };
  latency("CreateReferral call", r.createCall, commit1, "row + outbox, 1 conn.");
  if (r.opts.accept) latency("AcceptReferral call", r.acceptCall, commit1, "row + outbox, 1 conn.");
  latency("outbox lag (commit → relay claims it)", r.outboxLag, commit1, "row + outbox, 1 conn.");
  const publishRate = raw.jetstreamPublish.perSecond;
  const worst = (map: Map<string, { max: number; mean: number }>) =>
    [...map].sort((a, b) => b[1].max - a[1].max).slice(0, 3);
  for (const [name, g] of worst(r.lag.pending))
    lines.push(
      `| consumer num_pending max / mean: ${name} | ${fmt(g.max, 0)} / ${fmt(g.mean)} | ${fmt((g.max / publishRate) * 1000)} ms | of raw publishing |`,
    );
  for (const [name, g] of worst(r.lag.ackPending))
    lines.push(
      `| consumer num_ack_pending max / mean: ${name} | ${fmt(g.max, 0)} / ${fmt(g.mean)} | ${fmt((g.max / publishRate) * 1000)} ms | of raw publishing |`,
    );
  for (const [name, g] of r.lag.outboxBacklog)
    lines.push(
      `| unsent outbox rows max / mean: ${name} | ${fmt(g.max, 0)} / ${fmt(g.mean)} | ${fmt((g.max / publishRate) * 1000)} ms | of raw publishing |`,
    );
  const errorCount = [...r.errors.create.values()].reduce((a, b) => a + b, 0);
  const acceptErrors = [...r.errors.accept.values()].reduce((a, b) => a + b, 0);
  const codes = (m: Map<string, number>) => [...m].map(([k, v]) => `${k} ${v}`).join(", ") || "none";
  lines.push(
    `| CreateReferral errors | ${errorCount} (${codes(r.errors.create)}) | ${fmt(ratio(errorCount, r.errors.attempts), 4)} | of attempts |`,
  );
  if (r.opts.accept)
    lines.push(`| AcceptReferral errors | ${acceptErrors} (${codes(r.errors.accept)}) | | |`);
  if (r.errors.shed > 0)
    lines.push(`| not offered: ${r.opts.concurrency} calls already in flight | ${r.errors.shed} | | |`);
  if (r.errors.unsettled) lines.push("| hops unfinished at the end of --settle | yes (see missing) | | |");
  lines.push("");
  const windowS = r.cpu.windowMs / 1000;
  lines.push(
    `CPU from the start of the measured load until every hop settled (${fmt(windowS)} s, ${r.cpu.referrals} referrals; the machine has ${fmt(2 * windowS)} core-seconds in that time):`,
  );
  lines.push("");
  lines.push(
    "| process | CPU s | share of 2 cores | ms per referral | commits per referral (the bench's own reads taken off) |",
  );
  lines.push("|---|---:|---:|---:|---:|");
  const cpuRow = (label: string, seconds: number, commits?: number) =>
    lines.push(
      `| ${label} | ${fmt(seconds, 2)} | ${fmt((seconds / (2 * windowS)) * 100)} % | ${fmt((seconds * 1000) / r.cpu.referrals, 2)} | ${commits === undefined ? "" : fmt(commits / r.cpu.referrals, 2)} |`,
    );
  for (const [name, seconds] of Object.entries(r.cpu.processes)) cpuRow(name, seconds);
  for (const [service, pg] of Object.entries(r.cpu.postgres))
    cpuRow(`PostgreSQL backends of ${service}`, pg.cpu, pg.commits);
  cpuRow("the bench itself (load, acceptor, samplers)", r.cpu.bench);
  return lines.join("\n");
}
