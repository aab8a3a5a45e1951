import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { TransactionAbortedError } from "./errors.js";
import { type GroupCommitOptions, type GroupCommitStats, GroupCommitter } from "./group-commit.js";
import { guard } from "./guard.js";
import { PipelinedSession } from "./session.js";

export { isConnectionError } from "./guard.js";

/** What a repository needs: a connection or an open transaction. */
export interface Sql {
  /**
   * Statements sent without awaiting the previous one still reach the server in the order sent, all
   * in one round trip (an open PostgreSQL transaction). See `allInOrder`.
   */
  readonly pipelined?: boolean;
  query<Row extends object = Record<string, unknown>>(
    text: string,
    params?: readonly unknown[],
  ): Promise<QueryResult<Row>>;
  /** Runs several statements at once (migrations). No parameters. */
  exec(text: string): Promise<void>;
}

export interface QueryResult<Row> {
  rows: Row[];
  rowCount: number;
}

export type IsolationLevel = "read committed" | "repeatable read" | "serializable";

export interface TransactionOptions {
  isolation?: IsolationLevel;
}

export interface Database extends Sql {
  readonly kind: "postgres" | "pglite";
  /** Where the data lives, safe to log (no password). */
  readonly location: string;
  transaction<T>(work: (tx: Sql) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /**
   * Runs `work` as one unit of a group commit (ADR 0028): units that arrive while coalesced
   * transactions are in flight share the next transaction, each behind its own savepoint. Resolves
   * with the unit's result only after that transaction committed; rejects with the unit's own error
   * (only its writes are rolled back), or with the transaction's when the COMMIT or the connection
   * failed (then nothing of it committed). Read committed only. Keep units short and inside the
   * database: no external calls, no waiting on other work, every statement awaited. PGlite runs each
   * unit as a transaction of its own.
   */
  runCoalesced<T>(work: (tx: Sql) => Promise<T>): Promise<T>;
  /** What group commit did so far (transactions, units, failures, largest batch). */
  readonly groupCommitStats: GroupCommitStats;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** Service name: names the PGlite data directory and the pool's application_name. */
  service: string;
  /** A PostgreSQL URL. Absent: the embedded PGlite default. */
  url?: string | undefined;
  /** Parent folder of PGlite data directories; absent with no URL: an in-memory database. */
  dataDir?: string | undefined;
  poolSize?: number;
  /**
   * How long a caller waits for a pooled connection (default 5 s) before `DatabaseBusyError`, or for
   * a new connection to open before `DatabaseUnavailableError`.
   */
  connectionTimeoutMs?: number;
  /** Bounds of `runCoalesced` on PostgreSQL (batch size, transactions in flight). */
  groupCommit?: GroupCommitOptions;
}

const INT8_OID = 20;
const NUMERIC_OID = 1700;

/**
 * Opens the service's own database: a PostgreSQL pool when a URL is given, otherwise an embedded
 * PGlite under `<dataDir>/<service>`. Both return int8 and numeric as JS numbers so repository code
 * behaves the same on either (PostgreSQL hands them back as strings by default).
 */
export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  if (options.url) {
    return openPostgres(
      options.url,
      options.service,
      options.poolSize ?? 10,
      options.connectionTimeoutMs ?? 5_000,
      options.groupCommit,
    );
  }
  return openPglite(options.service, options.dataDir);
}

function parseNumber(value: string): number {
  return Number(value);
}

