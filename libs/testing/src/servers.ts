import { teardowns } from "./memo.js";
import { natsServer, resetNatsResolution } from "./nats.js";
import { postgresServer, resetPostgresResolution } from "./postgres.js";

/** Which step of the resolution order produced a server. */
export type ServerSource = "env" | "container" | "local" | "started";

/**
 * Stops what resolution started (a local nats-server, containers) and forgets the resolution, so
 * the next call probes again. Optional: whatever is left is killed at process exit anyway.
 */
export async function stopTestServers(): Promise<void> {
  const list = teardowns();
  const pending = list.splice(0).reverse();
  resetNatsResolution();
  resetPostgresResolution();
  const results = await Promise.allSettled(pending.map((fn) => fn()));
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed.length > 0) {
    throw new AggregateError(
      failed.map((r) => r.reason),
      "stopTestServers: some servers did not stop",
    );
  }
}

/**
 * For a vitest `globalSetup`: resolves both servers once in the main process and exports them as
 * `NATS_URL` / `DATABASE_URL`, so every worker takes the env route instead of probing (or starting
 * containers) per worker. Returns the teardown.
 */
export async function shareTestServers(): Promise<() => Promise<void>> {
  const [nats, postgres] = await Promise.all([natsServer(), postgresServer()]);
  process.env.NATS_URL = nats.url;
  process.env.DATABASE_URL = postgres.adminUrl;
  return stopTestServers;
}
