import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { resumeLogin, type UserTokenSource } from "@kopru/identity-client";
import { type ClientCaller, channelCredentials, type TlsFiles, type TokenSource } from "@kopru/service-kit";
import { decodeJwt } from "jose";
import { CliUsageError } from "./errors.js";
import type { Connection } from "./grpc.js";
import { NETWORK_FILE, type NetworkFile } from "./network-file.js";
import { addressVariable, type ServiceName, serviceAddress } from "./services.js";

// Logins the CLI keeps between runs: per user, the refresh token of a login (rotated by the provider
// at each use, so the file is rewritten as it changes), who the user is and for which organisation.
// No call goes out without one (ADR 0012). The file is private to its owner (0600).

const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** Where the network is and which files prove who this machine's operator tools are. */
export interface NetworkProfile {
  issuer: string;
  cliClientId: string;
  tls: TlsFiles;
  addresses: Partial<Record<string, string>>;
  /** Where the logins are kept. */
  sessionsFile: string;
}

/**
 * The network to talk to: `KOPRU_NETWORK_FILE` (default `.data/network.json`, written by `pnpm start`),
 * each value overridable by `KOPRU_ISSUER`, `KOPRU_TLS_CA_FILE`, `KOPRU_TLS_CERT_FILE`,
 * `KOPRU_TLS_KEY_FILE`, `KOPRU_CLI_CLIENT_ID` and `KOPRU_<SERVICE>_ADDR`.
 */
export function networkProfile(env: NodeJS.ProcessEnv = process.env): NetworkProfile {
  const networkFile = resolve(REPO_ROOT, env.KOPRU_NETWORK_FILE?.trim() || join(".data", NETWORK_FILE));
  const file = existsSync(networkFile)
    ? (JSON.parse(readFileSync(networkFile, "utf8")) as Partial<NetworkFile>)
    : undefined;
  const issuer = env.KOPRU_ISSUER?.trim() || file?.issuer;
  const tls = {
    caFile: env.KOPRU_TLS_CA_FILE?.trim() || file?.tls?.caFile,
    certFile: env.KOPRU_TLS_CERT_FILE?.trim() || file?.tls?.certFile,
    keyFile: env.KOPRU_TLS_KEY_FILE?.trim() || file?.tls?.keyFile,
  };
  if (!issuer || !tls.caFile || !tls.certFile || !tls.keyFile) {
    throw new CliUsageError(
      `no network to talk to: ${networkFile} is missing (start the network with \`pnpm start\`), ` +
        "or set KOPRU_ISSUER, KOPRU_TLS_CA_FILE, KOPRU_TLS_CERT_FILE and KOPRU_TLS_KEY_FILE",
    );
  }
  return {
    issuer,
    cliClientId: env.KOPRU_CLI_CLIENT_ID?.trim() || file?.cliClientId || "kopru-cli",
    tls: tls as TlsFiles,
    addresses: file?.addresses ?? {},
    sessionsFile: resolve(
      env.KOPRU_CLI_SESSIONS?.trim() || join(dirname(networkFile), "cli", "sessions.json"),
    ),
  };
}

/** One kept login. */
export interface StoredSession {
  username: string;
  subject: string;
  organisationId: string;
  roles: string[];
  issuer: string;
  clientId: string;
  refreshToken: string;
  loggedInAt: string;
}

interface SessionsFile {
  current?: string;
  sessions: Record<string, StoredSession>;
}

/** The logins file: read once, written (0600) whenever a login or a rotated refresh token changes it. */
export class SessionStore {
  #data: SessionsFile;

  constructor(readonly path: string) {
    this.#data = existsSync(path)
      ? (JSON.parse(readFileSync(path, "utf8")) as SessionsFile)
      : { sessions: {} };
  }

