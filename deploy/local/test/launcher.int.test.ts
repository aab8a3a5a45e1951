import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { encodeEvent, provisionStreams } from "@kopru/bus";
import { addressVariable, type NetworkFile, SERVICE_NAMES } from "@kopru/cli";
import { ActorKind } from "@kopru/contracts/common/v1/refs";
import { Priority, ReferralOrigin, ReferralStatus, ServiceType } from "@kopru/contracts/common/v1/vocabulary";
import { CoordinationServiceClient } from "@kopru/contracts/coordination/v1/coordination_service";
import { ReferralStatusChanged } from "@kopru/contracts/referral/v1/events";
import { EVENTS, NETWORK_LAYOUT, STREAMS, SUBJECTS } from "@kopru/events";
import { approveDeviceLogin, clientCredentials, passwordLogin, StaffDirectory } from "@kopru/identity-client";
import { authorizationMetadata, callUnary, channelCredentials, serviceAudience } from "@kopru/service-kit";
import {
  connectNats,
  freePort,
  isPortOpen,
  type NatsServerProcess,
  type SpawnedProcess,
  spawnNodeProcess,
  startNatsServer,
  waitFor,
} from "@kopru/testing";
import { AckPolicy, DeliverPolicy } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { afterEach, describe, expect, it } from "vitest";

// The launcher as a person runs it: its own nats-server (or the external one NATS_URL names), the
// services and a mail catcher on free ports and a scratch data directory, each waited for through its health check.

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

function scratchDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "kopru-local-"));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function freeAddresses(): Promise<Record<string, string>> {
  const addresses: Record<string, string> = {};
  for (const service of SERVICE_NAMES) addresses[addressVariable(service)] = `127.0.0.1:${await freePort()}`;
  addresses.KOPRU_IDENTITY_ADDR = `127.0.0.1:${await freePort()}`;
  return addresses;
}

interface Trust {
  network: NetworkFile;
  logins: { username: string; password: string; organisationId: string; roles: string[] }[];
  clientSecrets: { services: Record<string, string> };
}

/** What the launcher left for tools on this machine: the network file, the demo logins, the clients. */
function trustOf(dataDir: string): Trust {
  const secrets = JSON.parse(readFileSync(join(dataDir, "trust", "secrets.json"), "utf8")) as Trust;
  return {
    network: JSON.parse(readFileSync(join(dataDir, "network.json"), "utf8")) as NetworkFile,
    logins: secrets.logins,
    clientSecrets: secrets.clientSecrets,
  };
}

function password(trust: Trust, username: string): string {
  const login = trust.logins.find((l) => l.username === username);
  if (!login) throw new Error(`no demo login ${username}`);
  return login.password;
}

/** The command-line client, as `pnpm kopru` runs it, against the launcher's network file. */
async function kopru(dataDir: string, args: string[], env: Record<string, string> = {}) {
  const cli = spawnNodeProcess(new URL("../../cli/src/main.ts", import.meta.url), {
    args,
    env: { KOPRU_NETWORK_FILE: join(dataDir, "network.json"), ...env },
  });
  const exit = await cli.exited;
  return { exit, stdout: cli.stdout().join("\n"), stderr: cli.stderr().join("\n") };
}

function launch(args: string[], env: Record<string, string | undefined>): SpawnedProcess {
  const launcher = spawnNodeProcess(new URL("../src/main.ts", import.meta.url), {
    args,
    env: { DATABASE_URL: undefined, LOG_LEVEL: undefined, ...env },
  });
  cleanup.push(() => launcher.kill("SIGKILL"));
  return launcher;
}

