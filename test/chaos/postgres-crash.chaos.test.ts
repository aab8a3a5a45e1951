import { type ServiceError, status } from "@grpc/grpc-js";
import { ReferralStatus } from "@kopru/contracts/common/v1/vocabulary";
import { IntakeServiceClient } from "@kopru/contracts/intake/v1/intake_service";
import type { GrpcClient } from "@kopru/service-kit";
import { type PostgresCluster, startPostgresCluster, waitFor } from "@kopru/testing";
import { v4 as uuidv4 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerWithConsent, seedDirectoryAndWait } from "../support/clients.js";
import { query } from "../support/database.js";
import { TestNetwork } from "../support/network.js";
import { eachLimited, envInt, seededRandom, untilAcknowledged } from "./chaos.js";
import { counsellingReferral } from "./network-checks.js";

const REFERRALS = envInt("CHAOS_PG_REFERRALS", 200);
const CRASHES = envInt("CHAOS_PG_CRASHES", 2);
const S = ReferralStatus;

// Intake (the command side: createReferral and its outbox) and the municipality (the consuming
// side: inbox and effects) keep their databases on a cluster of the test's own, the one it crashes.
let cluster: PostgresCluster;
let network: TestNetwork;

beforeAll(async () => {
  cluster = await startPostgresCluster();
  network = await TestNetwork.create(undefined, undefined, {
    databaseServers: { intake: cluster.url(), municipality: cluster.url() },
    startTimeoutMs: 240_000,
  });
  await network.start("coordination");
  await network.start("intake", "municipality");
  await seedDirectoryAndWait(network);
}, 600_000);

afterAll(async () => {
  // The services first: the databases they hold connections to go with the cluster.
  await network?.close();
  await cluster?.close();
});

let client: GrpcClient<IntakeServiceClient> | undefined;
function intake(): GrpcClient<IntakeServiceClient> {
  client ??= network.client(IntakeServiceClient, "intake", {
    organisationId: network.orgs.ngo,
    actorId: "caseworker-1",
  });
  return client;
}

/** What a command meets while its service's database is down or recovering: send it again. */
function transient(error: unknown): boolean {
  const code = (error as ServiceError | undefined)?.code;
  return (
    code === status.UNAVAILABLE ||
    code === status.DEADLINE_EXCEEDED ||
    code === status.INTERNAL ||
    code === status.UNKNOWN
  );
}

describe("chaos: a service's PostgreSQL stopped with pg_ctl -m immediate under load", () => {
  it(`loses none of ${REFERRALS} acknowledged referrals across ${CRASHES} crashes of the database`, async () => {
    const random = seededRandom("postgres-crash");
    const person = await registerWithConsent(intake(), network.orgs);
    const requests = Array.from({ length: REFERRALS }, () => uuidv4());
    const acknowledged = new Map<string, string>();
    // Acknowledged the first time they were sent, without a retry: the plain "0 missing" claim.
    const firstTry = new Set<string>();
    let failedCalls = 0;

    // Crash points: after a random share of the load has been acknowledged, in order.
    const crashAt = Array.from({ length: CRASHES }, () => Math.floor(random.next() * REFERRALS * 0.8))
      .sort((a, b) => a - b)
      .map((n) => Math.max(5, n));
    const crashLog: string[] = [];
    let crashes: Promise<void> = Promise.resolve();
    let nextCrash = 0;

    const startedAt = Date.now();
    await eachLimited(requests, 8, async (requestId) => {
      let attempts = 0;
      const created = await untilAcknowledged(
        `referral request ${requestId}`,
        async () => {
          attempts++;
          try {
            return await intake().call("createReferral", counsellingReferral(network, requestId, person));
          } catch (error) {
            failedCalls++;
            throw error;
          }
        },
        { timeoutMs: 240_000, retryable: transient },
      );
      const referralId = created.referral?.referralId ?? "";
      expect(referralId).not.toBe("");
      acknowledged.set(requestId, referralId);
      if (attempts === 1) firstTry.add(referralId);
      // The crash is chained, not awaited here: the load goes on against a database that is gone.
      const due = crashAt[nextCrash];
      if (due !== undefined && acknowledged.size >= due) {
        nextCrash++;
        crashes = crashes.then(async () => {
          const at = acknowledged.size;
          await cluster.stop("immediate");
          const downAt = Date.now();
          // Down for a few seconds by schedule, so commands meet the outage; then started again
          // (crash recovery replays the WAL).
          await new Promise((resolve) => setTimeout(resolve, 2_000 + Math.floor(random.next() * 3_000)));
          await cluster.start();
          const line = `pg_ctl stop -m immediate after ${at} acknowledged, down ${Date.now() - downAt} ms`;
          crashLog.push(line);
          console.log(`[chaos] ${line}`);
        });
      }
    });
    await crashes;
    console.log(
      `[chaos] postgres-crash: ${acknowledged.size} acknowledged (${firstTry.size} at the first try, ${failedCalls} failed calls retried) in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`,
    );
    expect(crashLog).toHaveLength(CRASHES);

    const ids = [...acknowledged.values()];
    expect(new Set(ids).size).toBe(REFERRALS);
    // Every acknowledged command is in intake's database after the crashes, exactly once...
    const atIntake = await query<{ referral_id: string }>(
      network.database("intake").url,
      "SELECT referral_id::text FROM referrals WHERE role = 'referrer'",
    );
    expect(atIntake.map((r) => r.referral_id).sort()).toEqual([...ids].sort());
    // ...and its event left through the outbox: the target received each once, and intake and
    // coordination learnt it.
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
        timeoutMs: 240_000,
        intervalMs: 1_000,
        message: `all ${REFERRALS} acknowledged referrals received at the target and seen so by intake and coordination`,
      },
    );
    const doubled = await query(
      network.database("municipality").url,
      `SELECT referral_id, to_status, count(*) FROM referral_transitions
        WHERE role = 'target' GROUP BY referral_id, to_status HAVING count(*) > 1`,
    );
    expect(doubled).toEqual([]);
    const outbox = await query<{ n: string }>(
      network.database("intake").url,
      "SELECT count(*) AS n FROM kopru_outbox WHERE sent_at IS NULL",
    );
    expect(Number(outbox[0]?.n)).toBe(0);
  });
});