  list(): StoredSession[] {
    return Object.values(this.#data.sessions);
  }

  get current(): StoredSession | undefined {
    return this.#data.current ? this.#data.sessions[this.#data.current] : undefined;
  }

  save(session: StoredSession, makeCurrent = true): void {
    this.#data.sessions[session.username] = session;
    if (makeCurrent) this.#data.current = session.username;
    this.#write();
  }

  updateRefreshToken(username: string, refreshToken: string): void {
    const session = this.#data.sessions[username];
    if (!session) return;
    session.refreshToken = refreshToken;
    this.#write();
  }

  remove(username: string): boolean {
    if (!this.#data.sessions[username]) return false;
    delete this.#data.sessions[username];
    if (this.#data.current === username) delete this.#data.current;
    this.#write();
    return true;
  }

  clear(): number {
    const count = this.list().length;
    this.#data = { sessions: {} };
    this.#write();
    return count;
  }

  /**
   * The login `as` names: a username, or an organisation with exactly one login (or the current
   * login's organisation); without `as`, the current login.
   */
  select(as: string | undefined): StoredSession | undefined {
    if (!as) return this.current;
    const byUser = this.#data.sessions[as];
    if (byUser) return byUser;
    const ofOrganisation = this.list().filter((s) => s.organisationId === as);
    if (ofOrganisation.length === 1) return ofOrganisation[0];
    if (ofOrganisation.length > 1) {
      const current = this.current;
      if (current && current.organisationId === as) return current;
      throw new CliUsageError(
        `you are logged in as several users of ${as} (${ofOrganisation.map((s) => s.username).join(", ")}): ` +
          "pass --as <username>",
      );
    }
    return undefined;
  }

  #write(): void {
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    writeFileSync(this.path, `${JSON.stringify(this.#data, null, 2)}\n`, { mode: 0o600 });
    chmodSync(this.path, 0o600);
  }
}

/** Who a token says its holder is: for showing after a login (the services verify it themselves). */
export function claimsOf(token: string): { subject: string; organisationId: string; roles: string[] } {
  const claims = decodeJwt(token);
  return {
    subject: String(claims.sub ?? ""),
    organisationId: typeof claims.kopru_org === "string" ? claims.kopru_org : "",
    roles: Array.isArray(claims.roles) ? claims.roles.filter((r): r is string => typeof r === "string") : [],
  };
}

/**
 * Tokens for the CLI's calls: the login that the caller (`--as`, or the command's default
 * organisation) selects, resumed from its kept refresh token.
 */
export function sessionTokens(profile: NetworkProfile, store: SessionStore): TokenSource {
  const resumed = new Map<string, Promise<UserTokenSource>>();
  return async (caller: ClientCaller, audience: string) => {
    // Never the current login for another organisation: that call would go out as someone else.
    const session =
      (caller.actorId ? store.select(caller.actorId) : undefined) ??
      (caller.organisationId ? store.select(caller.organisationId) : store.current);
    if (!session) {
      const who = caller.actorId ?? caller.organisationId;
      throw new CliUsageError(
        who
          ? `not logged in as ${who}: run \`pnpm kopru login --user <username>\` first`
          : "not logged in: run `pnpm kopru login` first",
      );
    }
    let source = resumed.get(session.username);
    if (!source) {
      source = resumeLogin({
        issuer: session.issuer,
        ca: readFileSync(profile.tls.caFile),
        clientId: session.clientId,
        refreshToken: session.refreshToken,
        subject: session.subject,
        onRefreshToken: (token) => store.updateRefreshToken(session.username, token),
      });
      resumed.set(session.username, source);
    }
    return (await source).token(audience);
  };
}

/** The connection the real gateway uses: the operator certificate, the kept logins, the addresses. */
export function cliConnection(env: NodeJS.ProcessEnv = process.env): Connection {
  const profile = networkProfile(env);
  const store = new SessionStore(profile.sessionsFile);
  return {
    acting: (as) => {
      const session = store.select(as);
      if (session) return { organisationId: session.organisationId, username: session.username };
      return as ? { organisationId: as } : undefined;
    },
    credentials: channelCredentials(profile.tls),
    tokens: sessionTokens(profile, store),
    address: (service: ServiceName) =>
      env[addressVariable(service)]?.trim() || profile.addresses[service] || serviceAddress(service, env),
  };
}