describe("pnpm start", () => {
  it("runs a nats-server of its own under DATA_DIR, starts every service and a mail catcher, and stops them all on SIGINT", {
    timeout: 240_000,
  }, async () => {
    const dataDir = scratchDir();
    const addresses = await freeAddresses();
    // No NATS_URL, even though the test run has one: the launcher must not need it.
    const launcher = launch(["--no-seed"], { ...addresses, DATA_DIR: dataDir, NATS_URL: undefined });

    await launcher.waitForLine(/^Köprü is running\.$/, { timeoutMs: 220_000 });
    for (const service of SERVICE_NAMES)
      await launcher.waitForLine(addresses[addressVariable(service)] as string);
    const output = launcher.stdout().join("\n");
    const started =
      /^NATS: started nats-server -js at nats:\/\/127\.0\.0\.1:(\d+) \(store (.+)\), one user per service$/m.exec(
        output,
      );
    expect(started?.[2]).toBe(join(dataDir, "nats"));
    const natsPort = Number(started?.[1]);
    expect(natsPort).not.toBe(4222);
    for (const service of SERVICE_NAMES) {
      expect(output).toMatch(new RegExp(`^  ${service} serving \\(`, "m"));
      const [host, port] = (addresses[addressVariable(service)] as string).split(":");
      expect(await isPortOpen(host as string, Number(port))).toBe(true);
    }
    expect(output).toContain("Demo data: skipped (--no-seed).");
    expect(output).toMatch(/^ {2}identity serving at https:\/\/127\.0\.0\.1:\d+ /m);
    // The emails the network sends land as files the launcher names.
    expect(output).toContain(`every email lands in ${join(dataDir, "mail")} as an .eml file`);
    expect(output).toMatch(/^ {2}mail catcher {5}127\.0\.0\.1:\d+ /m);

    // What the network trusts is private to whoever started it.
    expect(statSync(join(dataDir, "trust")).mode & 0o777).toBe(0o700);
    for (const secret of [
      "secrets.json",
      "identities.json",
      "pki/ca.key",
      "pki/operator.key",
      "nats/nats-server.conf",
    ])
      expect(statSync(join(dataDir, "trust", secret)).mode & 0o777, secret).toBe(0o600);
    // A NATS connection without a user of the network is refused.
    const anonymous = await connect({ servers: `nats://127.0.0.1:${natsPort}`, reconnect: false }).then(
      async (nc) => {
        await nc.close();
        return "connected";
      },
      (error: Error) => error.message,
    );
    expect(anonymous).toMatch(/Authorization Violation/i);

    // The command-line client: nothing without a login, then a demo login and a call as its organisation.
    const loggedOut = await kopru(dataDir, ["inbox", "list", "--as", "mmcc-gaziantep"]);
    expect(loggedOut.exit.code).toBe(2);
    expect(loggedOut.stderr).toContain("not logged in as mmcc-gaziantep");
    const trust = trustOf(dataDir);
    const login = await kopru(dataDir, ["login", "--user", "caseworker@mmcc-gaziantep", "--password-stdin"], {
      KOPRU_PASSWORD: password(trust, "caseworker@mmcc-gaziantep"),
    });
    expect(login.stdout).toContain("Logged in as caseworker@mmcc-gaziantep (mmcc-gaziantep; caseworker)");
    expect(statSync(join(dataDir, "cli", "sessions.json")).mode & 0o777).toBe(0o600);
    const inbox = await kopru(dataDir, ["inbox", "list", "--json"]);
    expect(inbox.exit.code, inbox.stderr).toBe(0);
    // proto3 JSON leaves an empty list out: nothing was seeded (--no-seed).
    expect((JSON.parse(inbox.stdout) as { referrals?: unknown[] }).referrals ?? []).toEqual([]);
    // The device authorization grant: the CLI shows a code, the person enters it at the issuer.
    const device = spawnNodeProcess(new URL("../../cli/src/main.ts", import.meta.url), {
      args: ["login"],
      env: { KOPRU_NETWORK_FILE: join(dataDir, "network.json") },
    });
    cleanup.push(() => device.kill("SIGKILL"));
    const [, verificationUri, userCode] = await device.waitForLine(/^Open (\S+) and enter the code (\S+) /, {
      timeoutMs: 30_000,
    });
    await approveDeviceLogin({
      issuer: trust.network.issuer,
      ca: readFileSync(trust.network.tls.caFile),
      verificationUri: verificationUri as string,
      userCode: userCode as string,
      username: "caseworker@ngo-hayat",
      password: password(trust, "caseworker@ngo-hayat"),
    });
    await device.waitForLine(/^Logged in as staff-caseworker-at-ngo-hayat \(ngo-hayat; caseworker\)\.$/, {
      timeoutMs: 30_000,
    });
    expect((await device.exited).code).toBe(0);

    // Every receiving service's own client reaches identity's staff directory (urn:kopru:identity):
    // the colleague check of AssignReferral.
    const ca = readFileSync(trust.network.tls.caFile);
    for (const service of ["protection", "ecm", "community-centre", "municipality"]) {
      const clientId = `service-${service}`;
      const tokens = clientCredentials({
        issuer: trust.network.issuer,
        ca,
        clientId,
        clientSecret: trust.clientSecrets.services[clientId] as string,
      });
      const directory = new StaffDirectory({ issuer: trust.network.issuer, ca, tokens });
      expect(
        await directory.find("mmcc-gaziantep", "staff-caseworker-at-mmcc-gaziantep"),
        service,
      ).toMatchObject({ active: true, roles: ["caseworker"] });
    }

    // A login is for its own organisation: asking for another's inbox is refused by the service.
    const other = await kopru(dataDir, ["inbox", "list", "--as", "mmcc-kilis"]);
    expect(other.exit.code).toBe(2);
    expect(other.stderr).toContain("not logged in as mmcc-kilis");

    const exit = await launcher.kill("SIGINT");
    expect(exit).toEqual({ code: 0, signal: null });
    expect(launcher.stdout().join("\n")).toMatch(/Stopping nats-server\.\.\.\nStopped\.$/);
    for (const service of SERVICE_NAMES) {
      const [host, port] = (addresses[addressVariable(service)] as string).split(":");
      expect(await isPortOpen(host as string, Number(port))).toBe(false);
    }
    expect(await isPortOpen("127.0.0.1", natsPort)).toBe(false);
  });

  it("--fresh on an external NATS that holds an earlier run's events: coordination's totals are exactly the seed's", {
    timeout: 360_000,
  }, async () => {
    const server: NatsServerProcess = await startNatsServer();
    cleanup.push(() => server.close());
    const STRAY_REFERRALS = 25;
    const strayProvince = "TUR3881553";
    await leaveEarlierRunBehind(server.url, STRAY_REFERRALS, strayProvince);

    const dataDir = scratchDir();
    const addresses = await freeAddresses();
    const launcher = launch(["--fresh", "--referrals", "24", "--concurrency", "4"], {
      ...addresses,
      DATA_DIR: dataDir,
      NATS_URL: server.url,
    });
    await launcher.waitForLine(/^Köprü is running\.$/, { timeoutMs: 300_000 });
    const output = launcher.stdout().join("\n");
    expect(output).toContain(`NATS: using the external server at ${server.url} (NATS_URL)`);
    expect(output).toMatch(
      /removed the network's streams and their durable consumers \(--fresh\): KOPRU_REFERRAL/,
    );
    expect(output).not.toContain("durable consumer belongs to another database");

    const seeded = JSON.parse(readFileSync(join(dataDir, "seed.json"), "utf8")) as {
      referrals: number;
      statuses: Record<string, number>;
    };
    expect(seeded.referrals).toBeGreaterThanOrEqual(24);
    const trust = trustOf(dataDir);
    const coordination = new CoordinationServiceClient(
      addresses[addressVariable("coordination")] as string,
      channelCredentials(trust.network.tls),
    );
    cleanup.push(() => coordination.close());
    const coordinator = await passwordLogin({
      issuer: trust.network.issuer,
      ca: readFileSync(trust.network.tls.caFile),
      clientId: trust.network.cliClientId,
      username: "coordinator@coordination",
      password: password(trust, "coordinator@coordination"),
      audiences: [serviceAudience("coordination")],
    });
    const figures = async () =>
      callUnary(
        coordination,
        coordination.getReferralFigures,
        { groupBy: [] },
        authorizationMetadata(await coordinator.token(serviceAudience("coordination"))),
      );
    const expected = {
      completed: seeded.statuses.completed ?? 0,
      not_completed: seeded.statuses.not_completed ?? 0,
      declined: seeded.statuses.declined ?? 0,
      on_hold: seeded.statuses.on_hold ?? 0,
      cancelled: seeded.statuses.cancelled ?? 0,
      redirected: seeded.statuses.redirected ?? 0,
      // Expired by the targets' deadline timers while the seed moved the network's clock on.
      expired: seeded.statuses.expired ?? 0,
    };
    type Total = NonNullable<Awaited<ReturnType<typeof figures>>["total"]>;
    const outcomes = (row: Total) => ({
      completed: row.completed,
      not_completed: row.notCompleted,
      declined: row.declined,
      on_hold: row.onHold,
      cancelled: row.cancelled,
      redirected: row.redirected,
      expired: row.expired,
    });
    // The read model is built from the streams asynchronously, and a seeded referral's later
    // answers (a cancellation, say) arrive after its request: wait until coordination has counted
    // what the seed did. Stray events, had they survived, sit before the seed's in the stream and
    // would be counted too, so the totals would never match and the assertions below would show by
    // how much.
    let total: Total | undefined;
    await waitFor(
      async () => {
        total = (await figures()).total;
        return total && total.requested === seeded.referrals && isDeepStrictEqual(outcomes(total), expected);
      },
      { timeoutMs: 60_000, message: "coordination to count exactly what the seed did" },
    ).catch(() => undefined);
    expect(total?.requested).toBe(seeded.referrals);
    expect(total && outcomes(total)).toEqual(expected);
    // The stray events were dated a day ahead: an "as of" in the future would be theirs.
    const asOf = (await figures()).asOf;
    expect(asOf?.getTime()).toBeLessThanOrEqual(Date.now());
    expect(await launcher.kill("SIGINT")).toEqual({ code: 0, signal: null });
  });
});

