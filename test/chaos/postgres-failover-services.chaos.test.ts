import { type ServiceError, status } from "@grpc/grpc-js";
import { ReferralStatus } from "@kopru/contracts/common/v1/vocabulary";
import { IntakeServiceClient } from "@kopru/contracts/intake/v1/intake_service";
import type { GrpcClient } from "@kopru/service-kit";
import {
  type PostgresCluster,
  startPostgresCluster,
  startTcpSwitch,
  type TcpSwitch,
  waitFor,
} from "@kopru/testing";
import { v4 as uuidv4 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerWithConsent, seedDirectoryAndWait } from "../support/clients.js";
import { query } from "../support/database.js";
import { TestNetwork } from "../support/network.js";
import { eachLimited, envInt, seededRandom, untilAcknowledged } from "./chaos.js";
import { counsellingReferral } from "./network-checks.js";

// Intake, running, keeps its database on a primary with a synchronous streaming standby, reached
// through one stable address (a switch standing in for the production network's read-write
// Service). The primary is killed under load and the standby promoted; intake is not restarted.
const REFERRALS = envInt("CHAOS_FAILOVER_REFERRALS", 120);
const S = ReferralStatus;

let primary: PostgresCluster;
let standby: PostgresCluster;
let databaseAddress: TcpSwitch;
let network: TestNetwork;

beforeAll(async () => {
  primary = await startPostgresCluster({ settings: { wal_level: "replica", max_wal_senders: "5" } });
  standby = await startPostgresCluster({ standbyOf: { primary, name: "chaos_standby" } });
  // remote_apply: a commit intake acknowledges is already applied on the standby, so a promotion
  // loses none of them (docs/chaos.md says what each weaker setting allows).
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
  databaseAddress = await startTcpSwitch({ target: primary.port });
  network = await TestNetwork.create(undefined, undefined, {
    databaseServers: { intake: `postgres://postgres@127.0.0.1:${databaseAddress.port}/postgres` },
    startTimeoutMs: 240_000,
  });
  await network.start("coordination");
  await network.start("intake", "municipality");
  await seedDirectoryAndWait(network);
}, 600_000);

afterAll(async () => {
  await network?.close();
  await databaseAddress?.close();
  await primary?.close();
  await standby?.close();
});

let client: GrpcClient<IntakeServiceClient> | undefined;
function intake(): GrpcClient<IntakeServiceClient> {
  client ??= network.client(IntakeServiceClient, "intake", {
    organisationId: network.orgs.ngo,
    actorId: "caseworker-1",
  });
  return client;
}

const failedBy = new Map<string, number>();
/** What a command meets while its service's database fails over: send it again, same request id. */
function transient(error: unknown): boolean {
  const code = (error as ServiceError | undefined)?.code;
  const key = status[code as status] ?? String(code);
  failedBy.set(key, (failedBy.get(key) ?? 0) + 1);
  return (
    code === status.UNAVAILABLE ||
    code === status.DEADLINE_EXCEEDED ||
    code === status.INTERNAL ||
    code === status.UNKNOWN
  );
}

