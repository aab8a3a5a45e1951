// Test support for the notification service's integration tests: the real identity service (its
// staff directory and the tokens every call carries), a real SMTP server process (the mail
// catcher), the shared NATS JetStream, the service itself on a fresh database, and a "publisher"
// that sends staff notices through a real outbox as every service does.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { appendToOutbox, busMigrations, OutboxRelay, provisionStreams } from "@kopru/bus";
import type { StaffNotice } from "@kopru/contracts/notification/v1/events";
import { NotificationServiceClient } from "@kopru/contracts/notification/v1/notification_service";
import { EVENTS, NETWORK_LAYOUT, STREAMS } from "@kopru/events";
import { buildIdentityApp, type IdentityApp, provisionIdentities, type StaffRole } from "@kopru/identity";
import {
  clientCredentials,
  passwordLogin,
  type TokenSource,
  type UserTokenSource,
} from "@kopru/identity-client";
import { MAIL_CATCHER_ENTRY, MAIL_CATCHER_READY, readMailbox } from "@kopru/mail-catcher";
import { createLogger } from "@kopru/observability";
import {
  authorizationMetadata,
  callUnary,
  channelCredentials,
  type RunningService,
  startService,
  type UnaryMethod,
} from "@kopru/service-kit";
import { type Database, migrate, openDatabase } from "@kopru/storage";
import {
  connectNats,
  createTestDatabase,
  freePort,
  type NatsTestConnection,
  type SpawnedProcess,
  spawnNodeProcess,
  type TestDatabase,
} from "@kopru/testing";
import { notificationsSpec } from "../src/app.js";
import type { NotificationsConfig } from "../src/config.js";

export const AUDIENCE = "urn:kopru:notifications";
export const CLI = "kopru-cli";

export interface Staff {
  id: string;
  username: string;
  roles: StaffRole[];
  email?: string;
  active?: boolean;
  displayName: string;
  /** A member of the other organisation, not of the one the notices are for. */
  other?: boolean;
}

export interface Harness {
  organisationId: string;
  otherOrganisationId: string;
  mailDir: string;
  nats: NatsTestConnection;
  service: RunningService<NotificationsConfig>;
  identity: { app: IdentityApp; issuer: string; db: Database };
  client: NotificationServiceClient;
  /** The other organisation's partner system (client credentials): not a staff member. */
  partner: TokenSource;
  /** A token source for one provisioned staff member (logged in through the real form). */
  login(username: string): Promise<UserTokenSource>;
  call<Req, Res>(method: UnaryMethod<Req, Res>, request: Req, as: TokenSource): Promise<Res>;
  publish(notice: StaffNotice): Promise<void>;
  mails(): ReturnType<typeof readMailbox>;
  setClockOffset(ms: number): Promise<void>;
  stop(): Promise<void>;
}

const random = (bytes = 18) => randomBytes(bytes).toString("base64url");