/**
 * What an earlier demo or test run leaves on a shared server: the network's streams holding status
 * events of referrals nobody seeded (in a province that does not exist, dated a day ahead), and a
 * durable consumer under coordination's name that has acknowledged them.
 */
async function leaveEarlierRunBehind(url: string, count: number, province: string): Promise<void> {
  const nats = await connectNats({ url });
  try {
    await provisionStreams(nats.jsm, NETWORK_LAYOUT);
    const tomorrow = new Date(Date.now() + 86_400_000);
    for (let i = 0; i < count; i++) {
      const referralId = `0190aaaa-0000-7000-8000-${String(i).padStart(12, "0")}`;
      const payload = ReferralStatusChanged.fromPartial({
        referralId,
        rootReferralId: referralId,
        origin: ReferralOrigin.REFERRAL_ORIGIN_DIRECT,
        referrerOrganisationId: "ngo-hayat",
        targetOrganisationId: "mmcc-gaziantep",
        serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
        priority: Priority.PRIORITY_NORMAL,
        fromStatus: ReferralStatus.REFERRAL_STATUS_UNSPECIFIED,
        toStatus: ReferralStatus.REFERRAL_STATUS_REQUESTED,
        actorKind: ActorKind.ACTOR_KIND_STAFF,
        actorOrganisationId: "ngo-hayat",
        occurredAt: tomorrow,
        requestedAt: tomorrow,
        respondBy: new Date(tomorrow.getTime() + 14 * 86_400_000),
        sequence: 1,
        disaggregation: { provinceCode: province },
      });
      const encoded = encodeEvent(
        {
          definition: EVENTS.referralStatusChanged,
          payload,
          aggregate: { type: "referral", id: referralId, sequence: 1 },
          correlationId: referralId,
          occurredAt: tomorrow,
        },
        { organisationId: "ngo-hayat", service: "intake" },
      );
      await nats.js.publish(encoded.subject, encoded.envelope, { msgID: encoded.eventId });
    }
    await nats.jsm.consumers.add(STREAMS.referral.name, {
      durable_name: "coordination-status",
      filter_subject: SUBJECTS.allStatus,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
    });
    const stored = await nats.jsm.streams.info(STREAMS.referral.name);
    expect(stored.state.messages).toBe(count);
  } finally {
    await nats.close();
  }
}
