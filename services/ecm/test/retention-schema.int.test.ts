import { DAY_MS, RetentionWorker, resolveRetentionPolicy } from "@kopru/retention";
import { type Database, migrate, openDatabase } from "@kopru/storage";
import { createTestDatabase } from "@kopru/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ECM_RETENTION_CLASSES } from "../src/adapters/persistence/retention.js";
import { spec } from "../src/app.js";

// Every data class's selection and destruction runs against this service's real schema (ADR 0026):
// a query naming a column or table the migrations do not make fails the run here, not in production
// six months after deployment.
const ORG = "ecm-retention-schema";
let db: Database;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  const created = await createTestDatabase({ prefix: "ecm-retention-schema" });
  db = await openDatabase({ service: "ecm-retention-schema", url: created.url });
  cleanups.push(created.drop, () => db.close());
  await migrate(db, spec.migrations);
});

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe("ecm retention classes on the service's schema", () => {
  it("runs every class's destruction once and logs the run", async () => {
    const policy = resolveRetentionPolicy({ classes: ECM_RETENTION_CLASSES, organisations: [ORG] });
    const retention = new RetentionWorker({
      db,
      clock: { now: () => new Date() },
      policy,
      runEveryMs: DAY_MS,
    });
    await retention.ensureScheduled();
    expect(await retention.fireDue()).toBe(1);
    const runs = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM retention_runs");
    expect(runs.rows[0]?.n).toBe(1);
  });
});
