import { type ServiceError, status } from "@grpc/grpc-js";
import { Priority, Purpose, ReferralStatus, ServiceType } from "@kopru/contracts/common/v1/vocabulary";
import type { CreateReferralRequest } from "@kopru/contracts/intake/v1/intake_service";
import type { ReferralInboxServiceClient } from "@kopru/contracts/referral/v1/inbox_service";
import type { GrpcClient } from "@kopru/service-kit";
import { connectNats, waitFor } from "@kopru/testing";
import { expect } from "vitest";
import { query } from "../support/database.js";
import type { ServiceName, TestNetwork } from "../support/network.js";

/**
 * The referral every chaos load sends: counselling at the network's Gaziantep MMCC for a person
 * registered with consent. A retry sends the same request id, which intake answers with the
 * referral it made the first time.
 */
export function counsellingReferral(
  network: TestNetwork,
  requestId: string,
  person: { beneficiaryId: string; consentId: string },
): CreateReferralRequest {
  return {
    requestId,
    beneficiaryId: person.beneficiaryId,
    serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
    priority: Priority.PRIORITY_NORMAL,
    purpose: Purpose.PURPOSE_SERVICE_PROVISION,
    reasonForReferral: "Needs counselling on services (synthetic).",
    consentId: person.consentId,
    routing: { $case: "explicitTarget", value: { organisationId: network.orgs.mmccGaziantep } },
    dataCategories: [],
  };
}

/** Every durable consumer of the network's streams with nothing pending and nothing unacknowledged. */
export async function consumersDrained(network: TestNetwork): Promise<true | string> {
  const nats = await connectNats(network.adminNats());
  try {
    const busy: string[] = [];
    for await (const stream of nats.jsm.streams.list()) {
      for await (const consumer of nats.jsm.consumers.list(stream.config.name)) {
        if (consumer.num_pending > 0 || consumer.num_ack_pending > 0)
          busy.push(`${consumer.name}: ${consumer.num_pending} pending, ${consumer.num_ack_pending} unacked`);
      }
    }
    return busy.length === 0 ? true : busy.join("; ");
  } finally {
    await nats.close();
  }
}

/**
 * Errors a call meets while the part it needs is being killed, restarted or failed over: the call
 * is sent again. `counts` keeps what was met (by gRPC code, or "not running"), printed after a
 * load: an INTERNAL there is worth a look.
 */
export function transientErrors(notRunning: RegExp = /is not running/): {
  transient(error: unknown): boolean;
  counts: Map<string, number>;
} {
  const counts = new Map<string, number>();
  return {
    counts,
    transient(error) {
      const down = error instanceof Error && notRunning.test(error.message);
      const code = (error as ServiceError | undefined)?.code;
      const key = down ? "not running" : (status[code as status] ?? String(code));
      counts.set(key, (counts.get(key) ?? 0) + 1);
      if (down) return true;
      return (
        code === status.UNAVAILABLE ||
        code === status.DEADLINE_EXCEEDED ||
        code === status.CANCELLED ||
        code === status.UNKNOWN ||
        code === status.INTERNAL
      );
    },
  };
}

export type ReferralRow = { referral_id: string; status: number; sequence: number };

/** Each view's referrals by id: intake's (the referrer's), the target MMCC's and coordination's. */
export async function referralViews(network: TestNetwork): Promise<Record<View, Map<string, ReferralRow>>> {
  const byId = async (service: ServiceName, sql: string) =>
    new Map(
      (await query<ReferralRow>(network.database(service).url, sql)).map((row) => [row.referral_id, row]),
    );
  return {
    intake: await byId(
      "intake",
      "SELECT referral_id::text, status, sequence FROM referrals WHERE role = 'referrer'",
    ),
    target: await byId(
      "municipality",
      "SELECT referral_id::text, status, sequence FROM referrals WHERE role = 'target'",
    ),
    coordination: await byId(
      "coordination",
      "SELECT referral_id, status, sequence::int FROM tracked_referrals",
    ),
  };
}
type View = "intake" | "target" | "coordination";

/** Whether every view holds every expected referral in its expected status. */
export async function viewsAgree(
  network: TestNetwork,
  expected: Map<string, ReferralStatus>,
): Promise<boolean> {
  const views = Object.values(await referralViews(network));
  for (const [referralId, want] of expected) {
    for (const view of views) if (view.get(referralId)?.status !== want) return false;
  }
  return true;
}

