import bcrypt from "bcryptjs";
import { describe, expect, it } from "vitest";
import {
  ADMIN_USER,
  BCRYPT_COST,
  generateNatsCredentials,
  natsConnectOptions,
  natsCredentialEnv,
  natsServerConfig,
} from "./config.js";
import {
  type BusAccess,
  mayPublish,
  maySubscribe,
  NatsConfigError,
  natsPermissions,
  subjectCovers,
} from "./permissions.js";

const access: BusAccess = {
  user: "municipality",
  publish: ["kopru.v1.referral.status.*.mmcc-a", "kopru.dlq.municipality-mmcc-a-requested"],
  consumers: [
    {
      stream: "KOPRU_REFERRAL",
      durable: "municipality-mmcc-a-requested",
      filterSubject: "kopru.v1.referral.requested.mmcc-a",
    },
  ],
  streams: ["KOPRU_REFERRAL"],
};

describe("natsPermissions", () => {
  const permissions = natsPermissions(access);

  it("grants the JetStream API subjects of its own durable, pinned to its filter", () => {
    for (const subject of [
      "$JS.API.INFO",
      "$JS.API.STREAM.INFO.KOPRU_REFERRAL",
      "$JS.API.CONSUMER.CREATE.KOPRU_REFERRAL.municipality-mmcc-a-requested.kopru.v1.referral.requested.mmcc-a",
      "$JS.API.CONSUMER.INFO.KOPRU_REFERRAL.municipality-mmcc-a-requested",
      "$JS.API.CONSUMER.DELETE.KOPRU_REFERRAL.municipality-mmcc-a-requested",
      "$JS.API.CONSUMER.MSG.NEXT.KOPRU_REFERRAL.municipality-mmcc-a-requested",
      "$JS.ACK.KOPRU_REFERRAL.municipality-mmcc-a-requested.1.5.5.1733500000000000000.0",
      "kopru.v1.referral.status.ngo-hayat.mmcc-a",
      "kopru.dlq.municipality-mmcc-a-requested",
    ]) {
      expect(mayPublish(permissions, subject), subject).toBe(true);
    }
  });

  it("refuses direct reads, stream management, other filters and other durables", () => {
    for (const subject of [
      "$JS.API.STREAM.MSG.GET.KOPRU_REFERRAL",
      "$JS.API.DIRECT.GET.KOPRU_REFERRAL",
      "$JS.API.DIRECT.GET.KOPRU_REFERRAL.kopru.v1.referral.requested.prot-a",
      "$JS.API.STREAM.PURGE.KOPRU_REFERRAL",
      "$JS.API.STREAM.DELETE.KOPRU_REFERRAL",
      "$JS.API.STREAM.CREATE.KOPRU_REFERRAL",
      "$JS.API.STREAM.UPDATE.KOPRU_REFERRAL",
      "$JS.API.CONSUMER.CREATE.KOPRU_REFERRAL.municipality-mmcc-a-requested.kopru.v1.referral.requested.prot-a",
      "$JS.API.CONSUMER.CREATE.KOPRU_REFERRAL.municipality-mmcc-a-requested",
      "$JS.API.CONSUMER.CREATE.KOPRU_REFERRAL",
      "$JS.API.CONSUMER.DURABLE.CREATE.KOPRU_REFERRAL.municipality-mmcc-a-requested",
      "$JS.API.CONSUMER.MSG.NEXT.KOPRU_REFERRAL.protection-prot-a-requested",
      "$JS.ACK.KOPRU_REFERRAL.protection-prot-a-requested.1.1.1.1.0",
      "$JS.API.CONSUMER.LIST.KOPRU_REFERRAL",
      "kopru.v1.referral.status.mmcc-a.prot-a",
      "kopru.v1.referral.requested.prot-a",
      "kopru.dlq.protection-prot-a-requested",
      "_INBOX_protection.abc.1",
    ]) {
      expect(mayPublish(permissions, subject), subject).toBe(false);
    }
  });

  it("lets it subscribe to its own inbox only", () => {
    expect(maySubscribe(permissions, "_INBOX_municipality.nuid.*")).toBe(true);
    for (const subject of ["_INBOX.>", "_INBOX_protection.>", "kopru.v1.referral.requested.mmcc-a", ">"]) {
      expect(maySubscribe(permissions, subject), subject).toBe(false);
    }
  });

  it("refuses names that are not one subject token", () => {
    expect(() => natsPermissions({ ...access, user: "a.b" })).toThrow(NatsConfigError);
    expect(() =>
      natsPermissions({ ...access, consumers: [{ stream: "S", durable: "x.>", filterSubject: "a" }] }),
    ).toThrow(NatsConfigError);
  });
});

