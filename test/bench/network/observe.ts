// What the network bench reads while and after the load runs: the timestamps each service's
// database already records (outbox rows, inbox rows, transitions), JetStream's consumer info, the
// services' CPU from /proc and PostgreSQL's commit counters. Nothing here adds a code path to a
// service.

import { readFileSync } from "node:fs";
import type { NatsTestConnection } from "@kopru/testing";
import pg from "pg";
import { query } from "../../support/database.js";
import { Gauge } from "./stats.js";

/** Milliseconds since the epoch of a timestamptz column, computed by PostgreSQL (one clock for every database). */
const MS = (column: string) => `(extract(epoch FROM ${column}) * 1000)::float8`;

export interface OutboxRow {
  eventId: string;
  referralId: string;
  createdMs: number;
  sentMs: number | undefined;
}

/**
 * Outbox rows of one event type. `created_at` is `now()` of the writing transaction (its start) and
 * `sent_at` that of the relay's transaction that claimed and published the row.
 */
export async function outboxRows(url: string, eventType: string): Promise<OutboxRow[]> {
  const found = await query<{
    event_id: string;
    aggregate_id: string;
    created_ms: number;
    sent_ms: number | null;
  }>(
    url,
    `SELECT event_id::text, aggregate_id, ${MS("created_at")} AS created_ms, ${MS("sent_at")} AS sent_ms
       FROM kopru_outbox WHERE event_type = $1`,
    [eventType],
  );
  return found.map((r) => ({
    eventId: r.event_id,
    referralId: r.aggregate_id,
    createdMs: r.created_ms,
    sentMs: r.sent_ms ?? undefined,
  }));
}

/** The target's status events with the status each moved to (from its own transitions). */
export async function statusOutboxRows(
  url: string,
  eventType: string,
): Promise<(OutboxRow & { toStatus: number })[]> {
  const found = await query<{
    event_id: string;
    aggregate_id: string;
    to_status: number;
    created_ms: number;
    sent_ms: number | null;
  }>(
    url,
    `SELECT o.event_id::text, o.aggregate_id, t.to_status, ${MS("o.created_at")} AS created_ms,
            ${MS("o.sent_at")} AS sent_ms
       FROM kopru_outbox o
       JOIN referral_transitions t
         ON t.referral_id::text = o.aggregate_id AND t.role = 'target' AND t.sequence = o.aggregate_sequence
      WHERE o.event_type = $1`,
    [eventType],
  );
  return found.map((r) => ({
    eventId: r.event_id,
    referralId: r.aggregate_id,
    toStatus: r.to_status,
    createdMs: r.created_ms,
    sentMs: r.sent_ms ?? undefined,
  }));
}

/**
 * When a consumer applied each event of a type (`processed_at`: `now()` of the consumer's
 * transaction). Several consumers of a database may take the same event: the one whose name matches
 * `prefer` is used when it has any, otherwise the earliest. Returns the consumers seen, for the report.
 */
export async function inboxTimes(
  url: string,
  eventType: string,
  prefer?: RegExp,
): Promise<{ times: Map<string, number>; consumers: string[]; used: string }> {
  const found = await query<{ consumer: string; event_id: string; at: number }>(
    url,
    `SELECT consumer, event_id::text, ${MS("processed_at")} AS at
       FROM kopru_inbox WHERE event_type = $1 AND status = 'applied'`,
    [eventType],
  );
  const consumers = [...new Set(found.map((r) => r.consumer))].sort();
  const chosen = prefer ? consumers.filter((c) => prefer.test(c)) : [];
  const use = chosen.length > 0 ? new Set(chosen) : new Set(consumers);
  const times = new Map<string, number>();
  for (const r of found) {
    if (!use.has(r.consumer)) continue;
    const seen = times.get(r.event_id);
    if (seen === undefined || r.at < seen) times.set(r.event_id, r.at);
  }
  return { times, consumers, used: [...use].join(",") };
}

/** Count of rows a query returns as `n`, for the settle loop. */
export async function count(url: string, text: string, params: unknown[] = []): Promise<number> {
  const [row] = await query<{ n: string }>(url, text, params);
  return Number(row?.n ?? 0);
}

// ------------------------------------------------------------------ sampled while the load runs

/**
 * Samples every durable consumer of every stream (num_pending: not yet delivered; num_ack_pending:
 * delivered, not yet acknowledged) and each database's unsent outbox rows, every `everyMs`.
 */
export class LagSampler {
  readonly pending = new Map<string, Gauge>();
  readonly ackPending = new Map<string, Gauge>();
  readonly outboxBacklog = new Map<string, Gauge>();
  private stopped = false;
  private running: Promise<void> | undefined;
  private readonly pools = new Map<string, pg.Pool>();

