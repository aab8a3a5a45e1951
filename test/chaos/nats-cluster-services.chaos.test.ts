import { ReferralStatus } from "@kopru/contracts/common/v1/vocabulary";
import { IntakeServiceClient } from "@kopru/contracts/intake/v1/intake_service";
import { ReferralInboxServiceClient } from "@kopru/contracts/referral/v1/inbox_service";
import type { GrpcClient } from "@kopru/service-kit";
import { waitFor } from "@kopru/testing";
import { v4 as uuidv4 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerWithConsent, seedDirectoryAndWait } from "../support/clients.js";
import { TestNetwork } from "../support/network.js";
import { eachLimited, envInt, faultLoop, seededRandom, untilAcknowledged } from "./chaos.js";
import {
  acceptAtTarget as acceptAt,
  consumersDrained,
  counsellingReferral,
  expectSettled,
  transientErrors,
  viewsAgree,
} from "./network-checks.js";

// The services themselves (intake, the MMCC's municipality service, coordination) on a three-node
// JetStream cluster whose streams keep three replicas: nodes killed under load, the meta leader
// paused. Where nats-cluster.chaos.test.ts drives the event backbone alone, this drives the network.
const REFERRALS = envInt("CHAOS_CLUSTER_REFERRALS", 120);
const PAUSE_SECONDS = envInt("CHAOS_NATS_PAUSE_SECONDS", 15);
const S = ReferralStatus;

let network: TestNetwork;

beforeAll(async () => {
  network = await TestNetwork.create(undefined, undefined, {
    natsCluster: { size: 3 },
    startTimeoutMs: 240_000,
  });
  await network.start("coordination");
  await network.start("intake", "municipality");
  await seedDirectoryAndWait(network);
}, 600_000);

afterAll(async () => {
  // A paused node gets SIGCONT first, so the network's stop is not held up by it.
  for (const node of network?.natsCluster.nodes ?? []) {
    if (node.server.pid) process.kill(node.server.pid, "SIGCONT");
  }
  await network?.close();
});

let intakeClient: GrpcClient<IntakeServiceClient> | undefined;
let inboxClient: GrpcClient<ReferralInboxServiceClient> | undefined;
const intake = () =>
  (intakeClient ??= network.client(IntakeServiceClient, "intake", {
    organisationId: network.orgs.ngo,
    actorId: "caseworker-1",
  }));
const municipalityInbox = () =>
  (inboxClient ??= network.client(ReferralInboxServiceClient, "municipality", {
    organisationId: network.orgs.mmccGaziantep,
    actorId: "mmcc-staff-1",
  }));

/** A call that met the broker failing over (or its effects not yet there): sent again. */
const { transient, counts: failedBy } = transientErrors();

describe("chaos: the network on a three-node NATS cluster losing nodes under load", () => {
  it(`keeps every one of ${REFERRALS} referrals in one agreed state, none lost, no effect twice, each referral's steps in order`, async () => {
    const random = seededRandom("nats-cluster-services");
    const cluster = network.natsCluster;
    const person = await registerWithConsent(intake(), network.orgs);
    const requests = Array.from({ length: REFERRALS }, (_, i) => ({
      requestId: uuidv4(),
      accept: i % 2 === 0,
    }));
    const expected = new Map<string, ReferralStatus>();

    // Faults while the load runs: kill -9 of a random node every 5 s (restarted on its store), and
    // once, when half the referrals are acknowledged, the meta leader paused with SIGSTOP.
    const chaos = new AbortController();
    let pause: Promise<string> | undefined;
    let pausing = false;
    // One fault at a time: a kill and the pause together would be a lost quorum, not a fault.
    let killing: Promise<void> = Promise.resolve();
    const kills = faultLoop(
      { minMs: 5_000, maxMs: 5_000, random: random.next, signal: chaos.signal },
      async () => {
        if (pausing) return undefined;
        const victim = random.pick(cluster.nodes);
        killing = (async () => {
          await cluster.ready({ timeoutMs: 120_000 });
          await victim.server.kill();
          await victim.server.restart();
        })();
        await killing;
        return `kill -9 ${victim.name} (restarted)`;
      },
    );
    const pauseLeader = async (): Promise<string> => {
      pausing = true;
      try {
        await killing;
        await cluster.ready({ timeoutMs: 120_000 });
        const leader = await cluster.metaLeader();
        const pid = leader.server.pid as number;
        const before = expected.size;
        process.kill(pid, "SIGSTOP");
        try {
          await new Promise((resolve) => setTimeout(resolve, PAUSE_SECONDS * 1_000));
        } finally {
          process.kill(pid, "SIGCONT");
        }
        const line = `SIGSTOP meta leader ${leader.name} for ${PAUSE_SECONDS} s; ${expected.size - before} referrals acknowledged meanwhile`;
        console.log(`[chaos] ${line}`);
        return line;
      } finally {
        pausing = false;
      }
    };

    const started = Date.now();
    try {
      await eachLimited(requests, 8, async ({ requestId, accept }) => {
        const created = await untilAcknowledged(
          `referral request ${requestId}`,
          () => intake().call("createReferral", counsellingReferral(network, requestId, person)),
          { timeoutMs: 600_000, retryable: transient },
        );
        const referralId = created.referral?.referralId ?? "";
        expect(referralId).not.toBe("");
        expected.set(referralId, accept ? S.REFERRAL_STATUS_ACCEPTED : S.REFERRAL_STATUS_RECEIVED);
        if (!pause && expected.size >= REFERRALS / 2) pause = pauseLeader();
        if (accept) await acceptAtTarget(referralId);
      });
    } finally {
      chaos.abort();
    }
    const faults = [...(await kills), ...(pause ? [await pause] : [])];
    await cluster.ready({ timeoutMs: 120_000 });
    console.log(
      `[chaos] nats-cluster-services: ${expected.size} referrals in ${((Date.now() - started) / 1000).toFixed(1)} s under ${faults.length} faults; failed calls by code ${JSON.stringify(Object.fromEntries(failedBy))}`,
    );
    expect(
      faults.some((line) => line.startsWith("SIGSTOP")),
      "the meta leader was paused",
    ).toBe(true);
    expect(faults.filter((line) => line.includes("kill -9")).length).toBeGreaterThan(0);

    function acceptAtTarget(referralId: string): Promise<void> {
      return acceptAt(network, municipalityInbox, referralId, { transient, timeoutMs: 600_000 });
    }

    // The three views agree on every referral, and every consumer has drained.
    await waitFor(
      async () => (await viewsAgree(network, expected)) && (await consumersDrained(network)) === true,
      {
        timeoutMs: 300_000,
        intervalMs: 1_000,
        message: `intake, the target and coordination to agree on all ${REFERRALS} referrals and every consumer to drain`,
      },
    ).catch(async (error) => {
      console.log(`[chaos] consumers: ${await consumersDrained(network).catch((e) => String(e))}`);
      throw error;
    });

    await expectSettled(network, expected);
  }, 1_800_000);
});
