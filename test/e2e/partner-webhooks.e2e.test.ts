import { randomUUID } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { decodeEvent } from "@kopru/bus";
import {
  DeclineReason,
  Priority,
  Purpose,
  ReferralStatus,
  ServiceType,
} from "@kopru/contracts/common/v1/vocabulary";
import { NoticeKind, type StaffNotice } from "@kopru/contracts/notification/v1/events";
import { ConsentWithdrawalReason } from "@kopru/contracts/referral/v1/consent";
import { NETWORK_LAYOUT, STREAMS, SUBJECTS } from "@kopru/events";
import { connectNats, waitFor } from "@kopru/testing";
import { Webhook } from "standardwebhooks";
import { v4 as uuidv4 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canary } from "../support/access.js";
import { clientsFor, registerWithConsent, SYNTHETIC_PERSON } from "../support/clients.js";
import type { TestNetwork } from "../support/network.js";
import { partnerApi, staffApi } from "../support/partner-api.js";
import { startPartnerNetwork } from "../support/partner-network.js";

// Webhooks across the real network: referrals move at intake and the municipality, their status
// events reach the gateway over JetStream, and signed deliveries arrive at a receiver this test
// runs on 127.0.0.1 (an address the network's administrator allowed), which verifies every
// signature with the standardwebhooks package as a partner would, and drops repeats by webhook-id.

/** One request the receiver got. */
interface Received {
  path: string;
  id: string;
  headers: IncomingHttpHeaders;
  raw: string;
  body: { id: string; type: string; data?: Record<string, unknown> };
  /**
   * Which of the path's secrets (as the test knows them now) verify the signature, by index.
   * Checked when asked: a ping may arrive before the test has read the secret from the answer.
   */
  readonly verifiedBy: number[];
}

type Mode = "ok" | "fail" | "hold";

/** A partner's webhook receiver: per path an answer mode and the secrets it verifies with. */
class Receiver {
  readonly received: Received[] = [];
  readonly held: ServerResponse[] = [];
  private readonly modes = new Map<string, Mode>();
  private readonly secrets = new Map<string, string[]>();

  private constructor(private readonly server: Server) {}

  static async start(): Promise<Receiver> {
    let receiver: Receiver | undefined;
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () =>
        receiver?.handle(
          request.url ?? "/",
          request.headers,
          Buffer.concat(chunks).toString("utf8"),
          response,
        ),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    receiver = new Receiver(server);
    return receiver;
  }

