import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { DatabaseUnavailableError } from "./errors.js";

/** What a repository needs: a connection or an open transaction. */
export interface Sql {
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
}

const INT8_OID = 20;
const NUMERIC_OID = 1700;

/**
 * Opens the service's own database: a PostgreSQL pool when a URL is given, otherwise an embedded
 * PGlite under `<dataDir>/<service>`. Both return int8 and numeric as JS numbers so repository code
 * behaves the same on either (PostgreSQL hands them back as strings by default).
 */
export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  if (options.url) return openPostgres(options.url, options.service, options.poolSize ?? 10);
  return openPglite(options.service, options.dataDir);
}

function parseNumber(value: string): number {
  return Number(value);
}

function openPostgres(url: string, service: string, poolSize: number): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    application_name: service,
    connectionTimeoutMillis: 5_000,
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

  const wrap = (client: pg.Pool | pg.PoolClient): Sql => ({
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
      const client = await guard(location, () => pool.connect());
      let broken = false;
      // A checked-out client whose server goes away emits 'error'; without a listener that is an
      // uncaught exception. The failing query reports it; here we only mark the client as lost.
      const onLost = () => {
        broken = true;
      };
      client.on("error", onLost);
      try {
        await guard(location, () => client.query(beginStatement(options)));
        const result = await work(wrap(client));
        await guard(location, () => client.query("COMMIT"));
        return result;
      } catch (error) {
        broken = error instanceof DatabaseUnavailableError;
        if (!broken) {
          try {
            await client.query("ROLLBACK");
          } catch {
            broken = true;
          }
        }
        throw error;
      } finally {
        // A connection that failed mid-transaction is destroyed rather than returned to the pool.
        client.off("error", onLost);
        client.release(broken);
      }
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

  type PgliteSql = Pick<PGlite, "query" | "exec">;
  const wrap = (target: PgliteSql): Sql => ({
    async query<Row extends object>(text: string, params?: readonly unknown[]) {
      const result = await target.query<Row>(text, params as unknown[] | undefined);
      // PGlite reports affectedRows 0 for a SELECT: a statement's count is its rows or its changes.
      return { rows: result.rows, rowCount: Math.max(result.affectedRows ?? 0, result.rows.length) };
    },
    async exec(text: string) {
      await target.exec(text);
    },
  });

  return {
    kind: "pglite",
    location,
    ...wrap(db),
    async transaction(work, options) {
      // PGlite is one connection: its transaction() holds an exclusive lock, so concurrent
      // transactions queue up instead of interleaving.
      return db.transaction(async (tx) => {
        if (options?.isolation) await tx.exec(`SET TRANSACTION ISOLATION LEVEL ${options.isolation}`);
        return work(wrap(tx));
      });
    },
    async close() {
      if (!db.closed) await db.close();
    },
  };
}

function beginStatement(options: TransactionOptions | undefined): string {
  return options?.isolation ? `BEGIN ISOLATION LEVEL ${options.isolation.toUpperCase()}` : "BEGIN";
}

// Connection-level failures are retried by callers with backoff; statement errors are not.
const CONNECTION_ERROR_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "57P01", // admin_shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now
  "08000",
  "08001",
  "08003",
  "08004",
  "08006",
]);

export function isConnectionError(error: unknown): boolean {
  if (error instanceof DatabaseUnavailableError) return true;
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && CONNECTION_ERROR_CODES.has(code)) return true;
  return /Connection terminated|connection timeout|Client has encountered a connection error|timeout exceeded when trying to connect/i.test(
    error.message,
  );
}

async function guard<T>(location: string, operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (isConnectionError(error)) throw new DatabaseUnavailableError(location, { cause: error });
    throw error;
  }
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