  /** Per PostgreSQL backend: its database's label and CPU seconds when first and last seen. */
  private readonly backends = new Map<number, { label: string; first: number; last: number }>();
  private windowOpen = false;
  /** Queries this sampler made on each database since `openWindow` (each one a commit there). */
  readonly ownQueries = new Map<string, number>();

  constructor(
    private readonly jsm: NatsTestConnection["jsm"],
    /** label → URL: each database's outbox backlog, and the CPU of its backends. */
    private readonly databases: Record<string, string>,
    private readonly everyMs = 500,
  ) {
    for (const [label, url] of Object.entries(databases))
      this.pools.set(label, new pg.Pool({ connectionString: url, max: 1 }));
  }

  /**
   * Starts the CPU account of PostgreSQL's backends: from now on a backend counts what it uses
   * (a pool closes idle connections and opens new ones, so backends are followed by pid between
   * samples; one that comes and goes between two samples is missed).
   */
  async openWindow(): Promise<void> {
    await this.sampleBackends();
    for (const backend of this.backends.values()) backend.first = backend.last;
    this.windowOpen = true;
  }

  /** CPU seconds of each database's backends since `openWindow`. */
  backendCpu(): Record<string, number> {
    const total: Record<string, number> = {};
    for (const label of Object.keys(this.databases)) total[label] = 0;
    for (const b of this.backends.values()) total[b.label] = (total[b.label] ?? 0) + (b.last - b.first);
    return total;
  }

  private countOwn(label: string): void {
    if (this.windowOpen) this.ownQueries.set(label, (this.ownQueries.get(label) ?? 0) + 1);
  }

  private async sampleBackends(): Promise<void> {
    const pool = this.pools.values().next().value as pg.Pool;
    const names = Object.fromEntries(
      Object.entries(this.databases).map(([label, url]) => [new URL(url).pathname.slice(1), label]),
    );
    const found = await pool.query<{ pid: number; datname: string }>(
      "SELECT pid, datname FROM pg_stat_activity WHERE datname = ANY($1)",
      [Object.keys(names)],
    );
    this.countOwn(this.pools.keys().next().value as string);
    for (const { pid, datname } of found.rows) {
      const cpu = cpuSeconds(pid);
      if (cpu === undefined) continue;
      const known = this.backends.get(pid);
      if (known) known.last = cpu;
      // Born inside the window: everything it used is the window's.
      else
        this.backends.set(pid, {
          label: names[datname] as string,
          first: this.windowOpen ? 0 : cpu,
          last: cpu,
        });
    }
  }

  start(): void {
    this.running = (async () => {
      while (!this.stopped) {
        await this.sample().catch(() => {});
        await new Promise((resolve) => setTimeout(resolve, this.everyMs));
      }
    })();
  }

  private async sample(): Promise<void> {
    const streams: string[] = [];
    for await (const name of this.jsm.streams.names()) streams.push(name);
    for (const stream of streams) {
      for await (const info of this.jsm.consumers.list(stream)) {
        const key = `${stream}/${info.name}`;
        gauge(this.pending, key).add(info.num_pending);
        gauge(this.ackPending, key).add(info.num_ack_pending);
      }
    }
    await this.sampleBackends();
    await Promise.all(
      [...this.pools].map(async ([label, pool]) => {
        const result = await pool.query<{ n: string }>(
          "SELECT count(*) AS n FROM kopru_outbox WHERE sent_at IS NULL",
        );
        gauge(this.outboxBacklog, label).add(Number(result.rows[0]?.n ?? 0));
        this.countOwn(label);
      }),
    );
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
    await this.sampleBackends().catch(() => {});
    await Promise.all([...this.pools.values()].map((p) => p.end()));
  }
}

function gauge(map: Map<string, Gauge>, key: string): Gauge {
  let found = map.get(key);
  if (!found) {
    found = new Gauge();
    map.set(key, found);
  }
  return found;
}

// ------------------------------------------------------------------ where the CPU goes

/** user + system CPU seconds of a process so far, from /proc (Linux); undefined when it is gone. */
export function cpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name, which may hold spaces: state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}
// USER_HZ is 100 on every Linux the project runs on (`getconf CLK_TCK`).
const CLOCK_TICKS = 100;

/** Each database's commit counter (pg_stat_database.xact_commit). */
export async function commitCounts(
  adminUrl: string,
  databases: readonly string[],
): Promise<Map<string, number>> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const commits = await client.query<{ datname: string; xact_commit: string }>(
      "SELECT datname, xact_commit FROM pg_stat_database WHERE datname = ANY($1)",
      [databases],
    );
    return new Map(commits.rows.map((c) => [c.datname, Number(c.xact_commit)]));
  } finally {
    await client.end();
  }
}
