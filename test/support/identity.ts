import { readFileSync } from "node:fs";
import { join } from "node:path";
import { NETWORK_SERVICES } from "@kopru/events";
import { provisionIdentities } from "@kopru/identity";
import {
  clientCredentials,
  type TokenSource as IssuerTokens,
  PARTNER_API_SCOPES,
  type PartnerApiScope,
  passwordLogin,
} from "@kopru/identity-client";
import {
  CLI_CLIENT_ID,
  CLI_REDIRECT_URI,
  consoleClient,
  generatePassword,
  generateSecret,
  partnerClientId,
} from "@kopru/local";
import { freePort } from "@kopru/nats-server";
import { type ClientCaller, serviceAudience, type TokenSource } from "@kopru/service-kit";
import { type Database, openDatabase } from "@kopru/storage";
import { createTestDatabase, type SpawnedProcess, spawnNodeProcess, type TestDatabase } from "@kopru/testing";

// The network's real identity service, as a process of its own on its own PostgreSQL database, for
// the end-to-end tests: every token a scenario uses comes from it, through its real login (staff:
// authorization code with PKCE over its login form) or client credentials (partner systems).
// Whoever a scenario plays is provisioned on first use, straight into the identity database — the
// way an operator's provisioning would, not a way around the provider.

const API_AUDIENCES = NETWORK_SERVICES.map(serviceAudience);

/** A test staff member's id (their token subject): unique per organisation. */
function staffId(caller: { organisationId: string; actorId: string }): string {
  return `${caller.actorId}@${caller.organisationId}`;
}

export interface IdentityUnderTest {
  issuer: string;
  /** The identity service's own database, for an operator's provisioning script. */
  databaseUrl: string;
  process: SpawnedProcess;
  /** Registers the staff console's client (`kopru-console`) with its callback at the gateway's public URL. */
  consoleClient(gatewayUrl: string): Promise<void>;
  /** Registers a service's own OAuth client (`service-<name>`) and returns what the service is given. */
  serviceClient(service: string): Promise<{ AUTH_CLIENT_ID: string; AUTH_CLIENT_SECRET: string }>;
  /** Tokens for any caller: staff (with an actor id) or the organisation's partner system (every partner API scope). */
  tokens: TokenSource;
  /**
   * A partner system of `organisationId` registered with only `scopes` (its own client), for
   * scenarios about what a token without a scope may not do.
   */
  partnerWithScopes(organisationId: string, scopes: readonly PartnerApiScope[]): Promise<IssuerTokens>;
  /**
   * Provisions a staff member (as `tokens` would on first use, with the same roles) and returns
   * their id in the staff directory: the token subject services record and assignments name.
   * `active: false` then deactivates the account, as an operator's provisioning would.
   */
  staffMember(
    caller: ClientCaller & { organisationId: string; actorId: string },
    options?: { active?: boolean },
  ): Promise<string>;
  /** Provisions a staff member as `staffMember` does and returns what they type at the login form. */
  staffLogin(
    caller: ClientCaller & { organisationId: string; actorId: string },
  ): Promise<{ staffId: string; username: string; password: string }>;
  close(): Promise<void>;
}

