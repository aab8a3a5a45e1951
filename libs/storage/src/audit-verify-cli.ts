import { parseArgs } from "node:util";
import { type AuditChainReport, verifyAuditChains } from "./audit-chain.js";
import { openDatabase } from "./database.js";

const USAGE = `Usage: pnpm audit:verify --service <name> [--database-url <url> | --data-dir <dir>] [--json]

Walks every hash-chained audit table of one service's database and reports, per table, the first
broken link (an edited row, a deleted row, or a disabled append-only trigger) with its position.
The database: --database-url, else KOPRU_<SERVICE>_DATABASE_URL, else the service's embedded
PGlite under --data-dir (default .data; stop the service first, PGlite has one user at a time).
Exit code: 0 every chain holds, 1 a chain is broken, 2 wrong usage or no database.`;

export interface VerifyIo {
  out(line: string): void;
  err(line: string): void;
  env: Readonly<Record<string, string | undefined>>;
}

function describe(report: AuditChainReport): string {
  const head = `head ${report.headPosition} ${report.headHash}`;
  if (!report.broken) return `${report.table}: intact, ${report.rowsChecked} rows, ${head}`;
  const { kind, position, detail } = report.broken;
  return `${report.table}: BROKEN at position ${position} (${kind}): ${detail}; ${head}`;
}

/** `audit:verify`'s whole run, with its output and environment injected; returns the exit code. */
export async function runAuditVerify(args: readonly string[], io: VerifyIo): Promise<number> {
  let values: {
    service?: string;
    "database-url"?: string;
    "data-dir"?: string;
    json?: boolean;
    help?: boolean;
  };
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        service: { type: "string" },
        "database-url": { type: "string" },
        "data-dir": { type: "string" },
        json: { type: "boolean" },
        help: { type: "boolean" },
      },
    }));
  } catch (error) {
    io.err(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  const service = values.service;
  if (!service || !/^[a-z][a-z0-9-]*$/.test(service)) {
    io.err(`--service must name a service (e.g. intake, municipality)\n${USAGE}`);
    return 2;
  }
  const url =
    values["database-url"] || io.env[`KOPRU_${service.toUpperCase().replaceAll("-", "_")}_DATABASE_URL`];
  const db = await openDatabase({ service, url, dataDir: values["data-dir"] ?? ".data" });
  try {
    const reports = await verifyAuditChains(db);
    if (values.json) io.out(JSON.stringify({ service, location: db.location, tables: reports }, null, 2));
    else {
      io.out(`${service} (${db.location})`);
      if (reports.length === 0) io.out("no hash-chained audit tables");
      for (const report of reports) io.out(`  ${describe(report)}`);
    }
    return reports.some((report) => report.broken) ? 1 : 0;
  } catch (error) {
    io.err(`cannot verify ${service} at ${db.location}: ${(error as Error).message}`);
    return 2;
  } finally {
    await db.close();
  }
}
