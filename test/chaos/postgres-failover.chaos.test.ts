import { randomUUID } from "node:crypto";
import { appendToOutbox, busMigrations, defineEvent } from "@kopru/bus";
import { OrganisationRef } from "@kopru/contracts/common/v1/refs";
import { type Database, migrate, openDatabase } from "@kopru/storage";
import { createTestDatabase, type PostgresCluster, startPostgresCluster, waitFor } from "@kopru/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { query } from "../support/database.js";
import { seededRandom } from "./chaos.js";

// A command, as every service writes one: its state row and its outbox row in one transaction.
const recorded = defineEvent<OrganisationRef>({
  type: "kopru.common.v1.OrganisationRef",
  schemaVersion: 1,
  codec: OrganisationRef,
  stream: "KOPRU_T_CHAOS_FAILOVER",
  subjectPattern: "t.chaos.failover.*",
  subject: (payload) => `t.chaos.failover.${payload.organisationId}`,
  personalData: false,
});

let primary: PostgresCluster;
let standby: PostgresCluster;
let db: Database | undefined;
let databaseName: string;

beforeAll(async () => {
  primary = await startPostgresCluster({ settings: { wal_level: "replica", max_wal_senders: "5" } });
  standby = await startPostgresCluster({ standbyOf: { primary, name: "chaos_standby" } });
  // Synchronous from here on: a commit returns once the standby has applied it.
  await query(primary.url(), "ALTER SYSTEM SET synchronous_standby_names = 'chaos_standby'");
  await query(primary.url(), "ALTER SYSTEM SET synchronous_commit = 'remote_apply'");
  await query(primary.url(), "SELECT pg_reload_conf()");
  await waitFor(
    async () =>
      (
        await query<{ sync_state: string }>(
          primary.url(),
          "SELECT sync_state FROM pg_stat_replication WHERE application_name = 'chaos_standby'",
        )
      )[0]?.sync_state === "sync",
    { timeoutMs: 60_000, intervalMs: 250, message: "the standby to stream synchronously from the primary" },
  );
  const database = await createTestDatabase({ serverUrl: primary.url(), prefix: "chaos_failover" });
  databaseName = database.name;
  db = await openDatabase({ service: "chaos-failover", url: database.url, poolSize: 8 });
  await migrate(db, [busMigrations]);
  await db.query("CREATE TABLE chaos_commands (command_id uuid PRIMARY KEY)");
}, 180_000);

afterAll(async () => {
  await db?.close().catch(() => {});
  await primary?.close();
  await standby?.close();
});

describe("chaos: the primary PostgreSQL killed, its synchronous streaming replica promoted", () => {
  it("holds every command acknowledged before the kill, with its outbox row", async () => {
    const random = seededRandom("postgres-failover");
    const acknowledged: string[] = [];
    let failed = 0;
    let stop = false;
    const writers = Array.from({ length: 8 }, async () => {
      while (!stop) {
        const commandId = randomUUID();
        try {
          await (db as Database).transaction(async (tx) => {
            await tx.query("INSERT INTO chaos_commands (command_id) VALUES ($1)", [commandId]);
            await appendToOutbox(
              tx,
              { organisationId: "org-chaos", service: "chaos" },
              {
                definition: recorded,
                payload: { organisationId: "org-chaos", displayName: commandId },
                aggregate: { type: "command", id: commandId, sequence: 1 },
              },
            );
          });
          acknowledged.push(commandId);
        } catch {
          // The primary is gone: what was not acknowledged may or may not be there.
          failed++;
          if (primary.pid === undefined) return;
        }
      }
    });
    // The kill comes after a seeded share of load, counted in acknowledged commands.
    const killAfter = 200 + Math.floor(random.next() * 800);
    await waitFor(() => acknowledged.length >= killAfter, {
      timeoutMs: 120_000,
      intervalMs: 20,
      message: `${killAfter} commands acknowledged by the primary`,
    });
    await primary.kill();
    const atKill = acknowledged.length;
    stop = true;
    await Promise.all(writers);
    await standby.promote();
    console.log(
      `[chaos] postgres-failover: primary killed after ${atKill} acknowledged (${acknowledged.length} in all, ${failed} failed); standby promoted`,
    );

    const url = standby.url(databaseName);
    const commands = new Set(
      (await query<{ command_id: string }>(url, "SELECT command_id::text FROM chaos_commands")).map(
        (r) => r.command_id,
      ),
    );
    const missing = acknowledged.filter((id) => !commands.has(id));
    expect(missing, "acknowledged commands missing on the promoted standby").toEqual([]);
    const outbox = new Set(
      (await query<{ aggregate_id: string }>(url, "SELECT aggregate_id FROM kopru_outbox")).map(
        (r) => r.aggregate_id,
      ),
    );
    expect(acknowledged.filter((id) => !outbox.has(id))).toEqual([]);
    // The promoted standby takes writes: the service carries on there.
    await query(url, "INSERT INTO chaos_commands (command_id) VALUES ($1)", [randomUUID()]);
  });
});