/**
 * Accepts a received referral at the target MMCC, sending the call again while it meets transient
 * errors (`inbox` is asked for a client at each attempt, so replicas can take turns). The expected
 * sequence makes a repeat after a lost answer fail, never accept twice.
 */
export async function acceptAtTarget(
  network: TestNetwork,
  inbox: (attempt: number) => GrpcClient<ReferralInboxServiceClient>,
  referralId: string,
  options: { transient: (error: unknown) => boolean; timeoutMs: number },
): Promise<void> {
  let attempt = 0;
  await waitFor(
    async () => {
      const row = (
        await query<ReferralRow>(
          network.database("municipality").url,
          "SELECT referral_id::text, status, sequence FROM referrals WHERE referral_id = $1 AND role = 'target'",
          [referralId],
        )
      )[0];
      if (row?.status === ReferralStatus.REFERRAL_STATUS_ACCEPTED) return true;
      if (row?.status !== ReferralStatus.REFERRAL_STATUS_RECEIVED) return false;
      await inbox(attempt++)
        .call("acceptReferral", { referralId, expectedSequence: row.sequence })
        .catch((error) => {
          if (options.transient(error)) return;
          const code = (error as ServiceError).code;
          if (code === status.FAILED_PRECONDITION || code === status.ABORTED) return;
          throw error;
        });
      return false;
    },
    { timeoutMs: options.timeoutMs, intervalMs: 200, message: `the target to accept referral ${referralId}` },
  );
}

/**
 * What a settled network must show after faults: each view holds exactly the acknowledged
 * referrals (none lost, none invented); no effect applied twice (one transition per status per
 * referral at the target and at intake, one tracked event per status at coordination, one case
 * link per accepted referral); and each referral's steps reached coordination in their order.
 */
export async function expectSettled(
  network: TestNetwork,
  expected: Map<string, ReferralStatus>,
): Promise<void> {
  const S = ReferralStatus;
  for (const [name, view] of Object.entries(await referralViews(network))) {
    expect(new Set(view.keys()), `referrals at ${name}`).toEqual(new Set(expected.keys()));
  }
  for (const [service, sql] of [
    [
      "municipality",
      `SELECT referral_id::text, to_status, count(*) AS n FROM referral_transitions
          WHERE role = 'target' GROUP BY referral_id, to_status HAVING count(*) > 1`,
    ],
    [
      "intake",
      `SELECT referral_id::text, to_status, count(*) AS n FROM referral_transitions
          WHERE role = 'referrer' GROUP BY referral_id, to_status HAVING count(*) > 1`,
    ],
    [
      "coordination",
      `SELECT referral_id, to_status, count(*) AS n FROM tracked_events
          GROUP BY referral_id, to_status HAVING count(*) > 1`,
    ],
  ] as const) {
    expect(await query(network.database(service).url, sql), `effects applied twice at ${service}`).toEqual(
      [],
    );
  }
  const links = await query<{ referral_id: string; n: string }>(
    network.database("municipality").url,
    "SELECT referral_id::text, count(*) AS n FROM municipality_case_referrals GROUP BY referral_id",
  );
  const linkCount = new Map(links.map((row) => [row.referral_id, Number(row.n)]));
  for (const [referralId, want] of expected) {
    expect(linkCount.get(referralId) ?? 0, `case links of ${referralId}`).toBe(
      want === S.REFERRAL_STATUS_ACCEPTED ? 1 : 0,
    );
  }
  const steps = await query<{ referral_id: string; steps: number[] }>(
    network.database("coordination").url,
    "SELECT referral_id, array_agg(to_status ORDER BY sequence) AS steps FROM tracked_events GROUP BY referral_id",
  );
  for (const { referral_id, steps: seen } of steps) {
    expect(seen, `coordination's steps of ${referral_id}`).toEqual(
      expected.get(referral_id) === S.REFERRAL_STATUS_ACCEPTED
        ? [S.REFERRAL_STATUS_REQUESTED, S.REFERRAL_STATUS_RECEIVED, S.REFERRAL_STATUS_ACCEPTED]
        : [S.REFERRAL_STATUS_REQUESTED, S.REFERRAL_STATUS_RECEIVED],
    );
  }
}
