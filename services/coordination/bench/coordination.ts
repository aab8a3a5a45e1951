// Coordination's figures and overdue list at scale (ADR 0029): N referral lifecycles published to a
// JetStream of the bench's own and applied by coordination's real consumers into a fresh PostgreSQL
// database, then every GetReferralFigures grouping and the overdue lists timed over gRPC, beside raw
// bounds measured in the same run on the same database.
//
//   pnpm bench:coordination                  # 1,000,000 referrals over 365 days
//   pnpm bench:coordination --count 100000 --days 365 --runs 30
//
// Prints the load (publish and apply rates, fold lag), then p50/p95/p99 per call. Uses PostgreSQL
// from DATABASE_URL / 127.0.0.1:5432 (a database of its own, dropped at the end) and starts its own
// nats-server (store in a temp dir, removed at the end), so no other consumer sees its traffic.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { encodeEvent, provisionStreams } from "@kopru/bus";
import {
  CoordinationServiceClient,
  GetReferralFiguresRequest,
  ListOrganisationsRequest,
  ListOverdueReferralsRequest,
} from "@kopru/contracts/coordination/v1/coordination_service";
import { FigureDimension } from "@kopru/contracts/coordination/v1/tracking";
import { EVENTS, NETWORK_LAYOUT, STREAMS } from "@kopru/events";
import {
  authorizationMetadata,
  callUnary,
  channelCredentials,
  serviceAudience,
  startService,
  type UnaryMethod,
} from "@kopru/service-kit";
import { openDatabase } from "@kopru/storage";
import { connectNats, createTestDatabase, startNatsServer, startTestIssuer } from "@kopru/testing";
import { figureGroups } from "../src/adapters/persistence/figure-rollup.js";
import { coordinationSpec } from "../src/app.js";
import { type Lifecycle, lifecycle, networkShape, random } from "./lifecycles.js";

const { values: args } = parseArgs({
  options: {
    count: { type: "string", default: "1000000" },
    days: { type: "string", default: "365" },
    runs: { type: "string", default: "30" },
    seed: { type: "string", default: "2029" },
    // Keep the loaded database (prints its URL) / measure one kept earlier, without loading again.
    keep: { type: "boolean", default: false },
    database: { type: "string" },
  },
});
const COUNT = Number(args.count);
const DAYS = Number(args.days);
const RUNS = Number(args.runs);
const DAY = 86_400_000;

const suffix = randomBytes(4).toString("hex");
const log = (line: string) => console.log(line);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}
const fmt = (v: number) => v.toFixed(1);

log(
  args.database
    ? `# coordination bench: measuring the database given (run ${suffix})`
    : `# coordination bench: ${COUNT.toLocaleString("en")} referrals over ${DAYS} days (run ${suffix})`,
);
log(
  `machine: ${cpus().length} cores, load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")}`,
);

const nats = await startNatsServer();
const natsConn = await connectNats({ url: nats.url });
await provisionStreams(natsConn.jsm, NETWORK_LAYOUT);
const database = args.database
  ? { url: args.database, drop: async () => {} }
  : await createTestDatabase({ prefix: "coordination_bench" });
const issuer = await startTestIssuer();
const dataDir = await mkdtemp(join(tmpdir(), "kopru-coordination-bench-"));
const consumerName = `coordination-status-bench-${suffix}`;
const service = await startService(coordinationSpec({ trackingConsumerName: consumerName }), {
  NATS_URL: nats.url,
  DATABASE_URL: database.url,
  DATA_DIR: dataDir,
  GRPC_PORT: "0",
  LOG_LEVEL: "warn",
  ...issuer.serviceEnv(),
});
const db = await openDatabase({ service: "coordination-bench", url: database.url, poolSize: 2 });
const client = new CoordinationServiceClient(service.grpc.address, channelCredentials("plaintext"));
// Minted again once a minute: loading a large database outlasts one token's lifetime.
let token = { value: "", minted: 0 };
async function coordinatorToken(): Promise<string> {
  if (!token.value || performance.now() - token.minted > 60_000) {
    const value = await issuer.mint(
      { organisationId: `iom-${suffix}`, actorId: "bench", roles: ["coordinator"] },
      serviceAudience("coordination"),
    );
    token = { value, minted: performance.now() };
  }
  return token.value;
}
const call = async <Req, Res>(method: UnaryMethod<Req, Res>, request: Req) =>
  callUnary(client, method, request, authorizationMetadata(await coordinatorToken()));

