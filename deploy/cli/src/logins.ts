import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { Writable } from "node:stream";
import { deviceLogin, passwordLogin, type UserTokenSource } from "@kopru/identity-client";
import { serviceAudience } from "@kopru/service-kit";
import type { LoginSummary, Logins } from "./commands/login.js";
import { CliUsageError } from "./errors.js";
import { SERVICE_NAMES } from "./services.js";
import { claimsOf, networkProfile, SessionStore, type StoredSession } from "./sessions.js";

/** Every API a CLI login may call: one login, a token per service. */
const AUDIENCES = SERVICE_NAMES.map(serviceAudience);

function summary(session: StoredSession, current: StoredSession | undefined): LoginSummary {
  return {
    username: session.username,
    organisationId: session.organisationId,
    roles: session.roles,
    current: current?.username === session.username,
  };
}

async function readHidden(prompt: string): Promise<string> {
  let muted = false;
  const output = new Writable({
    write(chunk, _encoding, done) {
      if (!muted) process.stderr.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  try {
    const answer = new Promise<string>((resolve) => rl.question(prompt, resolve));
    muted = true;
    const password = await answer;
    process.stderr.write("\n");
    return password;
  } finally {
    rl.close();
  }
}

async function readFirstLine(): Promise<string> {
  const rl = createInterface({ input: process.stdin });
  try {
    for await (const line of rl) return line;
    return "";
  } finally {
    rl.close();
  }
}

/** The CLI's logins against the network's issuer, kept in the sessions file. */
export function cliLogins(env: NodeJS.ProcessEnv = process.env): Logins {
  const profile = networkProfile(env);
  const store = new SessionStore(profile.sessionsFile);
  const ca = readFileSync(profile.tls.caFile);
  return {
    async login({ username, password, onPrompt }) {
      const common = { issuer: profile.issuer, ca, clientId: profile.cliClientId, audiences: AUDIENCES };
      let source: UserTokenSource;
      if (username) {
        if (!password) throw new CliUsageError("a password is needed to log in with --user");
        source = await passwordLogin({ ...common, username, password });
      } else {
        source = await deviceLogin({
          ...common,
          onPrompt: (p) => onPrompt(p.verificationUri, p.userCode),
        });
      }
      const claims = claimsOf(await source.token(AUDIENCES[0] as string));
      const refreshToken = source.refreshToken();
      if (!refreshToken)
        throw new CliUsageError("the issuer gave no refresh token; this CLI cannot keep the login");
      const session: StoredSession = {
        username: username ?? claims.subject,
        subject: claims.subject,
        organisationId: claims.organisationId,
        roles: claims.roles,
        issuer: profile.issuer,
        clientId: profile.cliClientId,
        refreshToken,
        loggedInAt: new Date().toISOString(),
      };
      store.save(session);
      return summary(session, session);
    },
    logout(username, all) {
      if (all) {
        const names = store.list().map((s) => s.username);
        store.clear();
        return names;
      }
      const target = username ?? store.current?.username;
      return target && store.remove(target) ? [target] : [];
    },
    list() {
      const current = store.current;
      return store.list().map((s) => summary(s, current));
    },
    readPassword(prompt, fromStdin) {
      return fromStdin || !process.stdin.isTTY ? readFirstLine() : readHidden(prompt);
    },
  };
}
