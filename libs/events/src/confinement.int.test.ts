import { patternsOverlap, provisionStreams } from "@kopru/bus";
import { type BusAccess, type ConsumerGrant, natsPermissions } from "@kopru/nats-server";
import { type ConfinedNatsServer, startConfinedNatsServer, waitFor } from "@kopru/testing";
import { AckPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { type NatsConnection, PermissionViolationError } from "@nats-io/nats-core";
import { connect } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type NetworkService, networkBusAccess } from "./access.js";
import { NETWORK_LAYOUT, STREAMS, SUBJECTS } from "./layout.js";

// A broker of the test's own, configured the way the network runs it: one user per service, each
// confined to its declared bus access. Never the machine's 4222.

const ORGS: Record<NetworkService, string[]> = {
  intake: ["ngo-hayat"],
  protection: ["prot-a"],
  ecm: ["ecm-a"],
  "community-centre": ["cc-a"],
  municipality: ["mmcc-a", "mmcc-b"],
  coordination: [],
  notifications: [],
  gateway: [],
  matching: [],
};
const ACCESS = networkBusAccess(ORGS);
const access = (service: NetworkService) => ACCESS.find((a) => a.user === service) as BusAccess;

let server: ConfinedNatsServer;
const open: NatsConnection[] = [];

async function connectAs(user: string): Promise<NatsConnection> {
  const nc = await connect({ ...server.connectOptions(user), reconnect: false });
  open.push(nc);
  return nc;
}

/** The error, or the cause it wraps, that the broker's "Permissions Violation" became. */
async function refusal(attempt: Promise<unknown>): Promise<PermissionViolationError> {
  const error = await attempt.then(
    () => undefined,
    (e: unknown) => e,
  );
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (e instanceof PermissionViolationError) return e;
  }
  throw new Error(`expected a permission violation, got ${error === undefined ? "success" : String(error)}`);
}

/** A concrete subject for a permitted pattern (`*` and `>` filled with a token of the service's own). */
function concrete(pattern: string, token: string): string {
  return pattern.replaceAll("*", token).replace(/>$/, "x");
}

beforeAll(async () => {
  server = await startConfinedNatsServer({ access: ACCESS });
  const admin = await connectAs("admin");
  await provisionStreams(await jetstreamManager(admin), NETWORK_LAYOUT);
});

afterAll(async () => {
  await Promise.all(open.map((nc) => nc.close().catch(() => {})));
  await server?.close();
});