export async function startHarness(options: { staff: Staff[] }): Promise<Harness> {
  const suffix = randomBytes(3).toString("hex");
  const organisationId = `mmcc-n${suffix}`;
  const otherOrganisationId = `ngo-n${suffix}`;
  const dir = await mkdtemp(join(tmpdir(), "kopru-notifications-"));
  const mailDir = join(dir, "mail");

  // The identity service, in process, on its embedded database.
  const identityDb = await openDatabase({ service: "identity" });
  const identityPort = await freePort();
  const issuer = `http://127.0.0.1:${identityPort}`;
  const identityApp = await buildIdentityApp({
    db: identityDb,
    logger: createLogger({ service: "identity", level: "silent" }),
    config: {
      issuer,
      cookieKeys: [random(32)],
      accessTokenTtlSeconds: 300,
      SIGNING_KEY_ROTATION_DAYS: 0,
      LOGIN_RATE_LIMIT: 1000,
      TOKEN_RATE_LIMIT: 10_000,
    },
  });
  await identityApp.http.listen({ host: "127.0.0.1", port: identityPort });
  const passwords = new Map<string, string>();
  const serviceSecret = random(32);
  const staff = options.staff;
  await provisionIdentities(identityDb, {
    organisations: [
      { id: organisationId, name: "Test MMCC (synthetic)" },
      { id: otherOrganisationId, name: "Test NGO (synthetic)" },
    ],
    users: staff.map((member) => {
      const password = random();
      passwords.set(member.username, password);
      return {
        id: member.id,
        organisationId: member.other ? otherOrganisationId : organisationId,
        username: member.username,
        displayName: member.displayName,
        password,
        roles: member.roles,
        ...(member.email ? { email: member.email } : {}),
        active: member.active ?? true,
      };
    }),
    clients: [
      { clientId: CLI, kind: "first-party", redirectUris: ["http://127.0.0.1/callback"] },
      {
        clientId: "service-notifications",
        kind: "service",
        serviceName: "notifications",
        clientSecret: serviceSecret,
      },
      {
        clientId: `partner-${otherOrganisationId}`,
        kind: "partner-system",
        organisationId: otherOrganisationId,
        clientSecret: serviceSecret,
      },
    ],
  });

  // The real SMTP server, as a process of its own.
  const catcher: SpawnedProcess = spawnNodeProcess(MAIL_CATCHER_ENTRY, {
    env: { MAIL_DIR: mailDir, SMTP_PORT: "0" },
  });
  const [, smtpUrl] = await catcher.waitForLine(MAIL_CATCHER_READY);

  const nats = await connectNats();
  await provisionStreams(nats.jsm, NETWORK_LAYOUT);
  const database: TestDatabase = await createTestDatabase({ prefix: "notifications" });
  const clockFile = join(dir, "clock-offset");
  const consumerName = `notifications-t-${suffix}`;
  const service = await startService(notificationsSpec({ consumerName, startsNow: true, timerPollMs: 100 }), {
    NATS_URL: nats.url,
    DATABASE_URL: database.url,
    DATA_DIR: dir,
    GRPC_PORT: "0",
    GRPC_PLAINTEXT: "development",
    LOG_LEVEL: "silent",
    AUTH_ISSUER: issuer,
    AUTH_CLIENT_ID: "service-notifications",
    AUTH_CLIENT_SECRET: serviceSecret,
    SMTP_URL: smtpUrl as string,
    CONSOLE_URL: "https://console.kopru.example",
    KOPRU_CLOCK_OFFSET_FILE: clockFile,
  });
  const client = new NotificationServiceClient(service.grpc.address, channelCredentials("plaintext"));

  // A partner service's outbox, publishing notices for its organisation.
  const publisherDatabase = await createTestDatabase({ prefix: "notifications_publisher" });
  const publisherDb = await openDatabase({ service: "partner", url: publisherDatabase.url, poolSize: 2 });
  await migrate(publisherDb, [busMigrations]);
  const relay = new OutboxRelay({ db: publisherDb, js: nats.js, pollIntervalMs: 50 });
  relay.start();

  return {
    organisationId,
    otherOrganisationId,
    mailDir,
    nats,
    service,
    identity: { app: identityApp, issuer, db: identityDb },
    client,
    partner: clientCredentials({
      issuer,
      clientId: `partner-${otherOrganisationId}`,
      clientSecret: serviceSecret,
    }),
    login: (username) =>
      passwordLogin({
        issuer,
        clientId: CLI,
        username,
        password: passwords.get(username) ?? "",
        audiences: [AUDIENCE],
      }),
    async call(method, request, as) {
      return callUnary(client, method, request, authorizationMetadata(await as.token(AUDIENCE)));
    },
    async publish(notice) {
      await publisherDb.transaction((tx) =>
        appendToOutbox(
          tx,
          { organisationId: notice.organisationId, service: "municipality" },
          {
            definition: EVENTS.staffNotice,
            payload: notice,
            aggregate: { type: "staff-notice", id: notice.noticeId, sequence: 1 },
          },
        ),
      );
      relay.wake();
    },
    mails: () => readMailbox(mailDir),
    setClockOffset: (ms) => writeFile(clockFile, String(ms)),
    async stop() {
      client.close();
      await service.stop();
      await nats.jsm.consumers.delete(STREAMS.notice.name, consumerName).catch(() => {});
      await relay.stop();
      await publisherDb.close();
      await publisherDatabase.drop();
      await database.drop();
      await nats.close();
      await catcher.kill();
      await identityApp.close();
      await identityDb.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
