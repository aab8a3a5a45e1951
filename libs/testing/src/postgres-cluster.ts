import { execFile } from "node:child_process";
import {
  appendFileSync,
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { reapOnExit, removeOnExit } from "./cleanup.js";
import { freePort } from "./net.js";
import { waitFor } from "./wait.js";

const run = promisify(execFile);

export type PgStopMode = "smart" | "fast" | "immediate";

export interface StartPostgresClusterOptions {
  /** Directory of initdb, pg_ctl and postgres. Default: `PG_BIN_DIR`, else the newest `/usr/lib/postgresql/<v>/bin`. */
  binDir?: string;
  /** Extra `postgresql.conf` settings, e.g. `{ synchronous_commit: "remote_apply" }`. */
  settings?: Record<string, string>;
  /** Seconds pg_ctl waits for a start or a stop. Default 60 (a loaded machine replays WAL slowly). */
  timeoutSeconds?: number;
  /**
   * Make a streaming standby of this cluster instead of a new one (pg_basebackup -R), named
   * `name` as the primary's `synchronous_standby_names` refers to it.
   */
  standbyOf?: { primary: PostgresCluster; name: string };
}

/**
 * A PostgreSQL cluster of the test's own: its own data directory (initdb into a temp dir), its own
 * loopback port and socket directory, started and stopped with pg_ctl. A test may crash it
 * (`stop("immediate")`: no shutdown checkpoint, WAL replayed at the next start) without touching
 * the machine's cluster on 5432.
 */
export interface PostgresCluster {
  readonly port: number;
  readonly dataDir: string;
  readonly binDir: string;
  /** `postgres://postgres@127.0.0.1:<port>/<database>`, trust auth (for creating test databases). */
  url(database?: string): string;
  readonly running: boolean;
  /** The postmaster's pid while it runs. */
  readonly pid: number | undefined;
  stop(mode?: PgStopMode): Promise<void>;
  start(): Promise<void>;
  /** kill -9 of the postmaster and every process it started: a crash with no shutdown at all. */
  kill(): Promise<void>;
  /** A standby stops replaying and becomes a primary (`pg_ctl promote -w`). */
  promote(): Promise<void>;
  /** The cluster's server log so far. */
  log(): string;
  /** Stops it (fast, then immediate) and removes its directory. Safe to call more than once. */
  close(): Promise<void>;
}

/** `PG_BIN_DIR`, else the newest Debian `/usr/lib/postgresql/<version>/bin` that has initdb. */
export function findPostgresBinDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PG_BIN_DIR) return env.PG_BIN_DIR;
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, "bin", "initdb")))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const newest = versions[0];
  if (!newest) {
    throw new Error(
      `No PostgreSQL server binaries under ${root}/<version>/bin (apt-get install -y postgresql), and PG_BIN_DIR is not set`,
    );
  }
  return join(root, newest, "bin");
}

/** Pids whose parent is `parent`, read from /proc (Linux). */
function childrenOf(parent: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The command name (2nd field) is in parentheses and may hold spaces: read after it.
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === parent) children.push(Number(entry));
    } catch {}
  }
  return children;
}

/** Whether `pid` still runs: a zombie (killed, not yet reaped by whoever adopted it) does not. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** initdb and postgres refuse to run as root: as root, run them as the `postgres` user. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((entry) => entry.startsWith("postgres:"));
  const [, , uid, gid] = line?.split(":") ?? [];
  if (uid === undefined || gid === undefined) {
    throw new Error("running as root, and there is no postgres user to run a PostgreSQL cluster as");
  }
  return { uid: Number(uid), gid: Number(gid) };
}

export async function startPostgresCluster(
  options: StartPostgresClusterOptions = {},
): Promise<PostgresCluster> {
  const binDir = options.binDir ?? findPostgresBinDir();
  const timeout = String(options.timeoutSeconds ?? 60);
  const user = runAs();
  const root = mkdtempSync(join(tmpdir(), "kopru-pg-"));
  const forgetDir = removeOnExit(root);
  const dataDir = join(root, "data");
  const logFile = join(root, "server.log");
  if (user) chownSync(root, user.uid, user.gid);
  const exec = (binary: string, args: string[]) =>
    run(join(binDir, binary), args, { ...(user ?? {}), env: { ...process.env, LC_ALL: "C" } });

  const port = await freePort();
  if (options.standbyOf) {
    const { primary, name } = options.standbyOf;
    // -R writes standby.signal and primary_conninfo; the application name is what
    // synchronous_standby_names on the primary matches.
    await exec("pg_basebackup", [
      "-D",
      dataDir,
      "-d",
      `host=127.0.0.1 port=${primary.port} user=postgres application_name=${name}`,
      "-X",
      "stream",
      "-R",
      "--no-sync",
    ]);
  } else {
    await exec("initdb", ["-D", dataDir, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"]);
  }
  const settings: Record<string, string> = {
    listen_addresses: "'127.0.0.1'",
    port: String(port),
    unix_socket_directories: `'${root}'`,
    max_connections: "200",
    fsync: "on",
    ...options.settings,
  };
  appendFileSync(
    join(dataDir, "postgresql.conf"),
    `\n# the test's own cluster\n${Object.entries(settings)
      .map(([k, v]) => `${k} = ${v}`)
      .join("\n")}\n`,
  );

  let pid: number | undefined;
  let forgetPid: () => void = () => {};
  let closed = false;
  const readPid = () => {
    const text = readFileSync(join(dataDir, "postmaster.pid"), "utf8");
    return Number(text.split("\n")[0]);
  };

  const cluster: PostgresCluster = {
    port,
    dataDir,
    binDir,
    url: (database = "postgres") => `postgres://postgres@127.0.0.1:${port}/${database}`,
    get running() {
      return pid !== undefined;
    },
    get pid() {
      return pid;
    },
    async start() {
      if (pid !== undefined) return;
      // -w: returns once the server accepts connections (after any crash recovery).
      await exec("pg_ctl", ["-D", dataDir, "-l", logFile, "-w", "-t", timeout, "start"]);
      pid = readPid();
      // pg_ctl detaches the postmaster: the reaper stops it should the test process die first.
      forgetPid = reapOnExit(pid);
    },
    async stop(mode = "fast") {
      if (pid === undefined) return;
      await exec("pg_ctl", ["-D", dataDir, "-m", mode, "-w", "-t", timeout, "stop"]);
      forgetPid();
      pid = undefined;
    },
    async kill() {
      if (pid === undefined) return;
      const victims = [pid, ...childrenOf(pid)];
      for (const victim of victims) {
        try {
          process.kill(victim, "SIGKILL");
        } catch {}
      }
      await waitFor(() => victims.every((victim) => !alive(victim)), {
        timeoutMs: 10_000,
        message: `the killed PostgreSQL processes ${victims.join(", ")} to be gone`,
      });
      forgetPid();
      pid = undefined;
    },
    async promote() {
      await exec("pg_ctl", ["-D", dataDir, "-w", "-t", timeout, "promote"]);
    },
    log: () => (existsSync(logFile) ? readFileSync(logFile, "utf8") : ""),
    async close() {
      if (closed) return;
      closed = true;
      await cluster.stop("fast").catch(() => cluster.stop("immediate").catch(() => {}));
      if (pid !== undefined) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {}
      }
      rmSync(root, { recursive: true, force: true });
      forgetDir();
    },
  };
  try {
    await cluster.start();
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    forgetDir();
    throw new Error(`the test's PostgreSQL cluster did not start:\n${cluster.log()}`, { cause: error });
  }
  return cluster;
}