describe("subjectCovers", () => {
  it("matches NATS wildcards, a pattern covering only narrower patterns", () => {
    expect(subjectCovers("a.*.c", "a.b.c")).toBe(true);
    expect(subjectCovers("a.>", "a.b.c")).toBe(true);
    expect(subjectCovers("a.>", "a")).toBe(false);
    expect(subjectCovers("a.*", "a.>")).toBe(false);
    expect(subjectCovers("a.b", "a.b.c")).toBe(false);
  });
});

describe("natsServerConfig", () => {
  const credentials = generateNatsCredentials(["municipality"]);
  const text = natsServerConfig({
    credentials,
    access: [access],
    storeDir: "/tmp/store",
    port: 4333,
    bcryptCost: 4,
  });

  it("declares listen, JetStream and one user per service plus the admin, with hashed passwords", () => {
    expect(text).toContain('listen: "127.0.0.1:4333"');
    expect(text).toContain('store_dir: "/tmp/store"');
    expect(text).toContain(`user: "${ADMIN_USER}"`);
    expect(text).toContain('user: "municipality"');
    expect(text).not.toContain(credentials.admin.password);
    expect(text).not.toContain(credentials.services.municipality?.password);
    // `$` outside quotes would be read as a variable.
    expect(text.replace(/"(?:[^"\\]|\\.)*"/g, '""')).not.toContain("$");
  });

  it("stores by default hashes of BCRYPT_COST that the server can check each password against", () => {
    const plain = natsServerConfig({ credentials, access: [access] });
    const hashes = [...plain.matchAll(/password: "([^"]+)"/g)].map((m) => m[1] as string);
    expect(hashes).toHaveLength(2);
    for (const hash of hashes) expect(bcrypt.getRounds(hash)).toBe(BCRYPT_COST);
    expect(bcrypt.compareSync(credentials.admin.password, hashes[0] as string)).toBe(true);
    expect(bcrypt.compareSync(credentials.services.municipality?.password ?? "", hashes[1] as string)).toBe(
      true,
    );
    expect(bcrypt.compareSync(credentials.admin.password, hashes[1] as string)).toBe(false);
  });

  it("needs a credential for every declared user and refuses the admin's name", () => {
    expect(() =>
      natsServerConfig({ credentials, access: [{ ...access, user: "ecm" }], bcryptCost: 4 }),
    ).toThrow(/no credential for NATS user ecm/);
    expect(() => generateNatsCredentials(["admin"])).toThrow(NatsConfigError);
  });

  it("generates a different strong password per user and per call", () => {
    const again = generateNatsCredentials(["municipality"]);
    expect(again.services.municipality?.password).not.toBe(credentials.services.municipality?.password);
    expect(credentials.admin.password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const municipality = credentials.services.municipality;
    expect(municipality?.inboxPrefix).toBe("_INBOX_municipality");
    if (!municipality) return;
    expect(natsCredentialEnv(municipality)).toEqual({
      NATS_USER: "municipality",
      NATS_PASSWORD: municipality.password,
    });
    expect(natsConnectOptions(municipality)).toEqual({
      user: "municipality",
      pass: municipality.password,
      inboxPrefix: "_INBOX_municipality",
    });
  });
});