describe("chaos: a running service's PostgreSQL fails over to its synchronous standby", () => {
  it(`keeps every one of ${REFERRALS} acknowledged referrals, and the service carries on without a restart`, async () => {
    const random = seededRandom("postgres-failover-services");
    const person = await registerWithConsent(intake(), network.orgs);
    const intakePid = network.pid("intake");
    const requests = Array.from({ length: REFERRALS }, () => uuidv4());
    const acknowledged = new Map<string, string>();
    const failoverAt = 10 + Math.floor(random.next() * REFERRALS * 0.5);
    let failover: Promise<void> | undefined;
    let acknowledgedAtKill = 0;
    let promotedAt = 0;
    let firstAfterPromotion = 0;

    const started = Date.now();
    await eachLimited(requests, 8, async (requestId) => {
      const created = await untilAcknowledged(
        `referral request ${requestId}`,
        () => intake().call("createReferral", counsellingReferral(network, requestId, person)),
        { timeoutMs: 300_000, retryable: transient },
      );
      const referralId = created.referral?.referralId ?? "";
      expect(referralId).not.toBe("");
      acknowledged.set(requestId, referralId);
      if (promotedAt > 0 && firstAfterPromotion === 0) firstAfterPromotion = Date.now();
      // Not awaited: the load goes on against a primary that is gone, then against the promoted one.
      if (!failover && acknowledged.size >= failoverAt) {
        failover = (async () => {
          acknowledgedAtKill = acknowledged.size;
          await primary.kill();
          await standby.promote();
          databaseAddress.switchTo(standby.port);
          promotedAt = Date.now();
          console.log(`[chaos] primary killed after ${acknowledgedAtKill} acknowledged; standby promoted`);
        })();
      }
    });
    await failover;
    console.log(
      `[chaos] postgres-failover-services: ${acknowledged.size} acknowledged in ${((Date.now() - started) / 1000).toFixed(1)} s; failed calls by code ${JSON.stringify(Object.fromEntries(failedBy))}; first acknowledged ${firstAfterPromotion ? firstAfterPromotion - promotedAt : "—"} ms after the promotion`,
    );
    expect(promotedAt, "the failover happened during the load").toBeGreaterThan(0);
    // A call that met the failover was told to retry (UNAVAILABLE), never given an internal error.
    expect(failedBy.get("INTERNAL") ?? 0, "calls answered INTERNAL during the failover").toBe(0);
    expect(
      acknowledged.size - acknowledgedAtKill,
      "referrals acknowledged after the failover",
    ).toBeGreaterThan(0);
    // The same intake process carried on: it reconnected through the same address.
    expect(network.pid("intake")).toBe(intakePid);

    const ids = [...acknowledged.values()];
    expect(new Set(ids).size).toBe(REFERRALS);
    // Every acknowledged referral is in the promoted database exactly once, before and after the
    // failover alike (the request id made every retry answer with the referral it had made).
    const atIntake = await query<{ referral_id: string }>(
      network.database("intake").url,
      "SELECT referral_id::text FROM referrals WHERE role = 'referrer'",
    );
    expect(atIntake.map((r) => r.referral_id).sort()).toEqual([...ids].sort());
    // Each left through intake's outbox on the promoted database: received once at the target,
    // and intake and coordination learnt it.
    await waitFor(
      async () => {
        const [target, referrer, coordination] = await Promise.all([
          query<{ n: string }>(
            network.database("municipality").url,
            "SELECT count(*) AS n FROM referrals WHERE role = 'target' AND status = $1 AND referral_id = ANY($2::uuid[])",
            [S.REFERRAL_STATUS_RECEIVED, ids],
          ),
          query<{ n: string }>(
            network.database("intake").url,
            "SELECT count(*) AS n FROM referrals WHERE role = 'referrer' AND status = $1",
            [S.REFERRAL_STATUS_RECEIVED],
          ),
          query<{ n: string }>(
            network.database("coordination").url,
            "SELECT count(*) AS n FROM tracked_referrals WHERE status = $1 AND referral_id = ANY($2)",
            [S.REFERRAL_STATUS_RECEIVED, ids],
          ),
        ]);
        return [target, referrer, coordination].every((rows) => Number(rows[0]?.n) === REFERRALS);
      },
      {
        timeoutMs: 300_000,
        intervalMs: 1_000,
        message: `all ${REFERRALS} referrals received at the target and seen so by intake and coordination`,
      },
    );
    const doubled = await query(
      network.database("municipality").url,
      `SELECT referral_id, to_status, count(*) FROM referral_transitions
        WHERE role = 'target' GROUP BY referral_id, to_status HAVING count(*) > 1`,
    );
    expect(doubled).toEqual([]);
    const unsent = await query<{ n: string }>(
      network.database("intake").url,
      "SELECT count(*) AS n FROM kopru_outbox WHERE sent_at IS NULL",
    );
    expect(Number(unsent[0]?.n)).toBe(0);
  });
});
