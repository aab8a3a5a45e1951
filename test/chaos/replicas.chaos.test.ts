import { ReferralStatus } from "@kopru/contracts/common/v1/vocabulary";
import { IntakeServiceClient } from "@kopru/contracts/intake/v1/intake_service";
import { ReferralInboxServiceClient } from "@kopru/contracts/referral/v1/inbox_service";
import { connectNats, type NatsTestConnection, waitFor } from "@kopru/testing";
import { v4 as uuidv4 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerWithConsent, seedDirectoryAndWait } from "../support/clients.js";
import { query } from "../support/database.js";
import { type ServiceName, TestNetwork } from "../support/network.js";
import { eachLimited, envInt, seededRandom, untilAcknowledged } from "./chaos.js";
import {
  acceptAtTarget as acceptAt,
  consumersDrained,
  counsellingReferral,
  expectSettled,
  transientErrors,
  viewsAgree,
} from "./network-checks.js";
import { Replica, ReplicaClients } from "./replicas.js";

const REFERRALS = envInt("CHAOS_REPLICA_REFERRALS", 120);
const CONCURRENCY = envInt("CHAOS_CONCURRENCY", 8);
const BENEFICIARIES = 10;
// A killed replica's calls go to its twin at once, so no call waits for a restart; the bound
// covers a loaded machine where one answer can still take long.
const CALL_BOUND_MS = 300_000;
const START_BOUND_MS = 240_000;
const S = ReferralStatus;

let network: TestNetwork;
let intakes: Replica[] = [];
let municipalities: Replica[] = [];
let tapConnection: NatsTestConnection | undefined;
let tap: ReturnType<NatsTestConnection["nc"]["subscribe"]> | undefined;
// Every publish of an event, as the broker's own subscribers see it: a publish that JetStream drops
// as a duplicate (same Nats-Msg-Id) still reaches a core subscription, so two relays sending one
// outbox row show up here even though the stream keeps it once. Listening from before the services
// start, so every event of their outboxes is seen.
const publishes = new Map<string, { subject: string; at: number[] }>();

beforeAll(async () => {
  network = await TestNetwork.create(undefined, undefined, { startTimeoutMs: START_BOUND_MS });
  tapConnection = await connectNats(network.adminNats());
  tap = tapConnection.nc.subscribe("kopru.v1.>", {
    callback: (error, msg) => {
      if (error) return;
      const id = msg.headers?.get("Nats-Msg-Id");
      if (!id) return;
      const seen = publishes.get(id) ?? { subject: msg.subject, at: [] };
      seen.at.push(Date.now());
      publishes.set(id, seen);
    },
  });
  await tapConnection.nc.flush();
  await network.start("coordination");
  await network.start("intake", "municipality");
  intakes = [0, 1].map((i) => new Replica(network, "intake", i, START_BOUND_MS));
  municipalities = [0, 1].map((i) => new Replica(network, "municipality", i, START_BOUND_MS));
  // The twins start once the first replicas have migrated their databases and bound the durables.
  await Promise.all([intakes[1]?.start(), municipalities[1]?.start()]);
  await seedDirectoryAndWait(network);
}, 600_000);

afterAll(async () => {
  await tapConnection?.close();
  for (const replica of [...intakes, ...municipalities]) await replica.close();
  await network?.close();
});

/** Errors a call meets when its replica is killed under it: the call goes to the twin. */
const { transient, counts: retriedBy } = transientErrors(/is not running|no replica of/);

/** The replica the request's turn names, or its twin when that one is down (a load balancer's choice). */
function pickRunning(replicas: readonly Replica[], turn: number): Replica {
  for (let i = 0; i < replicas.length; i++) {
    const replica = replicas[(turn + i) % replicas.length] as Replica;
    if (replica.address) return replica;
  }
  throw new Error(`no replica of ${replicas[0]?.service} is running`);
}

async function unsentOutboxRows(service: ServiceName): Promise<number> {
  const rows = await query<{ n: string }>(
    network.database(service).url,
    "SELECT count(*) AS n FROM kopru_outbox WHERE sent_at IS NULL",
  );
  return Number(rows[0]?.n ?? 0);
}

