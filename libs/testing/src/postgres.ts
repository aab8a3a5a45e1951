import { randomBytes } from "node:crypto";
import { userInfo } from "node:os";
import type { Client } from "pg";
import { containerEngineAvailable, startPostgresContainer } from "./containers.js";
import { PostgresUnavailableError, TestDatabaseError } from "./errors.js";
import { memoisePerProcess, registerTeardown } from "./memo.js";
import { describeError, postgresUnavailableMessage, redactUrl } from "./messages.js";
import { isPortOpen } from "./net.js";
import type { ServerSource } from "./servers.js";

const LOCAL_HOST = "127.0.0.1";
const LOCAL_PORT = 5432;
const CONNECT_TIMEOUT_MS = 3_000;

export interface PostgresServerInfo {
  /** URL of a role that may create databases; test databases are created through it. */
  adminUrl: string;
  source: ServerSource;
}

async function withClient<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  // Loaded on first use: a NATS-only test should not pay for (or be broken by) the pg driver.
  const { Client } = await import("pg");
  const client = new Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  // An idle admin connection dropped by the server must not become an uncaught "error" event.
  client.on("error", () => {});
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Throws unless `url` connects as a role that can create databases. */
async function probeCreateDb(url: string): Promise<void> {
  await withClient(url, async (client) => {
    const { rows } = await client.query<{ ok: boolean }>(
      "SELECT rolcreatedb OR rolsuper AS ok FROM pg_roles WHERE rolname = current_user",
    );
    if (!rows[0]?.ok) throw new Error("the role lacks CREATEDB");
  });
}

/** The resolution itself, uncached; `local` is a parameter only so tests can aim it at a closed port. */
export async function resolvePostgres(
  local = { host: LOCAL_HOST, port: LOCAL_PORT },
): Promise<PostgresServerInfo> {
  // Load the driver outside the probes: a broken install must not read as "server not usable".
  await import("pg");
  const fromEnv = process.env.DATABASE_URL;
  if (fromEnv) {
    try {
      await probeCreateDb(fromEnv);
    } catch (error) {
      throw new PostgresUnavailableError(
        postgresUnavailableMessage({ kind: "env-unusable", url: fromEnv, detail: describeError(error) }),
        { cause: error },
      );
    }
    return { adminUrl: fromEnv, source: "env" };
  }

  if (await containerEngineAvailable()) {
    const started = await startPostgresContainer();
    registerTeardown(started.stop);
    return { adminUrl: started.url, source: "container" };
  }

  const address = `${local.host}:${local.port}`;
  if (!(await isPortOpen(local.host, local.port))) {
    throw new PostgresUnavailableError(postgresUnavailableMessage({ kind: "not-answering", address }));
  }
  const users = [...new Set(["postgres", userInfo().username])];
  const reasons: string[] = [];
  for (const user of users) {
    const url = `postgres://${encodeURIComponent(user)}@${address}/postgres`;
    try {
      await probeCreateDb(url);
      return { adminUrl: url, source: "local" };
    } catch (error) {
      reasons.push(`${user}: ${describeError(error)}`);
    }
  }
  throw new PostgresUnavailableError(
    postgresUnavailableMessage({ kind: "rejected", address, users, detail: reasons.join("; ") }),
  );
}

const postgresMemo = memoisePerProcess("postgres", () => resolvePostgres());

/**
 * The PostgreSQL server tests use, resolved once per process: `DATABASE_URL` (a server to create
 * databases on), else a `postgres:16` container when a container engine answers, else
 * 127.0.0.1:5432 as `postgres` or the current OS user.
 */
export function postgresServer(): Promise<PostgresServerInfo> {
  return postgresMemo.get();
}

export function resetPostgresResolution(): void {
  postgresMemo.reset();
}

export interface CreateTestDatabaseOptions {
  /** Admin URL of the server; default `postgresServer()`. */
  serverUrl?: string;
  /** Readable part of the name (`kopru_t_<prefix>_<random>`), to spot leftovers. */
  prefix?: string;
}

export interface TestDatabase {
  /** Connection URL of the new, empty database (same role and options as the admin URL). */
  url: string;
  name: string;
  /** `DROP DATABASE ... WITH (FORCE)`, closing connections still open; safe to call twice. */
  drop(): Promise<void>;
}

const OBJECT_IN_USE = "55006";

/** A fresh, empty database: each test gets its own schema and rows, with no cleanup between tests. */
export async function createTestDatabase(options: CreateTestDatabaseOptions = {}): Promise<TestDatabase> {
  const adminUrl = options.serverUrl ?? (await postgresServer()).adminUrl;
  const prefix = options.prefix
    ? `${options.prefix
        .toLowerCase()
        .replace(/[^a-z0-9_]/g, "_")
        .slice(0, 30)}_`
    : "";
  const name = `kopru_t_${prefix}${randomBytes(6).toString("hex")}`;

  await withClient(adminUrl, async (client) => {
    // CREATE DATABASE copies template1 and fails while any session is connected to it; that is
    // brief and rare (another tool's probe), so a few retries beat a flaky suite.
    for (let attempt = 1; ; attempt++) {
      try {
        await client.query(`CREATE DATABASE "${name}"`);
        return;
      } catch (error) {
        if ((error as { code?: string }).code !== OBJECT_IN_USE || attempt >= 5) {
          throw new TestDatabaseError(
            `Could not create test database ${name} on ${redactUrl(adminUrl)}: ${describeError(error)}`,
            { cause: error },
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
      }
    }
  });

  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  let dropped: Promise<void> | undefined;
  return {
    url: url.toString(),
    name,
    drop() {
      dropped ??= withClient(adminUrl, async (client) => {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      }).catch((error: unknown) => {
        throw new TestDatabaseError(`Could not drop test database ${name}: ${describeError(error)}`, {
          cause: error,
        });
      });
      return dropped;
    },
  };
}