export async function startIdentity(options: {
  repoRoot: string;
  tls: { caFile: string; certFile: string; keyFile: string };
  dataDir: string;
  /** How long its start may take; default 90 s. */
  startTimeoutMs?: number;
}): Promise<IdentityUnderTest> {
  const database: TestDatabase = await createTestDatabase({ prefix: "e2e_identity" });
  const port = await freePort();
  const issuer = `https://127.0.0.1:${port}`;
  const serviceDir = join(options.repoRoot, "services", "identity");
  const child = spawnNodeProcess(join(serviceDir, "src/main.ts"), {
    env: {
      DATABASE_URL: database.url,
      DATA_DIR: options.dataDir,
      HTTP_HOST: "127.0.0.1",
      HTTP_PORT: String(port),
      ISSUER: issuer,
      HTTP_TLS_CERT_FILE: options.tls.certFile,
      HTTP_TLS_KEY_FILE: options.tls.keyFile,
      COOKIE_KEYS: generateSecret(),
      LOG_LEVEL: "warn",
      // Every scenario's callers come from one loopback address.
      LOGIN_RATE_LIMIT: "100000",
      TOKEN_RATE_LIMIT: "1000000",
    },
    cwd: serviceDir,
    nodeArgs: ["--import", "@kopru/observability/register"],
  });
  await child.waitForLine(/OpenID provider .* listening on/, { timeoutMs: options.startTimeoutMs ?? 90_000 });

  const db: Database = await openDatabase({ service: "identity", url: database.url });
  await provisionIdentities(db, {
    clients: [{ clientId: CLI_CLIENT_ID, kind: "first-party", redirectUris: [CLI_REDIRECT_URI] }],
  });
  const ca = readFileSync(options.tls.caFile);
  const sources = new Map<string, Promise<IssuerTokens>>();
  type StaffSpec = NonNullable<Parameters<typeof provisionIdentities>[1]["users"]>[number];
  const provisioned = new Map<string, StaffSpec>();

  const staff = async (caller: ClientCaller & { organisationId: string; actorId: string }) => {
    const roles = [...(caller.roles ?? (caller.role ? [caller.role] : ["caseworker"]))].sort();
    const id = staffId(caller);
    const key = `${id}#${roles.join(",")}`;
    let source = sources.get(key);
    if (!source) {
      source = (async () => {
        const password = generatePassword();
        const user: StaffSpec = {
          id,
          organisationId: caller.organisationId,
          username: id,
          displayName: caller.actorId,
          // Where the notification service mails them (the test network's mail catcher).
          email: `${id}.example`,
          password,
          roles: roles as never,
        };
        await provisionIdentities(db, {
          organisations: [{ id: caller.organisationId, name: caller.organisationId }],
          users: [user],
        });
        provisioned.set(id, user);
        return passwordLogin({
          issuer,
          ca,
          clientId: CLI_CLIENT_ID,
          username: id,
          password,
          audiences: API_AUDIENCES,
        });
      })();
      sources.set(key, source);
    }
    return source;
  };

  const partner = async (organisationId: string, scopes: readonly PartnerApiScope[] = PARTNER_API_SCOPES) => {
    const clientId =
      scopes === PARTNER_API_SCOPES
        ? partnerClientId(organisationId)
        : `${partnerClientId(organisationId)}-${[...scopes].sort().join("+").replaceAll(":", "-") || "none"}`;
    let source = sources.get(clientId);
    if (!source) {
      source = (async () => {
        const clientSecret = generateSecret();
        await provisionIdentities(db, {
          organisations: [{ id: organisationId, name: organisationId }],
          clients: [{ clientId, kind: "partner-system", organisationId, clientSecret, scopes: [...scopes] }],
        });
        return clientCredentials({ issuer, ca, clientId, clientSecret, scopes });
      })();
      sources.set(clientId, source);
    }
    return source;
  };

  const serviceClients = new Map<string, Promise<{ AUTH_CLIENT_ID: string; AUTH_CLIENT_SECRET: string }>>();
  return {
    issuer,
    databaseUrl: database.url,
    process: child,
    serviceClient(service) {
      let client = serviceClients.get(service);
      if (!client) {
        client = (async () => {
          const clientId = `service-${service}`;
          const clientSecret = generateSecret();
          await provisionIdentities(db, {
            clients: [{ clientId, kind: "service", serviceName: service, clientSecret }],
          });
          return { AUTH_CLIENT_ID: clientId, AUTH_CLIENT_SECRET: clientSecret };
        })();
        serviceClients.set(service, client);
      }
      return client;
    },
    async consoleClient(gatewayUrl) {
      await provisionIdentities(db, { clients: [consoleClient(gatewayUrl)] });
    },
    partnerWithScopes(organisationId, scopes) {
      return partner(organisationId, scopes);
    },
    async staffMember(caller, options = {}) {
      await staff(caller);
      const id = staffId(caller);
      const user = provisioned.get(id);
      if (options.active === false && user) {
        await provisionIdentities(db, { users: [{ ...user, active: false }] });
      }
      return id;
    },
    async staffLogin(caller) {
      await staff(caller);
      const user = provisioned.get(staffId(caller)) as StaffSpec;
      return { staffId: user.id, username: user.username, password: user.password as string };
    },
    async tokens(caller, audience) {
      if (!caller.organisationId) return undefined;
      const source = caller.actorId
        ? await staff({ ...caller, organisationId: caller.organisationId, actorId: caller.actorId })
        : await partner(caller.organisationId);
      return source.token(audience);
    },
    async close() {
      await child.kill("SIGTERM");
      await db.close();
      await database.drop().catch(() => {});
    },
  };
}