const figures = (request: Parameters<typeof GetReferralFiguresRequest.fromPartial>[0]) =>
  call(client.getReferralFigures, GetReferralFiguresRequest.fromPartial(request));
const overdueList = (request: Parameters<typeof ListOverdueReferralsRequest.fromPartial>[0]) =>
  call(client.listOverdueReferrals, ListOverdueReferralsRequest.fromPartial(request));

try {
  // ------------------------------------------------------------------ load
  const kept = args.database
    ? await db.query<{ now: Date; suffix: string }>(
        "SELECT max(requested_at) + interval '1 hour' AS now, split_part(min(target_organisation_id), '-', 3) AS suffix FROM tracked_referrals",
      )
    : undefined;
  const now = kept?.rows[0]?.now ?? new Date();
  const shape = networkShape(kept?.rows[0]?.suffix ?? suffix, now, DAYS);
  const rnd = random(Number(args.seed));
  let statusEvents = 0;
  let outcomeEvents = 0;
  let followUpEvents = 0;
  const inFlight = new Set<Promise<unknown>>();
  const producer = { organisationId: "bench", service: "bench" };
  async function publish<T>(
    definition: Parameters<typeof encodeEvent<T>>[0]["definition"],
    payload: T,
    aggregate: { type: string; id: string; sequence: number },
    occurredAt?: Date,
  ) {
    const encoded = encodeEvent({ definition, payload, aggregate, occurredAt }, producer);
    // The consumer reads the aggregate from the envelope; the message id de-duplicates.
    const p = natsConn.js.publish(encoded.subject, encoded.envelope, {
      msgID: encoded.eventId,
      timeout: 60_000,
    });
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
    if (inFlight.size >= 1_000) await Promise.race(inFlight);
  }
  const publishLifecycle = async (l: Lifecycle) => {
    for (const e of l.status) {
      await publish(
        EVENTS.referralStatusChanged,
        e,
        { type: "referral", id: e.referralId, sequence: e.sequence },
        e.occurredAt,
      );
      statusEvents += 1;
    }
    for (const o of l.outcomes) {
      await publish(EVENTS.referralOutcomeReported, o.report, {
        type: "referral-outcome",
        id: o.report.referralId,
        sequence: o.version,
      });
      outcomeEvents += 1;
    }
    for (const f of l.followUps) {
      await publish(EVENTS.referralFollowUpChanged, f, {
        type: "referral-follow-up",
        id: f.referralId,
        sequence: f.sequence,
      });
      followUpEvents += 1;
    }
  };
  if (!args.database) {
    const loadStarted = performance.now();
    for (let i = 0; i < COUNT; i += 1) {
      await publishLifecycle(lifecycle(rnd, shape));
      if ((i + 1) % 100_000 === 0)
        log(
          `  published ${(i + 1).toLocaleString("en")} referrals (${seconds(performance.now() - loadStarted)})`,
        );
    }
    await Promise.all(inFlight);
    const published = performance.now() - loadStarted;
    const events = statusEvents + outcomeEvents + followUpEvents;
    log(
      `published ${events.toLocaleString("en")} events (${statusEvents} status, ${outcomeEvents} outcome, ${followUpEvents} follow-up) in ${seconds(published)}: ${Math.round(events / (published / 1000))} events/s`,
    );

    const consumers = [
      consumerName,
      `${consumerName.replace(/-status$/, "")}-outcome`,
      `${consumerName.replace(/-status$/, "")}-followup`,
    ];
    let lastReport = 0;
    for (;;) {
      let pending = 0;
      for (const name of consumers) {
        const info = await natsConn.jsm.consumers.info(STREAMS.referral.name, name);
        pending += info.num_pending + info.num_ack_pending;
      }
      if (pending === 0) break;
      if (performance.now() - lastReport > 60_000) {
        lastReport = performance.now();
        log(
          `  ${pending.toLocaleString("en")} events still to apply (${seconds(performance.now() - loadStarted)})`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
    const applied = performance.now() - loadStarted;
    log(
      `applied every event ${seconds(applied)} after the first publish: ${Math.round(events / (applied / 1000))} events/s, ${Math.round(COUNT / (applied / 1000))} referrals/s`,
    );
    const tracked = await db.query<{ n: number }>("SELECT count(*)::integer AS n FROM tracked_referrals");
    if (tracked.rows[0]?.n !== COUNT)
      throw new Error(`tracked ${tracked.rows[0]?.n} referrals, published ${COUNT}`);
    for (;;) {
      const pending = await db.query<{ n: number }>("SELECT count(*)::integer AS n FROM figure_dirty");
      if (pending.rows[0]?.n === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    const folded = performance.now() - loadStarted;
    log(`every delta folded ${seconds(folded - applied)} after the last event was applied`);
    await db.query("VACUUM ANALYZE");
    const sizes = await db.query<{ relname: string; rows: number; size: string }>(
      `SELECT relname, n_live_tup::bigint AS rows, pg_size_pretty(pg_total_relation_size(relid)) AS size
       FROM pg_stat_user_tables WHERE relname IN ('tracked_referrals', 'tracked_events', 'figure_cells', 'figure_durations', 'figure_deadlines', 'figure_contributions')
      ORDER BY relname`,
    );
    for (const row of sizes.rows)
      log(`  ${row.relname}: ${Number(row.rows).toLocaleString("en")} rows, ${row.size}`);
  }
  // ------------------------------------------------------------------ queries
  const results: { name: string; samples: number[] }[] = [];
  async function time(name: string, run: () => Promise<unknown>, runs = RUNS) {
    await run(); // warm
    const samples: number[] = [];
    for (let i = 0; i < runs; i += 1) {
      const started = performance.now();
      await run();
      samples.push(performance.now() - started);
    }
    results.push({ name, samples });
  }
  // Raw bounds on the same database: the gRPC floor, one indexed row, one pass over the table.
  await time("raw: ListOrganisations (gRPC floor)", () =>
    call(client.listOrganisations, ListOrganisationsRequest.fromPartial({ page: { pageSize: 1 } })),
  );
  const some = await db.query<{ referral_id: string }>("SELECT referral_id FROM tracked_referrals LIMIT 1");
  await time("raw: one referral by id (SQL)", () =>
    db.query("SELECT * FROM tracked_referrals WHERE referral_id = $1", [some.rows[0]?.referral_id]),
  );
  await time(
    "raw: SELECT count(*) FROM tracked_referrals",
    () => db.query("SELECT count(*) FROM tracked_referrals"),
    5,
  );

  const dimensions: [string, FigureDimension[]][] = [
    ["total", []],
    ["target organisation", [FigureDimension.FIGURE_DIMENSION_TARGET_ORGANISATION]],
    ["referrer organisation", [FigureDimension.FIGURE_DIMENSION_REFERRER_ORGANISATION]],
    ["service type", [FigureDimension.FIGURE_DIMENSION_SERVICE_TYPE]],
    ["province", [FigureDimension.FIGURE_DIMENSION_PROVINCE]],
    ["priority", [FigureDimension.FIGURE_DIMENSION_PRIORITY]],
    ["sex", [FigureDimension.FIGURE_DIMENSION_SEX]],
    ["age band", [FigureDimension.FIGURE_DIMENSION_AGE_BAND]],
    ["disability", [FigureDimension.FIGURE_DIMENSION_DISABILITY_STATUS]],
    ["nationality", [FigureDimension.FIGURE_DIMENSION_NATIONALITY]],
  ];
  // The dashboard's default: the last 30 days from a local (Türkiye, UTC+3) midnight, so both ends
  // fall inside a UTC day and the partial days come from the rows.
  const localMidnight = new Date(Math.floor((now.getTime() + 3 * 3_600_000) / DAY) * DAY - 3 * 3_600_000);
  const last30 = {
    start: new Date(localMidnight.getTime() - 30 * DAY),
    end: new Date(localMidnight.getTime() + DAY),
  };
  for (const [label, groupBy] of dimensions) {
    await time(`figures by ${label}, all time`, () => figures({ filter: undefined, groupBy }));
    await time(`figures by ${label}, last 30 days`, () =>
      figures({ filter: { requested: last30 }, groupBy }),
    );
  }
  await time("figures by target, filtered to 3 targets, last 30 days", () =>
    figures({
      filter: { requested: last30, targetOrganisationIds: shape.targets.slice(0, 3) },
      groupBy: [FigureDimension.FIGURE_DIMENSION_TARGET_ORGANISATION],
    }),
  );
  const page = { pageSize: 50, pageToken: "" };
  await time("overdue list, first page", () => overdueList({ page }));
  await time("overdue list with expired, first page", () => overdueList({ page, includeExpired: true }));
  await time("overdue list with expired, page 20", () =>
    overdueList({
      page: { pageSize: 50, pageToken: (950).toString(36) },
      includeExpired: true,
    }),
  );
  await time("follow-up overdue list, first page", () => overdueList({ page, followUp: true }));
  await time("overdue list of one target", () =>
    overdueList({ page, targetOrganisationIds: shape.targets.slice(0, 1) }),
  );
  // What the rollup replaces: the same figures computed from every row (the query layer, 3 runs).
  const everything = {
    targetOrganisationIds: [],
    referrerOrganisationIds: [],
    serviceTypes: [],
    provinceCodes: [],
    priorities: [],
    sexes: [],
    ageBands: [],
    disabilityStatuses: [],
    nationalities: [],
  };
  await time("query layer, rollup: total, all time", () => figureGroups(db, everything, [], new Date()));
  await time("query layer, rollup: by province, all time", () =>
    figureGroups(db, everything, ["province_code"], new Date()),
  );
  await time(
    "from the rows (no rollup): total, all time",
    () => figureGroups(db, everything, [], new Date(), { fromRows: true }),
    3,
  );
  await time(
    "from the rows (no rollup): by province, all time",
    () => figureGroups(db, everything, ["province_code"], new Date(), { fromRows: true }),
    3,
  );
  await time(
    "multi-dimension (rows): target × service type, last 30 days",
    () =>
      figures({
        filter: { requested: last30 },
        groupBy: [
          FigureDimension.FIGURE_DIMENSION_TARGET_ORGANISATION,
          FigureDimension.FIGURE_DIMENSION_SERVICE_TYPE,
        ],
      }),
    3,
  );

  log("");
  log("| call | runs | p50 ms | p95 ms | p99 ms |");
  log("| --- | ---: | ---: | ---: | ---: |");
  for (const { name, samples } of results) {
    log(
      `| ${name} | ${samples.length} | ${fmt(percentile(samples, 50))} | ${fmt(percentile(samples, 95))} | ${fmt(percentile(samples, 99))} |`,
    );
  }
  const overdue = await overdueList({ page, includeExpired: true });
  log(`overdue list total (with expired): ${(overdue as { page?: { totalSize?: number } }).page?.totalSize}`);
  log(
    `load average at the end: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}`,
  );
} finally {
  client.close();
  await service.stop();
  await db.close();
  await natsConn.close();
  await nats.close();
  if (args.keep) log(`kept the database: ${database.url}`);
  else await database.drop();
  await issuer.close();
  await rm(dataDir, { recursive: true, force: true });
}