describe("who may connect", () => {
  it("refuses a connection without credentials", async () => {
    await expect(connect({ servers: server.url, reconnect: false })).rejects.toThrow(
      /Authorization Violation/,
    );
  });

  it("refuses a wrong password", async () => {
    await expect(
      connect({ servers: server.url, user: "municipality", pass: "not-the-password", reconnect: false }),
    ).rejects.toThrow(/Authorization Violation/);
  });

  it("writes the passwords only as bcrypt hashes", async () => {
    const { readFile } = await import("node:fs/promises");
    const text = await readFile(server.configPath, "utf8");
    for (const credential of [server.credentials.admin, ...Object.values(server.credentials.services)]) {
      expect(text).not.toContain(credential.password);
    }
    expect(text).toMatch(/password: "\$2[ab]\$/);
  });
});

describe("a municipality's NATS user", () => {
  it("cannot subscribe to a subject addressed to protection, nor to anything but its own inbox", async () => {
    const nc = await connectAs("municipality");
    for (const subject of [
      SUBJECTS.requestedFor("prot-a"),
      "kopru.v1.referral.>",
      ">",
      "_INBOX_protection.>",
      "_INBOX.>",
    ]) {
      const sub = nc.subscribe(subject);
      const closed = await sub.closed;
      expect(closed, subject).toBeInstanceOf(PermissionViolationError);
      expect((closed as PermissionViolationError).operation).toBe("subscription");
    }
  });

  it("cannot create a consumer with another organisation's filter", async () => {
    const jsm = await jetstreamManager(await connectAs("municipality"), { checkAPI: false });
    const attempts: Partial<ConsumerGrant & { name?: string }>[] = [
      // its own durable name, protection's filter
      { durable: "municipality-mmcc-a-requested", filterSubject: SUBJECTS.requestedFor("prot-a") },
      // protection's durable
      { durable: "protection-prot-a-requested", filterSubject: SUBJECTS.requestedFor("prot-a") },
      // a wider filter than its own
      { durable: "municipality-mmcc-a-requested", filterSubject: "kopru.v1.referral.requested.*" },
    ];
    for (const { durable, filterSubject } of attempts) {
      const error = await refusal(
        jsm.consumers.add(STREAMS.referral.name, {
          durable_name: durable as string,
          filter_subject: filterSubject as string,
          ack_policy: AckPolicy.Explicit,
        }),
      );
      expect(error.operation).toBe("publish");
      expect(error.subject).toBe(
        `$JS.API.CONSUMER.CREATE.${STREAMS.referral.name}.${durable}.${filterSubject}`,
      );
    }
    // An ephemeral consumer, or a create whose filter is only in the body.
    await refusal(
      jsm.consumers.add(STREAMS.referral.name, {
        filter_subject: SUBJECTS.requestedFor("prot-a"),
        ack_policy: AckPolicy.Explicit,
      }),
    );
    const nc = await connectAs("municipality");
    const body = new TextEncoder().encode(
      JSON.stringify({
        stream_name: STREAMS.referral.name,
        config: {
          durable_name: "municipality-mmcc-a-requested",
          filter_subject: SUBJECTS.requestedFor("prot-a"),
        },
      }),
    );
    for (const subject of [
      `$JS.API.CONSUMER.DURABLE.CREATE.${STREAMS.referral.name}.municipality-mmcc-a-requested`,
      `$JS.API.CONSUMER.CREATE.${STREAMS.referral.name}.municipality-mmcc-a-requested`,
    ]) {
      expect((await refusal(nc.request(subject, body, { timeout: 5_000 }))).subject).toBe(subject);
    }
  });

  it("cannot read stream messages directly, nor purge or delete a stream", async () => {
    const nc = await connectAs("municipality");
    const jsm = await jetstreamManager(nc, { checkAPI: false });
    const stream = STREAMS.referral.name;
    expect((await refusal(jsm.streams.getMessage(stream, { seq: 1 }))).subject).toBe(
      `$JS.API.STREAM.MSG.GET.${stream}`,
    );
    const direct = new TextEncoder().encode(JSON.stringify({ seq: 1 }));
    for (const subject of [
      `$JS.API.DIRECT.GET.${stream}`,
      `$JS.API.DIRECT.GET.${stream}.${SUBJECTS.requestedFor("prot-a")}`,
    ]) {
      expect((await refusal(nc.request(subject, direct, { timeout: 5_000 }))).subject).toBe(subject);
    }
    expect((await refusal(jsm.streams.purge(stream))).subject).toBe(`$JS.API.STREAM.PURGE.${stream}`);
    expect((await refusal(jsm.streams.delete(stream))).subject).toBe(`$JS.API.STREAM.DELETE.${stream}`);
    expect((await refusal(jsm.streams.deleteMessage(stream, 1))).subject).toBe(
      `$JS.API.STREAM.MSG.DELETE.${stream}`,
    );
    await refusal(jsm.streams.update(stream, { max_age: 0 }));
    await refusal(jsm.consumers.list(stream).next());
  });

  it("never receives a referral addressed to protection, which protection does receive", async () => {
    const municipality = await connectAs("municipality");
    const seen: string[] = [];
    // Everything the municipality could be handed: its inbox (where pulls and replies arrive) and
    // every subscription it attempts.
    for (const subject of [
      "_INBOX_municipality.>",
      ">",
      SUBJECTS.requestedFor("prot-a"),
      "_INBOX_protection.>",
    ]) {
      municipality.subscribe(subject, {
        callback: (err, msg) => {
          // On a refused subscription the callback gets the error and an empty message.
          if (!err) seen.push(msg.string());
        },
      });
    }
    const municipalityJsm = await jetstreamManager(municipality, { checkAPI: false });
    const own = access("municipality").consumers.find((c) => c.durable === "municipality-mmcc-a-requested");
    await municipalityJsm.consumers.add(STREAMS.referral.name, {
      durable_name: own?.durable as string,
      filter_subject: own?.filterSubject as string,
      ack_policy: AckPolicy.Explicit,
    });

    const canary = `canary-${Date.now()}`;
    const intake = await connectAs("intake");
    const ack = await jetstream(intake).publish(SUBJECTS.requestedFor("prot-a"), canary);
    expect(ack.stream).toBe(STREAMS.referral.name);

    // The positive signal: protection's own durable gets it.
    const protection = await connectAs("protection");
    await jetstreamManager(protection, { checkAPI: false }).then((jsm) =>
      jsm.consumers.add(STREAMS.referral.name, {
        durable_name: "protection-prot-a-requested",
        filter_subject: SUBJECTS.requestedFor("prot-a"),
        ack_policy: AckPolicy.Explicit,
      }),
    );
    const consumer = await jetstream(protection).consumers.get(
      STREAMS.referral.name,
      "protection-prot-a-requested",
    );
    const received = await waitFor(
      async () => {
        const batch = await consumer.fetch({ max_messages: 10, expires: 1_000 });
        for await (const msg of batch) {
          msg.ack();
          if (msg.string() === canary) return msg.string();
        }
        return undefined;
      },
      { message: "protection's consumer receiving the canary" },
    );
    expect(received).toBe(canary);

    // The municipality's own durable has nothing, and nothing reached any of its subscriptions.
    const mine = await jetstream(municipality).consumers.get(STREAMS.referral.name, own?.durable as string);
    const batch = await mine.fetch({ max_messages: 10, expires: 1_000 });
    for await (const msg of batch) seen.push(msg.string());
    await municipality.flush();
    expect(seen.filter((text) => text.includes(canary))).toEqual([]);
  });
});

describe("each service's NATS user does its real work", () => {
  it.each(ACCESS.map((a) => [a.user, a] as const))(
    "%s: stream info, publish, its durables, fetch, ack",
    async (_name, declared) => {
      const admin = await connectAs("admin");
      const nc = await connectAs(declared.user);
      const jsm = await jetstreamManager(nc);
      const js = jetstream(nc);
      for (const stream of declared.streams)
        expect((await jsm.streams.info(stream)).config.name).toBe(stream);

      const token = ORGS[declared.user as NetworkService][0] ?? "org-x";
      for (const pattern of declared.publish) {
        const ack = await js.publish(concrete(pattern, token), `from ${declared.user}`);
        expect(ack.seq).toBeGreaterThan(0);
      }

      for (const grant of declared.consumers) {
        const config = {
          durable_name: grant.durable,
          filter_subject: grant.filterSubject,
          ack_policy: AckPolicy.Explicit,
        };
        await jsm.consumers.add(grant.stream, config);
        // What EventConsumer.provision does at the next start: look, update, delete a foreign one.
        await jsm.consumers.update(grant.stream, grant.durable, { ...config, max_deliver: 50 });
        expect((await jsm.consumers.info(grant.stream, grant.durable)).config.max_deliver).toBe(50);

        const body = `for ${grant.durable}`;
        await jetstream(admin).publish(concrete(grant.filterSubject, token), body);
        const consumer = await js.consumers.get(grant.stream, grant.durable);
        await waitFor(
          async () => {
            const batch = await consumer.fetch({ max_messages: 1, expires: 2_000 });
            let found = false;
            for await (const msg of batch) {
              await msg.ackAck();
              if (msg.string() === body) found = true;
            }
            return found;
          },
          { message: `${grant.durable} fetching and acknowledging` },
        );
        expect((await jsm.consumers.info(grant.stream, grant.durable)).num_ack_pending).toBe(0);
        expect(await jsm.consumers.delete(grant.stream, grant.durable)).toBe(true);
      }
    },
  );

  it("gives coordination only subjects without personal data", () => {
    const coordination = access("coordination");
    for (const grant of coordination.consumers) {
      const events = NETWORK_LAYOUT.events.filter((e) =>
        patternsOverlap(e.subjectPattern, grant.filterSubject),
      );
      expect(events.length).toBeGreaterThan(0);
      expect(events.filter((e) => e.personalData).map((e) => e.type)).toEqual([]);
    }
    const permissions = natsPermissions(coordination);
    expect(permissions.subscribe.allow).toEqual(["_INBOX_coordination.>"]);
  });
});
