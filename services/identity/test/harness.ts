import { randomBytes } from "node:crypto";
import { Writable } from "node:stream";
import { createLogger } from "@kopru/observability";
import { type Database, openDatabase } from "@kopru/storage";
import { createTestDatabase, freePort, type TestDatabase } from "@kopru/testing";
import { buildIdentityApp, type IdentityApp, type IdentityAppConfig } from "../src/app.js";
import { type ProvisioningSpec, provisionIdentities } from "../src/application/provision.js";

export const CLI_CLIENT = "kopru-cli";
export const REDIRECT_URI = "http://127.0.0.1/callback";

export interface Harness {
  issuer: string;
  app: IdentityApp;
  db: Database;
  /** Every log line the service wrote. */
  logs: string[];
  spec: Required<Pick<ProvisioningSpec, "organisations" | "users" | "clients">>;
  secret(name: string): string;
  password(username: string): string;
  close(): Promise<void>;
}

export interface HarnessOptions {
  storage: "postgres" | "pglite";
  config?: Partial<IdentityAppConfig>;
  /** Listen with HTTPS (the issuer is then https://). */
  tls?: { certFile: string; keyFile: string };
}

const random = (bytes = 18) => randomBytes(bytes).toString("base64url");

/** A fresh identity service on a free port, with a demo network provisioned with fresh secrets. */
export async function startHarness(options: HarnessOptions): Promise<Harness> {
  let testDb: TestDatabase | undefined;
  let db: Database;
  if (options.storage === "postgres") {
    testDb = await createTestDatabase({ prefix: "identity" });
    db = await openDatabase({ service: "identity", url: testDb.url });
  } else {
    db = await openDatabase({ service: "identity" });
  }
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const logger = createLogger({ service: "identity", level: "debug", destination });
  const port = await freePort();
  const issuer = `${options.tls ? "https" : "http"}://127.0.0.1:${port}`;
  const app = await buildIdentityApp({
    db,
    logger,
    config: {
      issuer,
      cookieKeys: [random(32)],
      accessTokenTtlSeconds: 300,
      SIGNING_KEY_ROTATION_DAYS: 0,
      LOGIN_RATE_LIMIT: 1000,
      TOKEN_RATE_LIMIT: 10_000,
      ...(options.tls
        ? { HTTP_TLS_CERT_FILE: options.tls.certFile, HTTP_TLS_KEY_FILE: options.tls.keyFile }
        : {}),
      ...options.config,
    },
  });
  await app.http.listen({ host: "127.0.0.1", port });

  const secrets = new Map<string, string>();
  const secret = (name: string) => {
    let value = secrets.get(name);
    if (!value) {
      value = random(32);
      secrets.set(name, value);
    }
    return value;
  };
  const password = (username: string) => secret(`password:${username}`);
  const spec = {
    organisations: [
      { id: "ngo-hayat", name: "Hayat (synthetic)" },
      { id: "mmcc-kilis", name: "MMCC Kilis (synthetic)" },
    ],
    users: [
      {
        id: "u-caseworker",
        organisationId: "ngo-hayat",
        username: "ayse.caseworker",
        displayName: "Ayşe (synthetic)",
        password: password("ayse.caseworker"),
        roles: ["caseworker", "supervisor"] as const,
        email: "ayse.caseworker@hayat.example.org",
      },
      {
        id: "u-locked",
        organisationId: "mmcc-kilis",
        username: "lockout.target",
        displayName: "Lockout target (synthetic)",
        password: password("lockout.target"),
        roles: ["coordinator"] as const,
      },
    ],
    clients: [
      {
        clientId: "partner-hayat",
        kind: "partner-system" as const,
        organisationId: "ngo-hayat",
        clientSecret: secret("partner-hayat"),
      },
      {
        clientId: "service-intake",
        kind: "service" as const,
        serviceName: "intake",
        clientSecret: secret("service-intake"),
      },
      { clientId: CLI_CLIENT, kind: "first-party" as const, redirectUris: [REDIRECT_URI] },
    ],
  } satisfies ProvisioningSpec;
  const mutableSpec = structuredClone(spec) as unknown as Harness["spec"];
  await provisionIdentities(db, mutableSpec);

  return {
    issuer,
    app,
    db,
    logs,
    spec: mutableSpec,
    secret,
    password,
    async close() {
      await app.close();
      await db.close();
      await testDb?.drop();
    },
  };
}