describe("chaos: two replicas of intake and of the municipality, one of each killed under load", () => {
  it(`keeps every one of ${REFERRALS} referrals once at intake, the target and coordination, each event published and applied once`, async () => {
    const random = seededRandom("replicas");

    const intakeClients = new ReplicaClients(network, IntakeServiceClient, {
      organisationId: network.orgs.ngo,
      actorId: "caseworker-1",
    });
    const inboxClients = new ReplicaClients(network, ReferralInboxServiceClient, {
      organisationId: network.orgs.mmccGaziantep,
      actorId: "mmcc-staff-1",
    });

    const people: { beneficiaryId: string; consentId: string }[] = [];
    for (let i = 0; i < BENEFICIARIES; i++) {
      people.push(await registerWithConsent(intakeClients.for(pickRunning(intakes, i)), network.orgs));
    }

    // The schedule: which replica of each service dies, after how many acknowledged referrals.
    const intakeVictim = random.pick(intakes);
    const municipalityVictim = random.pick(municipalities);
    const killAt = {
      intake: Math.max(1, Math.floor(REFERRALS * (0.2 + random.next() * 0.3))),
      municipality: Math.max(1, Math.floor(REFERRALS * (0.3 + random.next() * 0.4))),
    };
    console.log(
      `[chaos] replicas: kill ${intakeVictim.label} after ${killAt.intake} and ${municipalityVictim.label} after ${killAt.municipality} acknowledged referrals`,
    );

    const requests = Array.from({ length: REFERRALS }, (_, i) => ({
      requestId: uuidv4(),
      person: people[i % BENEFICIARIES] as { beneficiaryId: string; consentId: string },
      accept: i % 2 === 0,
      turn: i,
    }));
    const acknowledged = new Map<string, { referralId: string; accept: boolean }>();
    const accepted = new Set<string>();
    const servedBy = new Map<string, number>();
    const kills: { label: string; at: number; dead: number; pid: number | undefined }[] = [];
    const restarts: Promise<void>[] = [];
    const restartFailures: string[] = [];

    function killAndRestart(victim: Replica): void {
      const started = Date.now();
      const pid = victim.pid;
      const kill = { label: victim.label, at: started, dead: Number.POSITIVE_INFINITY, pid };
      kills.push(kill);
      const done = victim
        .kill()
        .then(() => {
          kill.dead = Date.now();
          console.log(
            `[chaos] replicas: kill -9 ${victim.label} (pid ${pid}) after ${acknowledged.size} acknowledged`,
          );
          return victim.start();
        })
        .then(
          () => console.log(`[chaos] replicas: ${victim.label} back in ${Date.now() - started} ms`),
          (error: unknown) => {
            restartFailures.push(`${victim.label} did not start again: ${String(error)}`);
          },
        );
      restarts.push(done);
    }

    const loadStarted = Date.now();
    try {
      await eachLimited(requests, CONCURRENCY, async (request) => {
        let attempt = 0;
        const created = await untilAcknowledged(
          `referral request ${request.requestId}`,
          () => {
            // A retry goes to the other replica first, with the same request id: the twin answers
            // a repeat with the referral the first one made, from the shared database.
            const replica = pickRunning(intakes, request.turn + attempt++);
            servedBy.set(replica.label, (servedBy.get(replica.label) ?? 0) + 1);
            return intakeClients
              .for(replica)
              .call("createReferral", counsellingReferral(network, request.requestId, request.person));
          },
          { timeoutMs: CALL_BOUND_MS, retryable: transient },
        );
        const referralId = created.referral?.referralId ?? "";
        expect(referralId).not.toBe("");
        acknowledged.set(request.requestId, { referralId, accept: request.accept });
        if (acknowledged.size === killAt.intake) killAndRestart(intakeVictim);
        if (acknowledged.size === killAt.municipality) killAndRestart(municipalityVictim);
        if (request.accept) await acceptAtTarget(referralId, request.turn);
      });
    } finally {
      await Promise.allSettled(restarts);
      console.log(
        `[chaos] replicas: failed calls by error (each sent again): ${JSON.stringify(Object.fromEntries(retriedBy))}; calls per replica: ${JSON.stringify(Object.fromEntries(servedBy))}`,
      );
      console.log(
        `[chaos] replicas: ${acknowledged.size} referrals acknowledged and ${accepted.size} accepted in ${((Date.now() - loadStarted) / 1000).toFixed(1)} s under ${kills.length} kills`,
      );
    }

    async function acceptAtTarget(referralId: string, turn: number): Promise<void> {
      // Alternating replicas, as a load balancer would after a failed call.
      await acceptAt(
        network,
        (attempt) => inboxClients.for(pickRunning(municipalities, turn + attempt)),
        referralId,
        { transient, timeoutMs: CALL_BOUND_MS },
      );
      accepted.add(referralId);
    }

    expect(restartFailures).toEqual([]);
    expect(kills.map((kill) => kill.label).sort()).toEqual(
      [intakeVictim.label, municipalityVictim.label].sort(),
    );
    expect(acknowledged.size).toBe(REFERRALS);
    // Both replicas of intake took load before and after the kill, or the test proved nothing.
    for (const replica of intakes) expect(servedBy.get(replica.label) ?? 0).toBeGreaterThan(0);
    const expected = new Map(
      [...acknowledged.values()].map(({ referralId, accept }) => [
        referralId,
        accept ? S.REFERRAL_STATUS_ACCEPTED : S.REFERRAL_STATUS_RECEIVED,
      ]),
    );

    const settled = Date.now();
    await waitFor(
      async () => {
        if (!(await viewsAgree(network, expected))) return false;
        if ((await unsentOutboxRows("intake")) + (await unsentOutboxRows("municipality")) > 0) return false;
        return (await consumersDrained(network)) === true;
      },
      {
        timeoutMs: 300_000,
        intervalMs: 1_000,
        message: `intake, the target and coordination to agree on all ${REFERRALS} referrals, both outboxes empty and every consumer drained`,
      },
    ).catch(async (error) => {
      console.log(`[chaos] consumers: ${await consumersDrained(network).catch((e) => String(e))}`);
      throw error;
    });
    console.log(`[chaos] replicas: converged ${((Date.now() - settled) / 1000).toFixed(1)} s after the load`);
    await tapConnection?.nc.flush();
    tap?.unsubscribe();

    await expectSettled(network, expected);
    const rowsOf = (service: ServiceName, sql: string) =>
      query<Record<string, unknown>>(network.database(service).url, sql);
    // An effect applied twice would also have written its event twice (one step of a referral
    // writes two events of different types: the package to the target and the status change).
    for (const service of ["intake", "municipality"] as const) {
      expect(
        await rowsOf(
          service,
          `SELECT aggregate_type, aggregate_id, aggregate_sequence, event_type, count(*) AS n FROM kopru_outbox
              GROUP BY aggregate_type, aggregate_id, aggregate_sequence, event_type HAVING count(*) > 1`,
        ),
        `events written twice to ${service}'s outbox`,
      ).toEqual([]);
      expect(
        await rowsOf(service, "SELECT consumer, event_id::text FROM kopru_inbox WHERE status <> 'applied'"),
        `events dead-lettered at ${service}`,
      ).toEqual([]);
    }

    // Every event both outboxes hold went out, and no row went out twice from two live relays.
    // A row may go out again only when the relay that sent it died before marking it sent: a kill
    // lies between the two publishes. Any other repeat is two relays publishing one row.
    const outboxIds = [
      ...(await query<{ event_id: string }>(
        network.database("intake").url,
        "SELECT event_id::text FROM kopru_outbox",
      )),
      ...(await query<{ event_id: string }>(
        network.database("municipality").url,
        "SELECT event_id::text FROM kopru_outbox",
      )),
    ].map((row) => row.event_id);
    expect(
      outboxIds.filter((id) => !publishes.has(id)),
      "outbox events never published",
    ).toEqual([]);
    const repeated = outboxIds
      .map((id) => ({ id, ...(publishes.get(id) as { subject: string; at: number[] }) }))
      .filter(({ at }) => at.length > 1);
    const afterKill = repeated.filter(({ at }) =>
      // From the signal to the process's exit a publish may still leave the victim.
      kills.some((kill) => (at[0] as number) <= kill.dead && kill.at <= (at[at.length - 1] as number)),
    );
    const unexplained = repeated.filter((row) => !afterKill.includes(row));
    const relayWarnings = [...intakes, ...municipalities]
      .flatMap((replica) => replica.lines().map((line) => `${replica.label}: ${line}`))
      .filter((line) => /outbox rows were not acknowledged|outbox relay round failed/.test(line));
    console.log(
      `[chaos] replicas: ${outboxIds.length} outbox events, ${publishes.size} distinct events published, ${repeated.length} published more than once (${afterKill.length} across a kill); relay warnings: ${relayWarnings.length}`,
    );
    expect(
      unexplained.map(({ id, subject, at }) => ({
        id,
        subject,
        publishes: at.map((t) => new Date(t).toISOString()),
      })),
      `outbox rows published more than once with no kill in between (relay warnings: ${relayWarnings.slice(0, 5).join(" | ")})`,
    ).toEqual([]);
  }, 1_800_000);
});
