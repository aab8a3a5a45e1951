import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

/** Where Debian's package and a manual install put it. */
export const WELL_KNOWN_NATS_SERVER_BINARIES = [
  "/usr/sbin/nats-server",
  "/usr/local/bin/nats-server",
  "/usr/bin/nats-server",
] as const;

/**
 * Where a nats-server binary is: `NATS_SERVER_BIN`, then each PATH entry, then the well-known
 * paths. Also returns every place looked at, for a "missing" message that says where.
 */
export function findNatsServerBinary(env: NodeJS.ProcessEnv = process.env): {
  binary: string | undefined;
  searched: string[];
} {
  const pathDirs = (env.PATH ?? "").split(delimiter).filter(Boolean);
  const candidates = [
    ...(env.NATS_SERVER_BIN ? [env.NATS_SERVER_BIN] : []),
    ...pathDirs.map((dir) => join(dir, "nats-server")),
    ...WELL_KNOWN_NATS_SERVER_BINARIES,
  ];
  const searched = [...new Set(candidates)];
  for (const candidate of searched) {
    try {
      accessSync(candidate, constants.X_OK);
      return { binary: candidate, searched };
    } catch {
      // Not here; keep looking.
    }
  }
  return { binary: undefined, searched };
}