  url(path: string): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`;
  }

  set(path: string, mode: Mode, secrets?: string[]): void {
    this.modes.set(path, mode);
    if (secrets) this.secrets.set(path, secrets);
  }

  private verify(path: string, raw: string, headers: IncomingHttpHeaders): number[] {
    const verifiedBy: number[] = [];
    (this.secrets.get(path) ?? []).forEach((secret, index) => {
      try {
        new Webhook(secret).verify(raw, headers as Record<string, string>);
        verifiedBy.push(index);
      } catch {
        // Not signed with this secret.
      }
    });
    return verifiedBy;
  }

  private handle(path: string, headers: IncomingHttpHeaders, raw: string, response: ServerResponse): void {
    const receiver = this;
    this.received.push({
      path,
      id: String(headers["webhook-id"]),
      headers,
      raw,
      body: JSON.parse(raw),
      get verifiedBy() {
        return receiver.verify(path, raw, headers);
      },
    });
    const mode = this.modes.get(path) ?? "ok";
    if (mode === "hold") this.held.push(response);
    else response.writeHead(mode === "ok" ? 204 : 500).end();
  }

  /** What arrived at a path, each webhook-id once (a receiver's de-duplication). */
  unique(path: string): Received[] {
    const seen = new Set<string>();
    return this.at(path).filter((r) => {
      if (seen.has(r.id)) return false;
      seen.add(r.id);
      return true;
    });
  }

  at(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }

  async close(): Promise<void> {
    for (const response of this.held) response.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

let network: TestNetwork;
let receiver: Receiver;
const key = () => ({ "idempotency-key": randomUUID() });
/** A fresh client each time: after a restart the gateway listens on another port. */
const api = (organisationId: string) => partnerApi(network, organisationId);

beforeAll(async () => {
  receiver = await Receiver.start();
  network = await startPartnerNetwork({ services: ["intake", "municipality"] });
}, 300_000);

afterAll(async () => {
  await network?.close();
  await receiver?.close();
});

async function createEndpoint(
  organisationId: string,
  path: string,
  eventTypes: string[],
  mode: Mode = "ok",
): Promise<{ endpointId: string; secret: string }> {
  receiver.set(path, mode);
  const { data, error, response } = await api(organisationId).POST("/v1/webhooks/endpoints", {
    headers: key(),
    body: { url: receiver.url(path), eventTypes: eventTypes as never, description: `test ${path}` },
  });
  expect(error, JSON.stringify(error)).toBeUndefined();
  expect(response.status).toBe(201);
  const endpointId = data?.endpoint?.endpointId as string;
  expect(response.headers.get("location")).toBe(`/v1/webhooks/endpoints/${endpointId}`);
  receiver.set(path, mode, [data?.secret as string]);
  return { endpointId, secret: data?.secret as string };
}

/** A referral from the NGO to the Gaziantep MMCC, made at intake. */
async function refer(
  person: { beneficiaryId: string; consentId: string },
  reasonForReferral = "Needs counselling (synthetic).",
): Promise<string> {
  const created = await clientsFor(network)
    .intake()
    .call("createReferral", {
      requestId: uuidv4(),
      beneficiaryId: person.beneficiaryId,
      serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
      priority: Priority.PRIORITY_NORMAL,
      purpose: Purpose.PURPOSE_SERVICE_PROVISION,
      reasonForReferral,
      consentId: person.consentId,
      routing: { $case: "explicitTarget", value: { organisationId: network.orgs.mmccGaziantep } },
      dataCategories: [],
    });
  return created.referral?.referralId as string;
}

async function arrived(
  path: string,
  type: string,
  referralId?: string,
  timeoutMs = 60_000,
): Promise<Received> {
  return waitFor(
    async () =>
      receiver
        .unique(path)
        .find(
          (r) => r.body.type === type && (referralId === undefined || r.body.data?.referralId === referralId),
        ),
    { timeoutMs, message: `${type} ${referralId ?? ""} never arrived at ${path}` },
  );
}

describe("webhook endpoints", () => {
  it("refuses without a token (401), without the scope (403), and to a caseworker (403)", async () => {
    const { orgs } = network;
    const anonymous = partnerApi(network, orgs.ngo, { authorization: null });
    expect((await anonymous.GET("/v1/webhooks/endpoints")).response.status).toBe(401);
    const reader = partnerApi(network, orgs.ngo, { scopes: ["referrals:read"] });
    const refused = await reader.GET("/v1/webhooks/endpoints");
    expect(refused.response.status).toBe(403);
    expect(refused.error?.code).toBe("insufficient_scope");
    const caseworker = staffApi(network, { organisationId: orgs.ngo, actorId: "caseworker-1" });
    expect((await caseworker.GET("/v1/webhooks/endpoints")).response.status).toBe(403);
    const supervisor = staffApi(network, {
      organisationId: orgs.ngo,
      actorId: "supervisor-1",
      role: "supervisor",
    } as never);
    expect((await supervisor.GET("/v1/webhooks/endpoints")).response.status).toBe(200);
  });

  it("refuses URLs that reach inside the network (422 naming url), and invalid bodies (400 naming the field)", async () => {
    const ngo = api(network.orgs.ngo);
    for (const url of [
      "http://127.0.0.2:9/hook",
      "https://169.254.169.254/latest/meta-data/",
      "https://[fd00:ec2::254]/",
      "http://10.0.0.1/hook",
      "ftp://127.0.0.1/hook",
    ]) {
      const { error, response } = await ngo.POST("/v1/webhooks/endpoints", {
        headers: key(),
        body: { url, eventTypes: ["WEBHOOK_EVENT_TYPE_REFERRAL_ACCEPTED"] },
      });
      expect(response.status, url).toBe(422);
      expect(error?.code).toBe("webhook_url_refused");
      expect(error?.invalid_params?.[0]?.name).toBe("url");
    }
    const missing = await ngo.POST("/v1/webhooks/endpoints", {
      headers: key(),
      body: { url: receiver.url("/x") } as never,
    });
    expect(missing.response.status).toBe(400);
    expect(JSON.stringify(missing.error?.invalid_params)).toContain("eventTypes");
    const unknown = await ngo.POST("/v1/webhooks/endpoints", {
      headers: key(),
      body: { url: receiver.url("/x"), eventTypes: ["REFERRAL_EATEN"] as never },
    });
    expect(unknown.response.status).toBe(400);
    expect(JSON.stringify(unknown.error?.invalid_params)).toContain("eventTypes");
    const hidden = await ngo.POST("/v1/webhooks/endpoints", {
      headers: key(),
      body: {
        url: receiver.url("/x"),
        eventTypes: ["WEBHOOK_EVENT_TYPE_REFERRAL_ACCEPTED"],
        description: "ours\u202Etxt.exe",
      },
    });
    expect(hidden.response.status).toBe(400);
    expect(hidden.error?.invalid_params?.[0]?.name).toBe("description");
    const notAnId = await ngo.GET("/v1/webhooks/endpoints/{endpointId}", {
      params: { path: { endpointId: "not-an-id" } },
    });
    expect(notAnId.response.status).toBe(400);
    // Nothing was registered by any of them.
    expect((await ngo.GET("/v1/webhooks/endpoints")).data?.endpoints ?? []).toEqual([]);
  });

  it("shows an organisation only its own endpoints: another's answers 404", async () => {
    const { orgs } = network;
    const { endpointId } = await createEndpoint(orgs.ngoOther, "/other", [
      "WEBHOOK_EVENT_TYPE_REFERRAL_ACCEPTED",
    ]);
    const ngo = api(orgs.ngo);
    const path = { params: { path: { endpointId } } };
    expect((await ngo.GET("/v1/webhooks/endpoints/{endpointId}", path)).response.status).toBe(404);
    expect((await ngo.GET("/v1/webhooks/endpoints/{endpointId}/deliveries", path)).response.status).toBe(404);
    expect(
      (
        await ngo.PATCH("/v1/webhooks/endpoints/{endpointId}", {
          ...path,
          body: { state: "WEBHOOK_ENDPOINT_STATE_PAUSED" },
        })
      ).response.status,
    ).toBe(404);
    expect(
      (
        await ngo.POST("/v1/webhooks/endpoints/{endpointId}/rotate-secret", {
          ...path,
          headers: key(),
          body: {},
        })
      ).response.status,
    ).toBe(404);
    expect((await ngo.DELETE("/v1/webhooks/endpoints/{endpointId}", path)).response.status).toBe(404);
    const own = await api(orgs.ngoOther).GET("/v1/webhooks/endpoints/{endpointId}", path);
    expect(own.data?.state).toBe("WEBHOOK_ENDPOINT_STATE_ACTIVE");
    // Its own ping arrived, signed.
    const ping = await arrived("/other", "ping");
    expect(ping.verifiedBy).toEqual([0]);
    expect(
      (await api(orgs.ngoOther).DELETE("/v1/webhooks/endpoints/{endpointId}", path)).response.status,
    ).toBe(204);
    expect((await api(orgs.ngoOther).GET("/v1/webhooks/endpoints/{endpointId}", path)).response.status).toBe(
      404,
    );
  });
});

describe("deliveries of a real referral's events", () => {
  let ngoEndpoint: { endpointId: string; secret: string };
  let referralId: string;

  it("tells the target of a new referral and the referrer of each change, signed, with ids and codes only", async () => {
    const { orgs } = network;
    ngoEndpoint = await createEndpoint(orgs.ngo, "/ngo", [
      "WEBHOOK_EVENT_TYPE_REFERRAL_ACKNOWLEDGED",
      "WEBHOOK_EVENT_TYPE_REFERRAL_ACCEPTED",
      "WEBHOOK_EVENT_TYPE_REFERRAL_STARTED",
      "WEBHOOK_EVENT_TYPE_REFERRAL_DECLINED",
    ]);
    await createEndpoint(orgs.mmccGaziantep, "/mmcc", [
      "WEBHOOK_EVENT_TYPE_REFERRAL_RECEIVED",
      "WEBHOOK_EVENT_TYPE_REFERRAL_ACCEPTED",
    ]);
    const clients = clientsFor(network);
    const secretName = canary();
    const intake = clients.intake();
    const person = await registerWithConsent(intake, orgs);
    referralId = await refer(person, `Needs counselling; ${secretName} (synthetic).`);

    const received = await arrived("/mmcc", "referral.received", referralId);
    expect(received.body.data).toMatchObject({
      referralId,
      referrerOrganisationId: orgs.ngo,
      targetOrganisationId: orgs.mmccGaziantep,
      status: "REFERRAL_STATUS_REQUESTED",
      serviceType: "SERVICE_TYPE_MMCC_COUNSELLING",
    });
    expect(received.verifiedBy).toEqual([0]);
    expect(received.body.id).toBe(received.id);
    const acknowledged = await arrived("/ngo", "referral.acknowledged", referralId);
    expect(acknowledged.verifiedBy).toEqual([0]);

    const inbox = clients.municipalityInbox();
    await inbox.call("acceptReferral", { referralId });
    const accepted = await arrived("/ngo", "referral.accepted", referralId);
    expect(accepted.body.data?.status).toBe("REFERRAL_STATUS_ACCEPTED");
    // Both parties hear of the acceptance; the target's endpoint did not subscribe to receipts.
    await arrived("/mmcc", "referral.accepted", referralId);
    expect(receiver.at("/mmcc").filter((r) => r.body.type === "referral.acknowledged")).toEqual([]);
    await inbox.call("startReferral", { referralId });
    await arrived("/ngo", "referral.started", referralId);

    // Ids, codes and times only: nothing of the person in any body, nor in the gateway's logs.
    const bodies = receiver.received.map((r) => r.raw).join("\n");
    for (const personal of [
      SYNTHETIC_PERSON.givenName,
      SYNTHETIC_PERSON.familyName,
      SYNTHETIC_PERSON.phoneNumber,
      person.beneficiaryId,
      person.consentId,
      secretName,
    ]) {
      expect(bodies).not.toContain(personal);
      expect(network.logs("gateway")).not.toContain(personal);
    }
  });

  it("keeps a delivery log per endpoint, newest first, a page at a time", async () => {
    const ngo = api(network.orgs.ngo);
    const path = { endpointId: ngoEndpoint.endpointId };
    // The receiver has them all; the log says so once each answer is recorded.
    const deliveries = await waitFor(
      async () => {
        const all = await ngo.GET("/v1/webhooks/endpoints/{endpointId}/deliveries", { params: { path } });
        const listed = all.data?.deliveries ?? [];
        return listed.every((d) => d.state === "WEBHOOK_DELIVERY_STATE_DELIVERED") ? listed : undefined;
      },
      { timeoutMs: 30_000, message: "the log never showed every delivery delivered" },
    );
    // ping, acknowledged, accepted, started.
    expect(deliveries.length).toBe(4);
    expect(deliveries.map((d) => d.eventType)).toEqual([
      "WEBHOOK_EVENT_TYPE_REFERRAL_STARTED",
      "WEBHOOK_EVENT_TYPE_REFERRAL_ACCEPTED",
      "WEBHOOK_EVENT_TYPE_REFERRAL_ACKNOWLEDGED",
      "WEBHOOK_EVENT_TYPE_PING",
    ]);
    for (const delivery of deliveries) {
      expect(delivery).toMatchObject({
        state: "WEBHOOK_DELIVERY_STATE_DELIVERED",
        attempts: 1,
        lastStatusCode: 204,
      });
    }
    const first = await ngo.GET("/v1/webhooks/endpoints/{endpointId}/deliveries", {
      params: { path, query: { pageSize: 3 } },
    });
    expect(first.data?.deliveries?.map((d) => d.deliveryId)).toEqual(
      deliveries.slice(0, 3).map((d) => d.deliveryId),
    );
    const second = await ngo.GET("/v1/webhooks/endpoints/{endpointId}/deliveries", {
      params: { path, query: { pageSize: 3, pageToken: first.data?.nextPageToken as string } },
    });
    expect(second.data?.deliveries?.map((d) => d.deliveryId)).toEqual([deliveries[3]?.deliveryId]);
    expect(second.data?.nextPageToken ?? "").toBe("");
    const bad = await ngo.GET("/v1/webhooks/endpoints/{endpointId}/deliveries", {
      params: { path, query: { pageToken: "not-a-token" } },
    });
    expect(bad.response.status).toBe(400);
    expect(bad.error?.invalid_params?.[0]?.name).toBe("pageToken");
  });

  it("replays one delivery, and everything since a time, under the same webhook-ids", async () => {
    const ngo = api(network.orgs.ngo);
    const path = { endpointId: ngoEndpoint.endpointId };
    const accepted = receiver.unique("/ngo").find((r) => r.body.type === "referral.accepted") as Received;
    const before = receiver.at("/ngo").filter((r) => r.id === accepted.id).length;
    const replayed = await ngo.POST("/v1/webhooks/endpoints/{endpointId}/deliveries/{deliveryId}/replay", {
      params: { path: { ...path, deliveryId: accepted.id } },
      headers: key(),
    });
    expect(replayed.response.status).toBe(202);
    expect(replayed.data?.state).toBe("WEBHOOK_DELIVERY_STATE_PENDING");
    await waitFor(() => receiver.at("/ngo").filter((r) => r.id === accepted.id).length === before + 1, {
      timeoutMs: 30_000,
      message: "the replayed delivery never arrived",
    });
    const missing = await ngo.POST("/v1/webhooks/endpoints/{endpointId}/deliveries/{deliveryId}/replay", {
      params: { path: { ...path, deliveryId: randomUUID() } },
      headers: key(),
    });
    expect(missing.response.status).toBe(404);

    const count = receiver.at("/ngo").length;
    const since = await ngo.POST("/v1/webhooks/endpoints/{endpointId}/replay", {
      params: { path },
      headers: key(),
      body: { since: new Date(Date.now() - 3600_000).toISOString() },
    });
    expect(since.response.status).toBe(202);
    expect(since.data?.replayed).toBe(4);
    await waitFor(() => receiver.at("/ngo").length >= count + 4, {
      timeoutMs: 30_000,
      message: "the replayed deliveries never arrived",
    });
    // A receiver that drops repeats still has each event once.
    expect(receiver.unique("/ngo")).toHaveLength(4);
  });

  it("rotates the secret: both secrets sign during the overlap", async () => {
    const ngo = api(network.orgs.ngo);
    const path = { endpointId: ngoEndpoint.endpointId };
    const rotated = await ngo.POST("/v1/webhooks/endpoints/{endpointId}/rotate-secret", {
      params: { path },
      headers: key(),
      body: { overlapSeconds: 3600 },
    });
    expect(rotated.response.status).toBe(200);
    const secret = rotated.data?.secret as string;
    expect(secret).toMatch(/^whsec_/);
    expect(secret).not.toBe(ngoEndpoint.secret);
    expect(rotated.data?.endpoint?.previousSecretExpiresAt).toBeDefined();
    receiver.set("/ngo", "ok", [ngoEndpoint.secret, secret]);
    const ping = await ngo.POST("/v1/webhooks/endpoints/{endpointId}/ping", {
      params: { path },
      headers: key(),
    });
    expect(ping.response.status).toBe(202);
    const delivered = await waitFor(() => receiver.at("/ngo").find((r) => r.id === ping.data?.deliveryId), {
      timeoutMs: 30_000,
      message: "the ping after rotation never arrived",
    });
    expect(String(delivered.headers["webhook-signature"]).split(" ")).toHaveLength(2);
    expect(delivered.verifiedBy).toEqual([0, 1]);
    const tooLong = await ngo.POST("/v1/webhooks/endpoints/{endpointId}/rotate-secret", {
      params: { path },
      headers: key(),
      body: { overlapSeconds: 30 * 24 * 3600 },
    });
    expect(tooLong.response.status).toBe(400);
    expect(tooLong.error?.invalid_params?.[0]?.name).toBe("overlapSeconds");
  });
});

describe("declines and consent withdrawals", () => {
  it("tells both parties of a decline, and of a cancellation because consent was withdrawn as consent.withdrawn", async () => {
    const { orgs } = network;
    await createEndpoint(orgs.ngo, "/ngo-ends", [
      "WEBHOOK_EVENT_TYPE_REFERRAL_DECLINED",
      "WEBHOOK_EVENT_TYPE_REFERRAL_CANCELLED",
      "WEBHOOK_EVENT_TYPE_CONSENT_WITHDRAWN",
    ]);
    await createEndpoint(orgs.mmccGaziantep, "/mmcc-ends", [
      "WEBHOOK_EVENT_TYPE_REFERRAL_DECLINED",
      "WEBHOOK_EVENT_TYPE_CONSENT_WITHDRAWN",
    ]);
    const clients = clientsFor(network);
    const person = await registerWithConsent(clients.intake(), orgs);
    const declined = await refer(person);
    await arrived("/ngo-ends", "ping");
    await waitFor(
      async () =>
        (await clients.intake().call("getReferral", { referralId: declined })).referral?.status ===
        ReferralStatus.REFERRAL_STATUS_RECEIVED,
      { timeoutMs: 30_000, message: "the referral never reached the MMCC" },
    );
    await clients.municipalityInbox().call("declineReferral", {
      referralId: declined,
      reason: DeclineReason.DECLINE_REASON_OUTSIDE_MANDATE,
      internalNote: "Not ours (synthetic).",
    });
    const told = await arrived("/ngo-ends", "referral.declined", declined);
    expect(told.body.data).toMatchObject({
      status: "REFERRAL_STATUS_DECLINED",
      declineReason: "DECLINE_REASON_OUTSIDE_MANDATE",
    });
    expect(told.raw).not.toContain("synthetic");
    await arrived("/mmcc-ends", "referral.declined", declined);

    const open = await refer(person);
    await waitFor(
      async () =>
        (await clients.intake().call("getReferral", { referralId: open })).referral?.status ===
        ReferralStatus.REFERRAL_STATUS_RECEIVED,
      { timeoutMs: 30_000, message: "the second referral never reached the MMCC" },
    );
    await clients.intake().call("withdrawConsent", {
      consentId: person.consentId,
      reason: ConsentWithdrawalReason.CONSENT_WITHDRAWAL_REASON_BENEFICIARY_REQUEST,
      cancelOpenReferrals: true,
      policy: 0,
      continuingBasis: 0,
    });
    const withdrawn = await arrived("/ngo-ends", "consent.withdrawn", open);
    expect(withdrawn.body.data).toMatchObject({
      status: "REFERRAL_STATUS_CANCELLED",
      cancelReason: "CANCEL_REASON_CONSENT_WITHDRAWN",
    });
    await arrived("/mmcc-ends", "consent.withdrawn", open);
    // Told as consent.withdrawn, not also as a plain cancellation.
    expect(receiver.at("/ngo-ends").filter((r) => r.body.type === "referral.cancelled")).toEqual([]);
  });
});

describe("a gateway that crashes mid-delivery", () => {
  it("delivers every event at least once after a kill -9, the repeats under the same webhook-id", async () => {
    const { orgs } = network;
    await createEndpoint(orgs.mmccGaziantep, "/crash", ["WEBHOOK_EVENT_TYPE_REFERRAL_RECEIVED"], "hold");
    const intake = clientsFor(network).intake();
    const person = await registerWithConsent(intake, orgs);
    const before: string[] = [];
    for (let i = 0; i < 4; i++) before.push(await refer(person));
    // Deliveries are on the wire, unanswered, when the gateway dies.
    await waitFor(
      () => receiver.at("/crash").filter((r) => r.body.type === "referral.received").length >= 2,
      {
        timeoutMs: 60_000,
        message: "no delivery reached the receiver before the crash",
      },
    );
    const inFlight = receiver.at("/crash").map((r) => r.id);
    await network.stop("gateway", "SIGKILL");
    // Events that happen while it is down wait on the stream.
    const during: string[] = [];
    for (let i = 0; i < 3; i++) during.push(await refer(person));
    receiver.set("/crash", "ok");
    for (const response of receiver.held.splice(0)) response.destroy();
    await network.start("gateway");

    const expected = [...before, ...during];
    // What was on the wire at the crash is sent again once its claim (one delivery timeout) lapses,
    // which can be after every event has been seen once: wait for both.
    await waitFor(
      () => {
        const got = new Set(receiver.unique("/crash").map((r) => r.body.data?.referralId));
        const ids = receiver.at("/crash").map((r) => r.id);
        return (
          expected.every((id) => got.has(id)) &&
          inFlight.every((id) => ids.filter((x) => x === id).length >= 2)
        );
      },
      { timeoutMs: 90_000, message: "every event delivered after the restart, and what was in flight again" },
    );
    const unique = receiver.unique("/crash").filter((r) => r.body.type === "referral.received");
    // Exactly one distinct webhook-id per event; what was on the wire at the crash came again.
    expect(unique.map((r) => r.body.data?.referralId).sort()).toEqual([...expected].sort());
    const ids = receiver.at("/crash").map((r) => r.id);
    for (const id of inFlight) expect(ids.filter((x) => x === id).length).toBeGreaterThanOrEqual(2);
    expect(receiver.at("/crash").every((r) => r.verifiedBy.length === 1)).toBe(true);
  });
});

describe("an endpoint that keeps failing", () => {
  it("is retried with backoff, then disabled after the retry window, and its supervisors are told", async () => {
    const { orgs } = network;
    const owner = orgs.ngoOther;
    const { endpointId } = await createEndpoint(
      owner,
      "/fail",
      ["WEBHOOK_EVENT_TYPE_REFERRAL_ACCEPTED"],
      "fail",
    );
    const partner = api(owner);
    const path = { params: { path: { endpointId } } };
    // The ping failed and waits for its next attempt.
    const pending = await waitFor(
      async () => {
        const log = await partner.GET("/v1/webhooks/endpoints/{endpointId}/deliveries", path);
        const ping = log.data?.deliveries?.[0];
        return ping && (ping.attempts ?? 0) >= 2 ? ping : undefined;
      },
      { timeoutMs: 60_000, message: "the failing ping was not retried" },
    );
    expect(pending).toMatchObject({
      state: "WEBHOOK_DELIVERY_STATE_PENDING",
      lastStatusCode: 500,
      lastError: "HTTP 500",
    });
    expect(pending.nextAttemptAt).toBeDefined();
    expect((await partner.GET("/v1/webhooks/endpoints/{endpointId}", path)).data?.state).toBe(
      "WEBHOOK_ENDPOINT_STATE_ACTIVE",
    );

    // A day and more later (the business clock), the last attempt fails too.
    network.advanceClock(27 * 3600_000);
    const disabled = await waitFor(
      async () => {
        const endpoint = (await partner.GET("/v1/webhooks/endpoints/{endpointId}", path)).data;
        return endpoint?.state === "WEBHOOK_ENDPOINT_STATE_DISABLED" ? endpoint : undefined;
      },
      { timeoutMs: 60_000, message: "the endpoint was never disabled" },
    );
    expect(disabled.disabledReason).toMatch(/HTTP 500/);
    const log = await partner.GET("/v1/webhooks/endpoints/{endpointId}/deliveries", path);
    expect(log.data?.deliveries?.[0]?.state).toBe("WEBHOOK_DELIVERY_STATE_FAILED");

    // The organisation's supervisors are told, through the bus (read here as the admin).
    const nats = await connectNats(network.adminNats());
    try {
      const definitions = new Map(NETWORK_LAYOUT.events.map((e) => [e.type, e]));
      const notice = await waitFor(
        async () => {
          const consumer = await nats.js.consumers.get(STREAMS.notice.name, {
            filter_subjects: SUBJECTS.noticeFor(owner),
          });
          try {
            const batch = await consumer.fetch({ max_messages: 100, expires: 1_000 });
            for await (const message of batch) {
              const { event } = decodeEvent<StaffNotice>(message.data, message.subject, definitions as never);
              if (event.payload.kind === NoticeKind.NOTICE_KIND_WEBHOOK_ENDPOINT_DISABLED)
                return event.payload;
            }
          } finally {
            await consumer.delete().catch(() => {});
          }
          return undefined;
        },
        { timeoutMs: 30_000, message: "no notice of the disabled endpoint" },
      );
      expect(notice).toMatchObject({
        organisationId: owner,
        recipient: { $case: "role", value: "supervisor" },
        sourceService: "gateway",
      });
    } finally {
      await nats.close();
    }

    // Re-enabled once it answers again: what waited is delivered.
    receiver.set("/fail", "ok");
    const before = receiver.at("/fail").length;
    const enabled = await partner.PATCH("/v1/webhooks/endpoints/{endpointId}", {
      ...path,
      body: { state: "WEBHOOK_ENDPOINT_STATE_ACTIVE" },
    });
    expect(enabled.data?.state).toBe("WEBHOOK_ENDPOINT_STATE_ACTIVE");
    expect(enabled.data?.disabledReason).toBeUndefined();
    const replayed = await partner.POST("/v1/webhooks/endpoints/{endpointId}/replay", {
      ...path,
      headers: key(),
      body: { since: new Date(Date.now() - 3600_000).toISOString() },
    });
    expect(replayed.data?.replayed).toBe(1);
    await waitFor(() => receiver.at("/fail").length > before, {
      timeoutMs: 30_000,
      message: "the re-enabled endpoint got nothing",
    });
  });
});