function openPostgres(
  url: string,
  service: string,
  poolSize: number,
  connectionTimeoutMs: number,
  groupCommit: GroupCommitOptions | undefined,
): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    application_name: service,
    connectionTimeoutMillis: connectionTimeoutMs,
    types: {
      getTypeParser: ((oid: number, format?: "text" | "binary") =>
        oid === INT8_OID || oid === NUMERIC_OID
          ? parseNumber
          : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client that loses its server must not crash the process; the next query reports it.
  pool.on("error", () => {});
  const location = redactUrl(url);
  const committer = new GroupCommitter(() => PipelinedSession.open(pool, location), groupCommit);

  const wrap = (client: pg.Pool): Sql => ({
    async query<Row extends object>(text: string, params?: readonly unknown[]) {
      const result = await guard(location, () => client.query(text, params as unknown[] | undefined));
      return { rows: result.rows as Row[], rowCount: result.rowCount ?? 0 };
    },
    async exec(text: string) {
      await guard(location, () => client.query(text));
    },
  });

  return {
    kind: "postgres",
    location,
    ...wrap(pool),
    async transaction(work, options) {
      // BEGIN goes out with the work's first statement, not on a round trip of its own.
      const session = await PipelinedSession.open(pool, location);
      try {
        session.prefix(beginStatement(options));
        const result = await work(session.sql());
        if (session.started && (await session.run("COMMIT")) !== "COMMIT") {
          throw new TransactionAbortedError();
        }
        return result;
      } catch (error) {
        if (!session.broken && session.started) {
          try {
            await session.run("ROLLBACK");
          } catch {
            session.broken = true;
          }
        }
        throw error;
      } finally {
        // A connection that failed mid-transaction is destroyed rather than returned to the pool.
        session.release();
      }
    },
    runCoalesced(work) {
      return committer.run(work);
    },
    get groupCommitStats() {
      return committer.stats;
    },
    async close() {
      await pool.end();
    },
  };
}

async function openPglite(service: string, dataDir: string | undefined): Promise<Database> {
  let dir: string | undefined;
  if (dataDir) {
    dir = resolve(dataDir, service);
    mkdirSync(dir, { recursive: true });
  }
  const db = await PGlite.create(dir, {
    parsers: { [INT8_OID]: parseNumber, [NUMERIC_OID]: parseNumber },
  });
  const location = dir ? `pglite:${dir}` : "pglite:memory";
  const stats: GroupCommitStats = {
    transactions: 0,
    committed: 0,
    failed: 0,
    transactionsFailed: 0,
    largestBatch: 0,
  };

  type PgliteSql = Pick<PGlite, "query" | "exec">;
  const wrap = (target: PgliteSql, onFailure?: () => void): Sql => ({
    async query<Row extends object>(text: string, params?: readonly unknown[]) {
      const result = await target
        .query<Row>(text, params as unknown[] | undefined)
        .catch((error: unknown) => {
          onFailure?.();
          throw error;
        });
      // PGlite reports affectedRows 0 for a SELECT: a statement's count is its rows or its changes.
      return { rows: result.rows, rowCount: Math.max(result.affectedRows ?? 0, result.rows.length) };
    },
    async exec(text: string) {
      await target.exec(text).catch((error: unknown) => {
        onFailure?.();
        throw error;
      });
    },
  });

  const database: Database = {
    kind: "pglite",
    location,
    ...wrap(db),
    async transaction(work, options) {
      // PGlite is one connection: its transaction() holds an exclusive lock, so concurrent
      // transactions queue up instead of interleaving.
      return db.transaction(async (tx) => {
        if (options?.isolation) await tx.exec(`SET TRANSACTION ISOLATION LEVEL ${options.isolation}`);
        let failed = false;
        const result = await work(
          wrap(tx, () => {
            failed = true;
          }),
        );
        // PGlite's COMMIT of an aborted transaction rolls back without a word, as PostgreSQL's does:
        // when a statement failed, ask whether the transaction still stands (a rollback to a
        // savepoint since then makes it stand again).
        if (failed) await tx.query("SELECT 1").catch(() => Promise.reject(new TransactionAbortedError()));
        return result;
      });
    },
    async runCoalesced(work) {
      // One connection already serialises transactions; each unit is its own.
      stats.transactions += 1;
      try {
        const result = await database.transaction(work);
        stats.committed += 1;
        stats.largestBatch = 1;
        return result;
      } catch (error) {
        stats.failed += 1;
        throw error;
      }
    },
    groupCommitStats: stats,
    async close() {
      if (!db.closed) await db.close();
    },
  };
  return database;
}

function beginStatement(options: TransactionOptions | undefined): string {
  return options?.isolation ? `BEGIN ISOLATION LEVEL ${options.isolation.toUpperCase()}` : "BEGIN";
}

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "postgres://(unparseable url)";
  }
}
